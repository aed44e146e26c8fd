//! The verification table (contender × check group) and failure details.

use std::fmt::Write;

use super::Group;
use super::run::{Outcome, Report};

/// Failures printed per contender before "and N more".
const MAX_SHOWN: usize = 15;

/// The human report, readable without colour.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let name_width = report
        .contenders
        .iter()
        .map(|v| v.name.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let _ = write!(out, "{:<name_width$}", "contender");
    for g in Group::ALL {
        let _ = write!(out, "  {}", g.name());
    }
    let _ = writeln!(out, "  verdict");
    for v in &report.contenders {
        let _ = write!(out, "{:<name_width$}", v.name);
        for g in Group::ALL {
            let cell = match v.groups.iter().find(|r| r.group == g) {
                Some(r) if r.failed == 0 && r.passed > 0 => "ok".to_owned(),
                Some(r) if r.failed > 0 => format!("FAIL {}", r.failed),
                _ => "-".to_owned(),
            };
            let _ = write!(out, "  {cell:<width$}", width = g.name().len());
        }
        let checks: usize = v.groups.iter().map(|g| g.passed + g.failed).sum();
        let verdict = match v.outcome {
            Outcome::Passed => format!("PASS ({checks} checks)"),
            Outcome::Failed => format!("FAIL ({} of {checks} checks)", v.failures.len()),
            Outcome::Skipped => "SKIPPED".to_owned(),
            Outcome::Error => "ERROR".to_owned(),
        };
        let _ = writeln!(out, "  {verdict}");
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
