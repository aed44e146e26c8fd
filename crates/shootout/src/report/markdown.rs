//! The Markdown report: the verdict and the tables, for pasting into a
//! README, an issue or a blog post.

use std::fmt::Write;

use super::table::{Table, scenario_table};
use super::{ledger, machine_facts, setup_facts};
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
        let _ = writeln!(out, "\nWarnings:\n");
        for (text, who) in grouped(&t.warnings) {
            let _ = writeln!(out, "- ⚠ {}: {}", who.join(", "), md(&short(&text)));
        }
    }
    out
}

/// Warnings as `contender: text`, the same text said once with every
/// contender it is about.
fn grouped(warnings: &[String]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for w in warnings {
        let (who, text) = w.split_once(": ").unwrap_or(("", w));
        match groups.iter_mut().find(|(t, _)| t == text) {
            Some((_, names)) => names.push(who.to_owned()),
            None => groups.push((text.to_owned(), vec![who.to_owned()])),
        }
    }
    groups
}

/// At most one sentence of about 200 characters: results.json has the rest.
fn short(text: &str) -> String {
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}… (whole text in results.json)")
}

/// How to read the report, before the first number.
fn legend(results: &Results) -> String {
    let mut out = String::from("## How to read it\n\n");
    for line in super::legend(results) {
        let _ = writeln!(out, "- {}", md(&line));
    }
    out.push('\n');
    out
}

/// The whole Markdown report, its charts linked from `report-charts/`
/// (what [`super::write`] writes beside `report.md`).
pub fn render(results: &Results, evaluation: Option<&Evaluation>, baseline: &str) -> String {
    render_with_charts(results, evaluation, baseline, "report-charts")
}

/// The whole Markdown report, top-down: how it was measured and how to
/// read it, the verdict, then each scenario with its table, warnings and
/// charts (linked from `charts_dir`).
pub fn render_with_charts(
    results: &Results,
    evaluation: Option<&Evaluation>,
    baseline: &str,
    charts_dir: &str,
) -> String {
    let mut out = String::new();
    let title = evaluation.map_or("shootout", |e| e.title.as_str());
    let _ = writeln!(out, "# {title}, measured\n");
    let _ = writeln!(
        out,
        "shootout {} run, {} per cell, started {}.\n",
        results.mode,
        super::trials(results.trials),
        results.started_at
    );
    let _ = writeln!(out, "## How this was measured\n");
    for (k, v) in machine_facts(results) {
        let _ = writeln!(out, "- **{k}**: {}", md(&v));
    }
    // Folded as in the HTML report, so that the legend and the verdict
    // are on the first screen (GitHub and most viewers render <details>).
    out.push_str("\n<details><summary>Contenders, database, notes and saturation</summary>\n\n");
    for (k, v) in setup_facts(results) {
        let _ = writeln!(out, "- **{k}**: {}", md(&v));
    }
    out.push_str("\n</details>\n\n");
    out.push_str(&legend(results));
    if let Some(e) = evaluation {
        // "1 trial: no interval" is said once in "How to read it".
        let verdict = super::without_trial_note(ledger::markdown(e), results);
        let _ = writeln!(out, "## Verdict\n\n{verdict}");
    }
    let _ = writeln!(out, "## Scenarios\n");
    for (i, s) in results.scenarios.iter().enumerate() {
        let _ = writeln!(out, "### {}\n\n{}\n", s.name, md(&s.description));
        match scenario_table(s, baseline) {
            Some(t) => out.push_str(&table(&t)),
            None => out.push_str("(no measurements)\n"),
        }
        if let Some(cases) = super::scorecard::markdown(s).or_else(|| super::mutate::markdown(s)) {
            out.push('\n');
            out.push_str(&cases);
        }
        let charts = super::chart_files::for_scenario(results, i);
        if !charts.is_empty() {
            out.push('\n');
            for c in charts {
                let _ = writeln!(out, "![{}]({charts_dir}/{})", md(&c.title), c.name);
            }
        }
        out.push('\n');
    }
    if let Some(appendix) = super::error_sites::markdown(results) {
        out.push_str(&appendix);
    }
    out
}
