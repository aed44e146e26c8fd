//! What `shootout verify` reports: a verdict per contender (the `--json`
//! document, schema `shootout.verify/1`), and the human table (contender ×
//! check group) with failure details.

use std::fmt::Write;

use serde::Serialize;

use super::{Failure, Group, GroupResult};
use crate::contenders::toolchain::Runtime;
use crate::supervise::launch::Conditions;

/// Version of the `--json` document.
pub const SCHEMA: &str = "shootout.verify/1";

/// How verification of one contender ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every check passed.
    Passed,
    /// At least one contract rule is broken.
    Failed,
    /// Its toolchain is missing (outside CI).
    Skipped,
    /// It could not be built or started.
    Error,
}

/// The verdict on one contender. Part of the `--json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct ContenderVerdict {
    pub name: String,
    pub language: String,
    pub framework: String,
    pub outcome: Outcome,
    /// Why it was skipped or errored.
    pub reason: Option<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// The runtime used, with its exact version.
    pub runtime: Option<Runtime>,
    /// Build wall time in seconds (an incremental build when already built).
    pub build_seconds: Option<f64>,
    /// Spawn to first 200 on /health, in milliseconds.
    pub ready_ms: Option<f64>,
    /// CPUs and environment it was started with.
    pub conditions: Option<Conditions>,
    pub groups: Vec<GroupResult>,
    pub failures: Vec<Failure>,
    /// Checks not sent because the service stopped answering.
    pub not_run: usize,
}

/// The whole `shootout verify --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub seed: u64,
    pub contenders: Vec<ContenderVerdict>,
}

impl Report {
    /// Whether the run should exit zero.
    pub fn success(&self, ci: bool) -> bool {
        self.contenders.iter().all(|v| match v.outcome {
            Outcome::Passed => true,
            Outcome::Skipped => !ci,
            Outcome::Failed | Outcome::Error => false,
        })
    }
}

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

fn marker(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Skipped => "skipped",
        _ => "error:",
    }
}
