//! `run` and what reads its results: report and claims.

use std::path::PathBuf;

use clap::Args;

use super::{ContenderArgs, DatabaseArgs, JsonArg};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Short phases and one trial per cell (about 11 minutes for the claims' five contenders once built).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Long phases and five trials per cell.
    #[arg(long)]
    pub full: bool,
    /// Contenders to run, comma-separated, or `all` [default: all; with --quick,
    /// the contenders the ledger's claims name].
    #[arg(long, value_name = "A,B", value_delimiter = ',')]
    pub contenders: Vec<String>,
    /// Scenarios to run, comma-separated [default: all in --scenarios-dir].
    #[arg(long, value_name = "X,Y", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Folder of scenario files.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub scenarios_dir: PathBuf,
    /// Where results.json goes.
    #[arg(long, value_name = "DIR", default_value = "target/shootout/results")]
    pub out: PathBuf,
    /// Continue the run saved in --out: cells already measured are kept.
    #[arg(long)]
    pub resume: bool,
    /// The contender the tables compare the others with.
    #[arg(long, value_name = "NAME", default_value = "go-nethttp")]
    pub baseline: String,
    /// The claims ledger to evaluate at the end.
    #[arg(long, value_name = "FILE", default_value = "claims/go-vs-node.toml")]
    pub ledger: PathBuf,
    /// Seed for request inputs and bootstrap resampling [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run each contender as a pod's container: in a cgroup of its own with
    /// a CFS CPU quota and a memory limit, in Kubernetes quantity syntax
    /// (cpu=1.5 or cpu=500m; memory=256Mi, 1Gi, 512M). The contender is not
    /// pinned and not told its budget: its runtime must find its limits
    /// itself. Without it, contenders are pinned to --service-cpus.
    #[arg(long, value_name = "cpu=Q,memory=Q")]
    pub limits: Option<crate::supervise::limits::Limits>,
    /// Measure a service already running elsewhere (repeatable): verified
    /// over the network first, then driven like a local contender; its CPU,
    /// memory and the scenarios that start or stop it are not measured.
    /// With --target, only the targets run unless --contenders names some.
    #[arg(long, value_name = "NAME=URL")]
    pub target: Vec<String>,
    /// The upstream simulator the --target services call (what `shootout
    /// up` prints as "upstream:", or a `shootout upstream`): verification
    /// counts its calls and makes it fail.
    #[arg(long, value_name = "URL", requires = "target")]
    pub target_upstream: Option<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A results.json written by `shootout run`.
    pub results: PathBuf,
    /// Where to write the HTML report [default: report.html next to the results].
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Where to write the Markdown report [default: report.md next to the results].
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    /// The contender the tables compare the others with.
    #[arg(long, value_name = "NAME", default_value = "go-nethttp")]
    pub baseline: String,
    /// Re-evaluate this ledger instead of the one stored in the results.
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the evaluated ledger as JSON on stdout")))]
pub struct ClaimsArgs {
    /// A results.json written by `shootout run`.
    pub results: PathBuf,
    /// The ledger to evaluate.
    #[arg(long, value_name = "FILE", default_value = "claims/go-vs-node.toml")]
    pub ledger: PathBuf,
    #[command(flatten)]
    pub output: JsonArg,
}
