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
    /// Line of the check's metric in the ledger file.
    #[serde(skip)]
    #[schemars(skip)]
    pub line: usize,
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
    /// The numbers in words, e.g. `go-nethttp / rust-axum requests_per_s = 0.82 [0.79, 0.85], needs ≥ 0.70 (margin +17%)`.
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
    /// Fewer than three trials per cell: verdicts rest on the noise bands
    /// of `docs/noise.md`, not on intervals, and are indicative.
    #[serde(default)]
    pub indicative: bool,
    pub claims: Vec<Evaluated>,
    pub unmeasurable: Vec<Unmeasurable>,
}
