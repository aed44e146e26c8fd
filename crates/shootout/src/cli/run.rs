//! `run` and what reads its results: report and claims.

use std::path::PathBuf;

use clap::Args;

use super::{ContenderArgs, DatabaseArgs, FailOnArg, JsonArg, ReferenceArg};

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the results (schema shootout.results/2) as JSON on stdout instead of the tables")))]
pub struct RunArgs {
    /// Short phases and one trial per cell (about 5 minutes for the claims' contenders once built).
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
    #[command(flatten)]
    pub reference: ReferenceArg,
    /// The claims ledger to judge at the end; every scenario, contender and
    /// metric it names is checked before anything is measured [default:
    /// claims/go-vs-node.toml when it exists; a file named here must exist].
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
    /// Measure only: judge no ledger, not even the default one.
    #[arg(long, conflicts_with_all = ["ledger", "fail_on"])]
    pub no_ledger: bool,
    #[command(flatten)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub output: JsonArg,
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
#[command(mut_arg("json", |a| a.help("Print the results (with the ledger as judged) as JSON (schema shootout.results/2) on stdout instead of the tables")))]
pub struct ReportArgs {
    /// A results.json written by `shootout run`; with several independent
    /// runs, the tables are the first's and the ledger is judged on all of
    /// them pooled.
    #[arg(required = true, num_args = 1..)]
    pub results: Vec<PathBuf>,
    /// Where to write the HTML report [default: report.html next to the results].
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Where to write the Markdown report [default: report.md next to the results].
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
    #[command(flatten)]
    pub reference: ReferenceArg,
    /// Re-evaluate this ledger instead of the one stored in the results.
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
    #[command(flatten)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the evaluated ledger as JSON on stdout")))]
pub struct ClaimsArgs {
    /// results.json files written by `shootout run`: several independent
    /// runs are pooled (runs as the unit, trials within), and refused with
    /// the reason when they measured different things.
    #[arg(required = true, num_args = 1..)]
    pub results: Vec<PathBuf>,
    /// The ledger to evaluate.
    #[arg(long, value_name = "FILE", default_value = "claims/go-vs-node.toml")]
    pub ledger: PathBuf,
    #[command(flatten)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub output: JsonArg,
}
