//! `shootout claims`: a ledger evaluated against a results file.

use std::io::Write;

use anyhow::Context;

use crate::cli::ClaimsArgs;
use crate::report::terminal::Style;
use crate::suite::claims::Ledger;
use crate::suite::results::Results;

pub fn claims(args: ClaimsArgs) -> anyhow::Result<bool> {
    let results = Results::load(&args.results)?;
    let ledger = Ledger::load(&args.ledger)?;
    let scenarios: Vec<_> = results.scenarios.iter().map(|s| s.config.clone()).collect();
    ledger.check_against(&scenarios, false).with_context(|| {
        format!(
            "checking {} against {}",
            args.ledger.display(),
            args.results.display()
        )
    })?;
    let evaluation = ledger.evaluate(&results);
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
    Ok(true)
}
