//! The commands over contenders: verify, torture, coldstart, footprint,
//! test, toolchains, and up.

use std::path::PathBuf;

use clap::Args;

use super::{ContenderArgs, ContenderNames, ContendersDirArg, DatabaseArgs, JsonArg};

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the verdicts as JSON (schema shootout.verify/1) on stdout")))]
pub struct VerifyArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Seed for the random inputs, to replay a failure [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub output: JsonArg,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Verify a service running elsewhere over the network instead
    /// (repeatable); the contract's database group is not checked.
    #[arg(long, value_name = "NAME=URL", conflicts_with_all = ["contenders", "contender_names"])]
    pub target: Vec<String>,
    /// The upstream simulator the --target services call.
    #[arg(long, value_name = "URL", requires = "target")]
    pub target_upstream: Option<String>,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the scorecards as JSON on stdout")))]
pub struct TortureArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Skip the overload phase (about 17 s per contender).
    #[arg(long)]
    pub no_overload: bool,
    /// A contender with a database mode is tortured in it, so that orders
    /// stored without being acknowledged are found too.
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
pub struct ColdstartArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Measured starts per contender, after one warm-up start.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub runs: u64,
    /// Empty the OS page cache before every start (needs root).
    #[arg(long)]
    pub drop_caches: bool,
    /// Use the contenders as built (`run` passes it: it has just built them).
    #[arg(long, hide = true)]
    pub no_build: bool,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
pub struct FootprintArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub dir: ContendersDirArg,
    /// Where the OCI image layouts are written (one folder per contender).
    #[arg(long, value_name = "DIR", default_value = "target/shootout/images")]
    pub images_dir: PathBuf,
    /// Skip the clean build (it takes minutes for an LTO build).
    #[arg(long)]
    pub no_clean_build: bool,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print each contender's outcome as JSON (schema shootout.test/1) on stdout; the tests' own output goes to stderr")))]
pub struct TestArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub dir: ContendersDirArg,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the list as JSON on stdout")))]
pub struct ToolchainsArgs {
    #[command(flatten)]
    pub dir: ContendersDirArg,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print one JSON line (schema shootout.up/1) when the contender is ready (url, address, pid, upstream, CPUs) and one when it stopped")))]
pub struct UpArgs {
    /// The contender to run.
    #[arg(value_name = "CONTENDER")]
    pub contender: String,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Port for the contender.
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Address it listens on (its `HOST`): 0.0.0.0 to be reached from other
    /// hosts, network namespaces or pods.
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Base URL of an upstream already running [default: start a private one].
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub output: JsonArg,
}
