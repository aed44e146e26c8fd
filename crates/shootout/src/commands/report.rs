//! `shootout report`: the HTML and Markdown reports of a results file again.

use std::io::Write;

use anyhow::Context;

use crate::cli::ReportArgs;
use crate::report::{self, terminal::Style};
use crate::suite::claims::Ledger;
use crate::suite::results::Results;

pub fn report(args: ReportArgs) -> anyhow::Result<bool> {
    let results = Results::load(&args.results)?;
    let evaluation = match &args.ledger {
        Some(path) => {
            let ledger = Ledger::load(path)?;
            let scenarios: Vec<_> = results.scenarios.iter().map(|s| s.config.clone()).collect();
            ledger.check_against(&scenarios, false)?;
            Some(ledger.evaluate(&results))
        }
        None => results.ledger.clone(),
    };
    let dir = args.results.parent().unwrap_or(std::path::Path::new("."));
    let html = args.html.clone().unwrap_or_else(|| dir.join("report.html"));
    let md = args.md.clone().unwrap_or_else(|| dir.join("report.md"));
    report::write(&results, evaluation.as_ref(), &args.baseline, &html, &md)
        .with_context(|| format!("writing {} and {}", html.display(), md.display()))?;
    let style = Style::detect();
    let mut stdout = std::io::stdout().lock();
    write!(
        stdout,
        "{}",
        report::table::render(&results, &args.baseline, &style)
    )?;
    if let Some(e) = &evaluation {
        write!(stdout, "{}", report::ledger::text(e, &style))?;
    }
    writeln!(stdout, "\nreport: {} and {}", html.display(), md.display())?;
    Ok(true)
}
