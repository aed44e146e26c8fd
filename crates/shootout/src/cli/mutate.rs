//! Options of `shootout mutate`.

use std::path::PathBuf;

use clap::Args;

use super::{ContenderNames, ContendersDirArg, JsonArg};

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the scorecards as JSON on stdout (docs/mutate.schema.json)")))]
pub struct MutateArgs {
    #[command(flatten)]
    pub contenders: ContenderNames,
    #[command(flatten)]
    pub dir: ContendersDirArg,
    /// The catalogue of mistakes: one [[kind]] each, said without a language.
    #[arg(long, value_name = "FILE", default_value = "contract/mutations.toml")]
    pub catalogue: PathBuf,
    /// Only check that every patch applies to today's sources; build and run nothing.
    #[arg(long)]
    pub check: bool,
    /// Seed of the contract checks' random inputs [default: the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub output: JsonArg,
}
