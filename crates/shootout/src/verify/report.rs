//! The verification table (contender × check group) and failure details.

use std::fmt::Write;

use super::Group;
use super::run::{Outcome, Report};

/// Failures printed per contender before "and N more".
const MAX_SHOWN: usize = 15;

/// The human report, readable without colour.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once("contender".to_owned())
            .chain(Group::ALL.iter().map(|g| g.name().to_owned()))
            .chain(std::iter::once("verdict".to_owned()))
            .collect(),
    ];
    for v in &report.contenders {
        let mut row = vec![v.name.clone()];
        for g in Group::ALL {
            row.push(match v.groups.iter().find(|r| r.group == g) {
                Some(r) if r.failed > 0 => format!("FAIL {}", r.failed),
                Some(r) if r.passed > 0 => "ok".to_owned(),
                _ => "-".to_owned(),
            });
        }
        let checks: usize = v.groups.iter().map(|g| g.passed + g.failed).sum();
        row.push(match v.outcome {
            Outcome::Passed => format!("PASS ({checks} checks)"),
            Outcome::Failed => format!("FAIL ({} of {checks} checks)", v.failures.len()),
            Outcome::Skipped => "SKIPPED".to_owned(),
            Outcome::Error => "ERROR".to_owned(),
        });
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    for v in &report.contenders {
        if v.not_run > 0 {
            let _ = writeln!(
                out,
                "\n{}: {} checks not run: the service stopped answering",
                v.name, v.not_run
            );
        }
    }
    for v in &report.contenders {
        if let Some(reason) = &v.reason {
            let _ = writeln!(out, "\n{} {}: {reason}", marker(v.outcome), v.name);
            if let Some(hint) = &v.hint {
                let _ = writeln!(out, "hint: {hint}");
            }
        }
        if !v.failures.is_empty() {
            let _ = writeln!(out, "\n{} broke {} rule(s):", v.name, v.failures.len());
        }
        for f in v.failures.iter().take(MAX_SHOWN) {
            let _ = writeln!(out, "  [{}] {}", f.group.name(), f.rule);
            if !f.request.is_empty() {
                let _ = writeln!(out, "      request:  {}", f.request);
            }
            if !f.response.is_empty() {
                let _ = writeln!(out, "      response: {}", f.response);
            }
        }
        if v.failures.len() > MAX_SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more (shootout verify {} --json shows all)",
                v.failures.len() - MAX_SHOWN,
                v.name
            );
        }
    }
    let _ = writeln!(out, "\nrandom inputs from --seed {}", report.seed);
    out
}

fn marker(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Skipped => "skipped",
        _ => "error:",
    }
}
