//! The evaluated claims ledger as it is stored in `results.json` and shown
//! in every report: each claim's verdict with the evidence behind it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metric::MetricKey;

/// `metric` of `a` in `scenario` (or its ratio to `b`'s) against a threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Check {
    pub scenario: String,
    pub metric: MetricKey,
    pub a: String,
    /// With `b`, the measure is median(a) / median(b).
    pub b: Option<String>,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
    /// A measurement, or a fact fixed by construction (a static build's
    /// file count, a manifest's runtime): reports show facts apart.
    #[serde(default)]
    pub kind: CheckKind,
    /// The threshold's life: when it was set, and every change after data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History>,
    /// Line of the check's metric in the ledger file.
    #[serde(skip)]
    #[schemars(skip)]
    pub line: usize,
}

/// What a check stands on.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    /// A figure measured in a run.
    #[default]
    Measure,
    /// A yes/no fact of the artifact, fixed by how it is built.
    Fact,
}

/// When a threshold was written, relative to the data it judges.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Moment {
    /// Committed before any run that measured it.
    BeforeData,
    /// Committed with the code that first measures it: whether a run was
    /// looked at before the commit is not recorded.
    WithMeasure,
    /// Changed after results had been seen.
    AfterData,
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Moment::BeforeData => "set before any run",
            Moment::WithMeasure => "set with its measurement",
            Moment::AfterData => "changed after data",
        })
    }
}

/// One event of a threshold's history (`history = [{ ... }]` in the ledger).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub when: Moment,
    /// The bound before this change, same metric and direction (after-data
    /// changes of the value only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<f64>,
    /// The data that had been seen (after-data changes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// What was set or changed, and why.
    pub note: String,
    /// In an evaluation: the check's verdict under `old`. Never in a ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict_under_old: Option<ClaimVerdict>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unmeasurable {
    pub section: String,
    pub quote: String,
    pub why: String,
}

/// A claim's or a check's verdict.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimVerdict {
    Supported,
    Refuted,
    Inconclusive,
}

impl fmt::Display for ClaimVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClaimVerdict::Supported => "SUPPORTED",
            ClaimVerdict::Refuted => "REFUTED",
            ClaimVerdict::Inconclusive => "INCONCLUSIVE",
        })
    }
}

/// One check, evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Evidence {
    pub check: Check,
    pub verdict: ClaimVerdict,
    /// The measure with its interval, if there was data.
    pub measure: Option<crate::stats::bootstrap::Estimate>,
    /// (measure − threshold) / threshold: how far the measure clears (+) or
    /// misses (−) the threshold, in the direction the check asks for.
    #[serde(default)]
    pub margin: Option<f64>,
    /// The probability that `measure`'s interval covers the truth (0.95 for
    /// an interval over 3+ runs, 0.75 for the order-statistics interval of
    /// 3 trials); null when the interval is a range of runs with no stated
    /// coverage, or there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// How it was decided: `runs` (the interval over 3+ runs), `band` (the
    /// noise band, 1–2 runs) or `every-run` (an exact metric); null without
    /// data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// What it stands on, e.g. `3 runs × 1 trial, 2 machines`.
    #[serde(default)]
    pub stands_on: String,
    /// The decision range `[low, high]` in the units compared (the ratio
    /// for a check of `a / b`): every value the rule lets the measure take
    /// (its interval over 3+ runs; else the noise band around it, widened to
    /// each run's within-run interval; an exact metric's range of runs). A
    /// check is decided exactly when the whole range is on one side of the
    /// threshold. Null without data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_range: Option<[f64; 2]>,
    /// The check in one sentence, e.g. `go-nethttp's p99_ms in json is
    /// 0.42× node-fastify's (decision range 0.31–0.58×; SUPPORTED needs ≤
    /// 0.80×).`
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conclusion: String,
    /// The numbers in words, e.g. `go-nethttp / rust-axum requests_per_s
    /// in json = 0.82× (3 trials: ≥50% interval [0.79, 0.85]); decision
    /// range 0.49–1.36× (noise band ×/÷1.66), needs ≥ 0.70×; stands on 1
    /// run × 3 trials, 1 machine; inside the noise`.
    pub explanation: String,
}

/// One claim, evaluated. Part of the results schema (`ledger.claims`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Evaluated {
    pub id: String,
    pub section: String,
    pub quote: String,
    pub test: String,
    #[serde(default)]
    pub why: Option<String>,
    /// The measurement this claim needs is not built yet: INCONCLUSIVE, for this reason.
    #[serde(default)]
    pub pending: Option<String>,
    pub verdict: ClaimVerdict,
    /// The verdict in one sentence: the deciding check's conclusion (the
    /// one that refuted it, the first undecided one, or the closest of the
    /// checks that all hold) with its decision range.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conclusion: String,
    pub evidence: Vec<Evidence>,
    /// Context checks: shown, never deciding.
    #[serde(default)]
    pub context: Vec<Evidence>,
}

/// The evaluated ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Evaluation {
    pub title: String,
    pub source: String,
    /// SHA-256 of the ledger file's bytes: which thresholds these verdicts
    /// were judged by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_hash: Option<String>,
    /// Fewer than three independent runs: verdicts rest on the noise bands
    /// of `docs/noise.md`, not on intervals over runs, and are indicative.
    #[serde(default)]
    pub indicative: bool,
    /// What the verdicts stand on, e.g. `3 runs × 1 trial, 1 machine`.
    #[serde(default)]
    pub stands_on: String,
    /// Independent runs (results files) pooled.
    #[serde(default)]
    pub runs: usize,
    /// The machines the runs were on.
    #[serde(default)]
    pub machines: Vec<String>,
    /// Deciding checks that were decided (SUPPORTED or REFUTED).
    #[serde(default)]
    pub decided_checks: usize,
    /// An upper bound on the expected number of those decisions that are
    /// wrong by chance (docs/claims.md, "Many checks at once").
    #[serde(default)]
    pub expected_false_decisions: f64,
    pub claims: Vec<Evaluated>,
    pub unmeasurable: Vec<Unmeasurable>,
}
