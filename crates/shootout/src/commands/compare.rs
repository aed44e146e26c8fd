//! `shootout compare`: two runs, cell by cell, with `~` inside the noise,
//! and `--fail-if` conditions for CI.

use std::io::Write;

use crate::cli::CompareArgs;
use crate::suite::change;
use crate::suite::fail_if;
use crate::suite::results::Results;

pub fn compare(args: CompareArgs) -> anyhow::Result<bool> {
    let conditions = args
        .fail_if
        .iter()
        .map(|t| fail_if::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let base = Results::load(&args.base)?;
    let new = Results::load(&args.new)?;
    let comparison = change::compare(
        &args.base.display().to_string(),
        &base,
        &args.new.display().to_string(),
        &new,
        &conditions,
    );
    let mut stdout = std::io::stdout().lock();
    if args.output.json {
        serde_json::to_writer_pretty(&mut stdout, &comparison)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", change::markdown(&comparison))?;
    }
    if !comparison.failures.is_empty() {
        let mut stderr = std::io::stderr().lock();
        for f in &comparison.failures {
            writeln!(stderr, "fail-if: {}", f.line)?;
        }
    }
    Ok(comparison.failures.is_empty())
}
