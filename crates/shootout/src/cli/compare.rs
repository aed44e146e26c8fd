//! `shootout compare`'s options.

use std::path::PathBuf;

use clap::Args;

use super::JsonArg;

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the comparison as JSON on stdout (docs/compare.schema.json)")))]
pub struct CompareArgs {
    /// The baseline: a results.json written by `shootout run`.
    pub base: PathBuf,
    /// The run to judge against it.
    pub new: PathBuf,
    /// A condition that fails the comparison (exit status 1) when it holds
    /// for any cell, k6-style: METRIC[SCENARIO,CONTENDER] OP BOUND with OP
    /// one of < <= > >=, BOUND `F*base` or a number, `*` for every scenario
    /// or contender. Repeatable.
    #[arg(long = "fail-if", value_name = "EXPR")]
    pub fail_if: Vec<String>,
    #[command(flatten)]
    pub output: JsonArg,
}
