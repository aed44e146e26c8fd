//! The Markdown report: the verdict and the tables, for pasting into a
//! README, an issue or a blog post.

use std::fmt::Write;

use super::table::{Table, scenario_table};
use super::{ledger, method_facts};
use crate::suite::claims::Evaluation;
use crate::suite::results::Results;

fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

fn table(t: &Table) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {} |",
        t.headers
            .iter()
            .map(|h| md(h))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(
        out,
        "|{}|",
        t.headers
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match (c.best, c.tie) {
                (true, false) => format!("**{}**", md(&c.text)),
                (true, true) => format!("{} ≈", md(&c.text)),
                _ => md(&c.text),
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if let Some(b) = &t.baseline {
        let _ = writeln!(out, "\n{}", md(b));
    }
    if !t.warnings.is_empty() {
        out.push('\n');
        for w in &t.warnings {
            let _ = writeln!(out, "- ⚠ {}", md(w));
        }
    }
    out
}

/// The whole Markdown report.
pub fn render(results: &Results, evaluation: Option<&Evaluation>, baseline: &str) -> String {
    let mut out = String::new();
    let title = evaluation.map_or("shootout", |e| e.title.as_str());
    let _ = writeln!(out, "# {title}, measured\n");
    let _ = writeln!(
        out,
        "shootout {} run ({} trial(s) per cell), started {}. Medians with 95% bootstrap intervals; **bold** is the best of a column, ≈ a best inside the noise, (!) a cell whose trials had failures.\n",
        results.mode, results.trials, results.started_at
    );
    if let Some(e) = evaluation {
        let _ = writeln!(out, "## Verdict\n\n{}", ledger::markdown(e));
    }
    let _ = writeln!(out, "## Scenarios\n");
    for s in &results.scenarios {
        let _ = writeln!(out, "### {}\n\n{}\n", s.name, md(&s.description));
        match scenario_table(s, baseline) {
            Some(t) => out.push_str(&table(&t)),
            None => out.push_str("(no measurements)\n"),
        }
        if let Some(cases) = super::scorecard::markdown(s).or_else(|| super::mutate::markdown(s)) {
            out.push('\n');
            out.push_str(&cases);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Method and machine\n");
    for (k, v) in method_facts(results) {
        let _ = writeln!(out, "- **{k}**: {}", md(&v));
    }
    out
}
