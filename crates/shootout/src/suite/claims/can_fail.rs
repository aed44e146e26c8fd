//! Every deciding check of the shipped ledger can come out both ways:
//! synthetic results (`crates/shootout/tests/fixtures/ledger/<claim>.toml`,
//! format in the README there) make each SUPPORTED and REFUTED, clearly
//! (far from the threshold, so no decision rule's detail matters).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::pool::Pool;
use super::{Check, ClaimVerdict, Ledger, evaluate_check};
use crate::suite::metric::{MetricKey, Noise};
use crate::suite::results::Results;
use crate::suite::results::tests_support::results_with;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    scenario: String,
    metric: String,
    a: String,
    b: Option<String>,
    expect: ClaimVerdict,
    a_values: Vec<f64>,
    b_values: Option<Vec<f64>>,
    #[allow(dead_code)]
    why: Option<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ledger")
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn names(case: &Case, k: &Check) -> bool {
    case.scenario == k.scenario
        && case.metric == k.metric.to_string()
        && case.a == k.a
        && case.b == k.b
}

fn describe(k: &Check) -> String {
    let b =
        k.b.as_deref()
            .map(|b| format!(" / {b}"))
            .unwrap_or_default();
    format!("{}{b} {} in {}", k.a, k.metric, k.scenario)
}

/// Whether `m` is clearly on one side of `t`: a factor 1.5 away, or at
/// least 1 away when either is 0 (or they differ in sign). An exact metric
/// (a count, a flag) may sit on its inclusive bound.
fn clearly_apart(m: f64, t: f64, exact: bool) -> bool {
    if exact && m == t {
        true
    } else if m * t <= 0.0 {
        (m - t).abs() >= 1.0
    } else {
        (m / t).ln().abs() >= 1.5f64.ln()
    }
}

/// Independent runs a case is judged as: enough for the interval over
/// runs, so a clear case decides under any rule that uses the data.
const RUNS: usize = 3;

/// The case as [`RUNS`] results files: run r's values are the case's
/// times 1 + r/100 (a small run-to-run spread), an exact metric's the same.
fn runs_for(case: &Case) -> Vec<Results> {
    let key: MetricKey = case.metric.parse().expect("a metric the ledger accepted");
    // An exact metric (a count, a size) is the same in every run.
    let spread = if key.spec().noise == Noise::Exact {
        0.0
    } else {
        0.01
    };
    (0..RUNS)
        .map(|r| {
            let scale = |v: &[f64]| -> Vec<f64> {
                v.iter().map(|x| x * (1.0 + spread * r as f64)).collect()
            };
            let a = scale(&case.a_values);
            let b = case.b_values.as_deref().map(scale);
            let mut cells: Vec<(&str, &[f64])> = vec![(&case.a, &a)];
            if let (Some(name), Some(values)) = (&case.b, &b) {
                cells.push((name, values));
            }
            let mut results = results_with(&case.scenario, key, &cells);
            results.seed = r as u64 + 1;
            results.started_at = format!("run {r}");
            results
        })
        .collect()
}

/// What is wrong with the fixtures in `dir` for `ledger`; empty when every
/// deciding check has a clear SUPPORTED and REFUTED case.
fn problems(ledger: &Ledger, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut files: BTreeMap<String, Fixture> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            match toml::from_str(&text) {
                Ok(f) => {
                    files.insert(stem, f);
                }
                Err(e) => out.push(format!("{}: {e}", path.display())),
            }
        }
    }
    for stem in files.keys() {
        if !ledger.claims.iter().any(|c| &c.id == stem) {
            out.push(format!("{stem}.toml: no claim {stem:?} in the ledger"));
        }
    }
    for claim in &ledger.claims {
        let cases = files
            .get(&claim.id)
            .map(|f| f.cases.as_slice())
            .unwrap_or(&[]);
        for case in cases {
            if !claim.checks.iter().any(|k| names(case, k)) {
                let b = case
                    .b
                    .as_deref()
                    .map(|b| format!(" / {b}"))
                    .unwrap_or_default();
                out.push(format!(
                    "{}.toml: a case for {}{b} {} in {} names no deciding check of the claim (stale?)",
                    claim.id, case.a, case.metric, case.scenario
                ));
            }
        }
        for k in &claim.checks {
            let threshold = k.at_least.or(k.at_most).unwrap();
            for want in [ClaimVerdict::Supported, ClaimVerdict::Refuted] {
                let Some(case) = cases.iter().find(|c| names(c, k) && c.expect == want) else {
                    out.push(format!(
                        "{}: no {want} fixture for {}",
                        claim.id,
                        describe(k)
                    ));
                    continue;
                };
                if case.a_values.is_empty() || case.b.is_some() != case.b_values.is_some() {
                    out.push(format!(
                        "{}: the {want} case for {} needs a_values (and b_values exactly when the check has a b)",
                        claim.id,
                        describe(k)
                    ));
                    continue;
                }
                let m =
                    median(&case.a_values) / case.b_values.as_deref().map(median).unwrap_or(1.0);
                let exact = k.metric.spec().noise == Noise::Exact;
                if !clearly_apart(m, threshold, exact) {
                    out.push(format!(
                        "{}: the {want} case for {} has a measure of {m} against a threshold of {threshold}: not clearly apart",
                        claim.id,
                        describe(k)
                    ));
                }
                let runs = runs_for(case);
                let pool = Pool {
                    runs: runs.iter().collect(),
                };
                let got = evaluate_check(k, &pool);
                if got.verdict != want {
                    out.push(format!(
                        "{}: the {want} case for {} came out {}: {}",
                        claim.id,
                        describe(k),
                        got.verdict,
                        got.explanation
                    ));
                }
            }
        }
    }
    out
}

fn shipped() -> Ledger {
    Ledger::load(&root().join("claims/go-vs-node.toml")).unwrap()
}

#[test]
fn every_deciding_check_has_a_clear_supported_and_refuted_fixture() {
    let problems = problems(&shipped(), &fixtures());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Deleting one fixture file makes the test fail, naming what is missing.
#[test]
fn a_missing_fixture_is_a_failure() {
    let ledger = shipped();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let claim = ledger.claims.iter().find(|c| !c.checks.is_empty()).unwrap();
    std::fs::remove_file(dir.path().join(format!("{}.toml", claim.id))).unwrap();
    let problems = problems(&ledger, dir.path());
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{}: no SUPPORTED fixture", claim.id))),
        "{problems:?}"
    );
}

/// Every deciding check's threshold has its history, starting with when it
/// was set.
#[test]
fn every_deciding_threshold_has_its_history() {
    let ledger = shipped();
    let missing: Vec<String> = ledger
        .claims
        .iter()
        .flat_map(|c| c.checks.iter().map(move |k| (c, k)))
        .filter(|(_, k)| k.history.is_empty())
        .map(|(c, k)| format!("{}: {}", c.id, describe(k)))
        .collect();
    assert!(
        missing.is_empty(),
        "checks without history:\n{}",
        missing.join("\n")
    );
}

/// docs/claims.md says, for every claim, what would make it false and
/// which contrast makes it discriminate (a row of five filled cells).
#[test]
fn the_claims_doc_says_what_would_make_each_claim_false() {
    let doc = std::fs::read_to_string(root().join("docs/claims.md")).unwrap();
    let (_, rest) = doc.split_once("<!-- falsifiable:begin -->").unwrap();
    let (table, _) = rest.split_once("<!-- falsifiable:end -->").unwrap();
    for c in &shipped().claims {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| {} | ", c.id)))
            .unwrap_or_else(|| {
                panic!(
                    "docs/claims.md: no row for {} in 'What would make each claim false'",
                    c.id
                )
            });
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(
            cells.len() >= 5 && cells.iter().all(|x| !x.trim_matches(['|', ' ']).is_empty()),
            "{row}"
        );
    }
}
