//! The claims ledger: each claim of the blog post, quoted with its section,
//! and checks over results that decide it (`claims/go-vs-node.toml`;
//! `docs/claims.md` documents the format and every threshold's reason).
//!
//! A ledger is validated when it is read, before anything is measured: a
//! metric name the registry does not know is an error with its file, line
//! and the nearest valid names; so is a metric its scenario cannot produce,
//! and a one-sided bound on a signed metric. [`evaluate`] decides verdicts.

pub mod calibrate;
#[cfg(test)]
mod can_fail;
mod evaluate;
mod history;
pub mod pool;
pub mod rule;
mod wording;

use std::path::Path;

use serde::Deserialize;

pub use self::evaluate::evaluate_check;
pub use self::pool::{Pool, Unpoolable};
use super::metric::MetricKey;
use super::results::Results;
use super::scenario::Scenario;
pub use super::verdict::{
    Check, CheckKind, ClaimVerdict, Evaluated, Evaluation, Evidence, History, Moment, Unmeasurable,
};
use crate::toml_file::{self, FileError};

pub type LedgerError = FileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLedger {
    title: String,
    source: String,
    #[serde(rename = "claim", default)]
    claims: Vec<WireClaim>,
    #[serde(rename = "unmeasurable", default)]
    unmeasurable: Vec<Unmeasurable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireClaim {
    id: String,
    section: String,
    quote: String,
    test: String,
    why: Option<String>,
    pending: Option<String>,
    #[serde(rename = "check", default)]
    checks: Vec<WireCheck>,
    #[serde(rename = "context", default)]
    context: Vec<WireCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCheck {
    scenario: String,
    metric: toml::Spanned<String>,
    a: String,
    b: Option<String>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    #[serde(default)]
    kind: CheckKind,
    #[serde(default)]
    history: Vec<History>,
}

/// A validated ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    pub title: String,
    /// Where the claims come from.
    pub source: String,
    pub claims: Vec<Claim>,
    pub unmeasurable: Vec<Unmeasurable>,
    /// The file it was read from, for messages.
    pub path: std::path::PathBuf,
    /// SHA-256 of the file's text, hex: carried into results and reports.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub id: String,
    pub section: String,
    pub quote: String,
    /// What is measured, in words.
    pub test: String,
    /// Why the thresholds are what they are.
    pub why: Option<String>,
    /// Why the claim cannot be decided yet (the measurement it needs is not built).
    pub pending: Option<String>,
    /// Every check must hold for SUPPORTED.
    pub checks: Vec<Check>,
    /// Shown beside the verdict, never deciding it.
    pub context: Vec<Check>,
}

impl Ledger {
    pub fn load(path: &Path) -> Result<Self, LedgerError> {
        let text = toml_file::read(path)?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self, LedgerError> {
        let wire: WireLedger = toml_file::parse(text, path)?;
        let at = |line: usize, m: String| FileError::invalid(path, format!("line {line}: {m}"));
        let mut claims = Vec::new();
        for c in wire.claims {
            if c.checks.is_empty() && c.pending.is_none() {
                return Err(FileError::invalid(
                    path,
                    format!(
                        "claim {:?} has no [[claim.check]] (or `pending` reason)",
                        c.id
                    ),
                ));
            }
            let convert = |checks: Vec<WireCheck>| -> Result<Vec<Check>, LedgerError> {
                checks
                    .into_iter()
                    .map(|k| {
                        let line = toml_file::line_of(text, k.metric.span().start);
                        let metric: MetricKey = k
                            .metric
                            .get_ref()
                            .parse()
                            .map_err(|e: super::metric::UnknownMetric| at(line, format!("claim {:?}: {e}", c.id)))?;
                        if k.at_least.is_some() == k.at_most.is_some() {
                            return Err(at(line, format!(
                                "claim {:?}: each check needs exactly one of at_least, at_most",
                                c.id
                            )));
                        }
                        if metric.spec().signed && k.b.is_none() {
                            return Err(at(line, format!(
                                "claim {:?}: {metric} is signed, so a one-sided bound passes any change the other way; bound its size instead (e.g. rss_drift_abs_pct)",
                                c.id
                            )));
                        }
                        history::validate(&k.history)
                            .map_err(|m| at(line, format!("claim {:?}: history: {m}", c.id)))?;
                        Ok(Check {
                            scenario: k.scenario,
                            metric,
                            a: k.a,
                            b: k.b,
                            at_least: k.at_least,
                            at_most: k.at_most,
                            kind: k.kind,
                            history: k.history,
                            line,
                        })
                    })
                    .collect()
            };
            let checks = convert(c.checks)?;
            let context = convert(c.context)?;
            claims.push(Claim {
                id: c.id,
                section: c.section,
                quote: c.quote,
                test: c.test,
                why: c.why,
                pending: c.pending,
                checks,
                context,
            });
        }
        Ok(Self {
            title: wire.title,
            source: wire.source,
            claims,
            unmeasurable: wire.unmeasurable,
            path: path.to_owned(),
            hash: history::sha256_hex(text),
        })
    }

    /// Refuses checks naming a scenario not in `scenarios` (when
    /// `all_known`: the full set was given), or a metric their scenario
    /// cannot produce.
    pub fn check_against(
        &self,
        scenarios: &[Scenario],
        all_known: bool,
    ) -> Result<(), LedgerError> {
        for c in &self.claims {
            for k in c.checks.iter().chain(&c.context) {
                let at = |m: String| {
                    FileError::invalid(
                        &self.path,
                        format!("line {}: claim {:?}: {m}", k.line, c.id),
                    )
                };
                match scenarios.iter().find(|s| s.name == k.scenario) {
                    Some(s) => s.produces(k.metric).map_err(|e| at(e.0))?,
                    None if all_known => {
                        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                        return Err(at(format!(
                            "no scenario named {:?} (known: {})",
                            k.scenario,
                            names.join(", ")
                        )));
                    }
                    None => {}
                }
            }
        }
        Ok(())
    }

    /// Every contender a check names (deciding and context alike).
    pub fn contenders(&self) -> Vec<String> {
        self.contenders_outside(&[])
    }

    /// The contenders the checks on scenarios other than `scenarios` name,
    /// context checks too: a context row with no data says nothing (a
    /// quick run measures go-gin because node-coding-patterns shows it).
    pub fn contenders_outside(&self, scenarios: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = self
            .claims
            .iter()
            .flat_map(|c| c.checks.iter().chain(&c.context))
            .filter(|k| !scenarios.contains(&k.scenario.as_str()))
            .flat_map(|k| std::iter::once(k.a.clone()).chain(k.b.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Verdicts on `results`; a check whose threshold changed after data
    /// also says its verdict under the old threshold.
    pub fn evaluate(&self, results: &Results) -> Evaluation {
        self.evaluate_pool(&Pool::from(results))
    }

    /// Verdicts on independent runs pooled (runs as the top level, trials
    /// within): the ledger applied afresh to the pooled data.
    pub fn evaluate_pool(&self, pool: &Pool) -> Evaluation {
        let mut evaluation = evaluate::evaluate(self, pool);
        history::judge_old_thresholds(&mut evaluation, pool);
        evaluation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::scenario::{Mode, discover};

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    const ONE: &str = r#"
title = "t"
source = "s"
[[claim]]
id = "c"
section = "s"
quote = "q"
test = "t"
[[claim.check]]
scenario = "json"
metric = "requests_per_s"
a = "go-nethttp"
at_least = 1
"#;

    #[test]
    fn the_shipped_ledger_parses_and_fits_the_shipped_scenarios() {
        let ledger = Ledger::load(&root().join("claims/go-vs-node.toml")).unwrap();
        assert!(ledger.claims.len() >= 10, "{}", ledger.claims.len());
        assert!(!ledger.unmeasurable.is_empty());
        let scenarios = discover(&root().join("scenarios"), Mode::Default).unwrap();
        ledger.check_against(&scenarios, true).unwrap();
    }

    /// docs/claims.md has a row for every claim of the shipped ledger.
    #[test]
    fn the_claims_doc_has_a_row_per_claim() {
        let ledger = Ledger::load(&root().join("claims/go-vs-node.toml")).unwrap();
        let doc = std::fs::read_to_string(root().join("docs/claims.md")).unwrap();
        for c in &ledger.claims {
            assert!(
                doc.contains(&format!("| {} | “{}”", c.id, c.quote.replace('|', "\\|"))),
                "docs/claims.md lacks {}",
                c.id
            );
        }
    }

    /// Every claim a check reads a scenario for is in that scenario's
    /// `claims` list, and every listed claim exists and reads it.
    #[test]
    fn scenario_claim_lists_agree_with_the_ledger() {
        let ledger = Ledger::load(&root().join("claims/go-vs-node.toml")).unwrap();
        let scenarios = discover(&root().join("scenarios"), Mode::Default).unwrap();
        for c in &ledger.claims {
            for k in c.checks.iter().chain(&c.context) {
                let s = scenarios.iter().find(|s| s.name == k.scenario).unwrap();
                assert!(s.claims.contains(&c.id), "{} lacks claim {}", s.name, c.id);
            }
        }
        for s in &scenarios {
            for id in &s.claims {
                let c = ledger.claims.iter().find(|c| &c.id == id);
                let c = c.unwrap_or_else(|| panic!("{} names unknown claim {id}", s.name));
                let reads = c
                    .checks
                    .iter()
                    .chain(&c.context)
                    .any(|k| k.scenario == s.name);
                assert!(
                    reads || c.pending.is_some(),
                    "{id} does not read {}",
                    s.name
                );
            }
        }
    }

    #[test]
    fn a_misspelt_metric_names_its_line_and_the_nearest_names() {
        let text = ONE.replace("\"requests_per_s\"", "\"requests_per_sec\"");
        let err = Ledger::parse(&text, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("my.toml: line 11"), "{err}");
        assert!(err.contains("did you mean requests_per_s"), "{err}");
    }

    #[test]
    fn a_metric_the_scenario_cannot_produce_is_refused() {
        let scenarios = discover(&root().join("scenarios"), Mode::Default).unwrap();
        let text = ONE.replace("\"requests_per_s\"", "\"coldstart_health_ms\"");
        let ledger = Ledger::parse(&text, Path::new("my.toml")).unwrap();
        let err = ledger
            .check_against(&scenarios, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 11") && err.contains("cannot produce coldstart_health_ms"),
            "{err}"
        );
        let text = ONE
            .replace("\"json\"", "\"io\"")
            .replace("\"requests_per_s\"", "\"requests_per_s_c999\"");
        let ledger = Ledger::parse(&text, Path::new("my.toml")).unwrap();
        let err = ledger
            .check_against(&scenarios, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not c999"), "{err}");
    }

    #[test]
    fn a_one_sided_bound_on_signed_drift_is_refused() {
        let text = ONE
            .replace("\"json\"", "\"soak\"")
            .replace("\"requests_per_s\"", "\"rss_drift_pct\"")
            .replace("at_least = 1", "at_most = 10");
        let err = Ledger::parse(&text, Path::new("my.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("rss_drift_pct is signed"), "{err}");
        let ok = text.replace("rss_drift_pct", "rss_drift_abs_pct");
        Ledger::parse(&ok, Path::new("my.toml")).unwrap();
    }
}
