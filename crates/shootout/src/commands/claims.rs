//! `shootout claims`: a ledger evaluated against one results file, or
//! several independent runs pooled.

use std::io::Write;

use anyhow::Context;

use crate::cli::ClaimsArgs;
use crate::report::terminal::Style;
use crate::suite::claims::Pool;
use crate::suite::results::Results;

/// Each file loaded, named by its path.
pub(super) fn load_runs(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<(String, Results)>> {
    paths
        .iter()
        .map(|p| Ok((p.display().to_string(), Results::load(p)?)))
        .collect()
}

pub fn claims(args: ClaimsArgs) -> anyhow::Result<bool> {
    let runs = load_runs(&args.results)?;
    let pool = Pool::new(&runs)?;
    let results = &runs[0].1;
    let ledger = super::ledger_input::load_for_results(&args.ledger, results)
        .with_context(|| format!("checking {} against {}", args.ledger.display(), runs[0].0))?;
    let evaluation = ledger.evaluate_pool(&pool);
    let mut stdout = std::io::stdout().lock();
    if args.output.json {
        serde_json::to_writer_pretty(&mut stdout, &evaluation)?;
        writeln!(stdout)?;
    } else {
        write!(
            stdout,
            "{}",
            crate::report::ledger::text(&evaluation, &Style::detect())
        )?;
    }
    Ok(args.fail_on.passes(&evaluation))
}
