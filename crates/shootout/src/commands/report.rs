//! `shootout report`: the HTML and Markdown reports of a results file again
//! (with several runs, the ledger judged on them pooled).

use std::io::Write;

use anyhow::Context;

use crate::cli::ReportArgs;
use crate::report::{self, terminal::Style};
use crate::suite::results::Results;

pub fn report(args: ReportArgs) -> anyhow::Result<bool> {
    let runs = super::claims::load_runs(&args.results)?;
    let pool = crate::suite::claims::Pool::new(&runs)?;
    let mut results: Results = runs[0].1.clone();
    let measured: Vec<&str> = results.contenders.iter().map(|c| c.name.as_str()).collect();
    let reference = super::reference(&args.reference, &measured)?;
    let reference = reference.as_str();
    // Several runs: the ledger is judged afresh on them pooled (the default
    // ledger unless one is named); the tables are the first run's.
    let ledger_path = match (&args.ledger, runs.len()) {
        (Some(path), _) => Some(path.clone()),
        (None, 1) => None,
        (None, _) => Some(std::path::PathBuf::from(
            super::ledger_input::DEFAULT_LEDGER,
        )),
    };
    let evaluation = match &ledger_path {
        Some(path) => {
            Some(super::ledger_input::load_for_results(path, &results)?.evaluate_pool(&pool))
        }
        None => results.ledger.clone(),
    };
    let first = &args.results[0];
    let dir = first.parent().unwrap_or(std::path::Path::new("."));
    let html = args.html.clone().unwrap_or_else(|| dir.join("report.html"));
    let md = args.md.clone().unwrap_or_else(|| dir.join("report.md"));
    report::write(&results, evaluation.as_ref(), reference, &html, &md)
        .with_context(|| format!("writing {} and {}", html.display(), md.display()))?;
    let passes = evaluation.as_ref().is_none_or(|e| args.fail_on.passes(e));
    if !args.fail_on.fail_on.is_empty() && evaluation.is_none() {
        anyhow::bail!(
            "--fail-on: {} holds no judged ledger\nhint: add --ledger FILE",
            first.display()
        );
    }
    let mut stdout = std::io::stdout().lock();
    if args.output.json {
        results.ledger = evaluation;
        serde_json::to_writer_pretty(&mut stdout, &results)?;
        writeln!(stdout)?;
        return Ok(passes);
    }
    let style = Style::detect();
    write!(
        stdout,
        "{}",
        report::table::render(&results, reference, &style)
    )?;
    if let Some(e) = &evaluation {
        write!(stdout, "{}", report::ledger::text(e, &style))?;
    }
    writeln!(stdout, "\nreport: {} and {}", html.display(), md.display())?;
    Ok(passes)
}
