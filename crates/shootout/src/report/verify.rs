//! The human form of `shootout verify`: a table of contender × check group
//! with a verdict each, then every failure with its request and response.

use std::fmt::Write;

use super::Render;
use crate::verify::Group;
use crate::verify::outcome::{VerifyOutcome, VerifyReport};

impl Render for VerifyReport {
    fn terminal(&self) -> String {
        render(self)
    }
}

/// Failures printed per contender before "and N more".
const MAX_SHOWN: usize = 15;

/// The human report, readable without colour.
fn render(report: &VerifyReport) -> String {
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
            VerifyOutcome::Passed => format!("PASS ({checks} checks)"),
            VerifyOutcome::Failed => format!("FAIL ({} of {checks} checks)", v.failures.len()),
            VerifyOutcome::Skipped => "SKIPPED".to_owned(),
            VerifyOutcome::Error => "ERROR".to_owned(),
        });
        rows.push(row);
    }
    out.push_str(&crate::text::aligned(&rows));
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

fn marker(outcome: VerifyOutcome) -> &'static str {
    match outcome {
        VerifyOutcome::Skipped => "skipped",
        _ => "error:",
    }
}
