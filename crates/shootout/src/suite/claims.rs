//! The claims ledger: each claim of the blog post, quoted with its section,
//! and a predicate over results. A claim is SUPPORTED when the 95% interval
//! of its measure clears the threshold, REFUTED when the interval lies wholly
//! on the other side, and INCONCLUSIVE when the interval straddles it or the
//! data is missing. `claims/go-vs-node.toml` is the shipped ledger; users
//! write their own in the same format (`docs/claims.md`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::results::Results;
use super::stats::{self, Estimate};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    pub title: String,
    /// Where the claims come from.
    pub source: String,
    #[serde(rename = "claim", default)]
    pub claims: Vec<Claim>,
    #[serde(rename = "unmeasurable", default)]
    pub unmeasurable: Vec<Unmeasurable>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: String,
    pub section: String,
    pub quote: String,
    /// What is measured, in words.
    pub test: String,
    /// Every check must hold for SUPPORTED.
    #[serde(rename = "check")]
    pub checks: Vec<Check>,
}

/// `metric` of `a` in `scenario` (or its ratio to `b`'s) against a threshold.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub scenario: String,
    pub metric: String,
    pub a: String,
    /// With `b`, the measure is median(a) / median(b).
    pub b: Option<String>,
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Unmeasurable {
    pub section: String,
    pub quote: String,
    pub why: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Supported,
    Refuted,
    Inconclusive,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Supported => "SUPPORTED",
            Verdict::Refuted => "REFUTED",
            Verdict::Inconclusive => "INCONCLUSIVE",
        })
    }
}

/// One check, evaluated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub check: Check,
    pub verdict: Verdict,
    /// The measure with its interval, if there was data.
    pub measure: Option<Estimate>,
    /// The numbers in words, e.g. `go-nethttp / rust-axum requests_per_s = 0.82 [0.79, 0.85] ≥ 0.7`.
    pub explanation: String,
}

/// One claim, evaluated. Part of the results schema (`ledger.claims`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evaluated {
    pub id: String,
    pub section: String,
    pub quote: String,
    pub test: String,
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
}

/// The evaluated ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub title: String,
    pub source: String,
    pub claims: Vec<Evaluated>,
    pub unmeasurable: Vec<Unmeasurable>,
}

impl Ledger {
    pub fn load(path: &Path) -> Result<Self, LedgerError> {
        let text = std::fs::read_to_string(path).map_err(|source| LedgerError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, LedgerError> {
        let invalid = |message: String| LedgerError::Invalid {
            path: path.to_owned(),
            message,
        };
        let ledger: Ledger = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        for c in &ledger.claims {
            if c.checks.is_empty() {
                return Err(invalid(format!("claim {:?} has no [[claim.check]]", c.id)));
            }
            for k in &c.checks {
                if k.at_least.is_some() == k.at_most.is_some() {
                    return Err(invalid(format!(
                        "claim {:?}: each check needs exactly one of at_least, at_most",
                        c.id
                    )));
                }
            }
        }
        Ok(ledger)
    }

    pub fn evaluate(&self, results: &Results) -> Evaluation {
        Evaluation {
            title: self.title.clone(),
            source: self.source.clone(),
            claims: self
                .claims
                .iter()
                .map(|c| evaluate_claim(c, results))
                .collect(),
            unmeasurable: self.unmeasurable.clone(),
        }
    }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn evaluate_check(k: &Check, results: &Results) -> Evidence {
    let seed = results.seed;
    let values = |name: &str| {
        results
            .cell(&k.scenario, name)
            .map(|c| c.values(&k.metric))
            .unwrap_or_default()
    };
    let (measure, what) = match &k.b {
        Some(b) => (
            stats::ratio(&values(&k.a), &values(b), seed),
            format!("{} / {} {}", k.a, b, k.metric),
        ),
        None => (
            stats::estimate(&values(&k.a), seed),
            format!("{} {}", k.a, k.metric),
        ),
    };
    let (threshold, at_least) = match (k.at_least, k.at_most) {
        (Some(t), _) => (t, true),
        (_, Some(t)) => (t, false),
        _ => (f64::NAN, true),
    };
    let rel = if at_least { "≥" } else { "≤" };
    let Some(m) = measure else {
        return Evidence {
            check: k.clone(),
            verdict: Verdict::Inconclusive,
            measure: None,
            explanation: format!(
                "{what} in {}: no data (scenario or contender not run, or no successful trial)",
                k.scenario
            ),
        };
    };
    let verdict = match at_least {
        true if m.ci_low >= threshold => Verdict::Supported,
        true if m.ci_high < threshold => Verdict::Refuted,
        false if m.ci_high <= threshold => Verdict::Supported,
        false if m.ci_low > threshold => Verdict::Refuted,
        _ => Verdict::Inconclusive,
    };
    let interval = if m.n < 2 {
        " (1 trial: no interval)".to_owned()
    } else {
        format!(" [{}, {}]", fmt_num(m.ci_low), fmt_num(m.ci_high))
    };
    Evidence {
        check: k.clone(),
        verdict,
        explanation: format!(
            "{what} in {} = {}{interval}, needs {rel} {}",
            k.scenario,
            fmt_num(m.median),
            fmt_num(threshold)
        ),
        measure: Some(m),
    }
}

fn evaluate_claim(c: &Claim, results: &Results) -> Evaluated {
    let evidence: Vec<Evidence> = c
        .checks
        .iter()
        .map(|k| evaluate_check(k, results))
        .collect();
    let verdict = if evidence.iter().any(|e| e.verdict == Verdict::Refuted) {
        Verdict::Refuted
    } else if evidence.iter().all(|e| e.verdict == Verdict::Supported) {
        Verdict::Supported
    } else {
        Verdict::Inconclusive
    };
    Evaluated {
        id: c.id.clone(),
        section: c.section.clone(),
        quote: c.quote.clone(),
        test: c.test.clone(),
        verdict,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::results::{Cell, ScenarioResult, Status, Trial};

    fn results_with(cells: &[(&str, &[f64])]) -> Results {
        let cells = cells
            .iter()
            .map(|(name, values)| {
                let mut cell = Cell::new(name);
                cell.trials = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Trial {
                        trial: i,
                        position: 0,
                        started_at: String::new(),
                        status: Status::Ok,
                        error: None,
                        metrics: [("rps".to_owned(), *v)].into(),
                        warnings: vec![],
                        detail: serde_json::Value::Null,
                    })
                    .collect();
                cell.summarize(1);
                cell
            })
            .collect();
        Results {
            schema: "shootout.results/1".into(),
            started_at: String::new(),
            updated_at: String::new(),
            complete: true,
            mode: "default".into(),
            trials: 3,
            seed: 1,
            machine: serde_json::Value::Null,
            service_cpus: "1".into(),
            generator_cpus: "0".into(),
            contenders: vec![],
            scenarios: vec![ScenarioResult {
                name: "s".into(),
                description: String::new(),
                claims: vec![],
                config: serde_json::Value::Null,
                cells,
            }],
            ledger: None,
            notes: vec![],
        }
    }

    fn check(b: Option<&str>, at_least: Option<f64>, at_most: Option<f64>) -> Check {
        Check {
            scenario: "s".into(),
            metric: "rps".into(),
            a: "go".into(),
            b: b.map(Into::into),
            at_least,
            at_most,
        }
    }

    #[test]
    fn each_outcome_of_a_ratio_check() {
        let r = results_with(&[("go", &[80.0, 82.0, 81.0]), ("rust", &[100.0, 101.0, 99.0])]);
        assert_eq!(
            evaluate_check(&check(Some("rust"), Some(0.7), None), &r).verdict,
            Verdict::Supported
        );
        assert_eq!(
            evaluate_check(&check(Some("rust"), Some(0.9), None), &r).verdict,
            Verdict::Refuted
        );
        let e = evaluate_check(&check(Some("rust"), Some(0.81), None), &r);
        assert_eq!(e.verdict, Verdict::Inconclusive, "{}", e.explanation);
        assert_eq!(
            evaluate_check(&check(Some("rust"), None, Some(0.9)), &r).verdict,
            Verdict::Supported
        );
    }

    #[test]
    fn missing_data_is_inconclusive() {
        let r = results_with(&[("go", &[80.0])]);
        let e = evaluate_check(&check(Some("node"), Some(1.0), None), &r);
        assert_eq!(e.verdict, Verdict::Inconclusive);
        assert!(e.explanation.contains("no data"), "{}", e.explanation);
        let mut k = check(None, Some(1.0), None);
        k.scenario = "absent".into();
        assert_eq!(evaluate_check(&k, &r).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn a_claim_needs_every_check() {
        let r = results_with(&[("go", &[80.0, 81.0, 82.0])]);
        let claim = |checks| Claim {
            id: "c".into(),
            section: "s".into(),
            quote: "q".into(),
            test: "t".into(),
            checks,
        };
        let yes = check(None, Some(50.0), None);
        let no = check(None, None, Some(50.0));
        let unsure = check(None, Some(81.0), None);
        assert_eq!(
            evaluate_claim(&claim(vec![yes.clone(), yes.clone()]), &r).verdict,
            Verdict::Supported
        );
        assert_eq!(
            evaluate_claim(&claim(vec![yes.clone(), no]), &r).verdict,
            Verdict::Refuted
        );
        assert_eq!(
            evaluate_claim(&claim(vec![yes, unsure]), &r).verdict,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn the_shipped_ledger_parses_and_names_known_scenarios() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let ledger = Ledger::load(&root.join("claims/go-vs-node.toml")).unwrap();
        assert!(ledger.claims.len() >= 10, "{}", ledger.claims.len());
        assert!(!ledger.unmeasurable.is_empty());
        let scenarios = crate::suite::scenario::discover(
            &root.join("scenarios"),
            crate::suite::scenario::Mode::Default,
        )
        .unwrap();
        for c in &ledger.claims {
            for k in &c.checks {
                assert!(
                    scenarios.iter().any(|s| s.name == k.scenario),
                    "{}: unknown scenario {}",
                    c.id,
                    k.scenario
                );
            }
        }
    }
}
