//! For the tests of `shootout run`: tiny scenario files, and results.json
//! checked against its schema, then read as the crate's own types so that a
//! renamed field fails to compile instead of reading as null.

use std::path::Path;

use serde_json::Value;
use shootout::suite::metric::{Metric, MetricKey};
use shootout::suite::results::{CellResult, ContenderInfo, Results, ScenarioResult, Trial};

use super::repo;

pub const JSON_SCENARIO: &str = r#"
name = "json"
description = "tiny json scenario for tests"
[[requests]]
path = "/json"
check = "json"
[load]
model = "closed"
connections = 8
[timing.quick]
warmup = "300ms"
duration = "1s"
"#;

pub const COLDSTART_SCENARIO: &str = r#"
kind = "coldstart"
name = "coldstart"
description = "tiny cold start for tests"
[coldstart]
runs = 2
"#;

/// A folder holding `files` (name, contents).
pub fn scenarios(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn validate(results: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/results.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(results)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "results.json violates its schema:\n{}",
        errors.join("\n")
    );
}

/// `dir`/results.json, which must match docs/results.schema.json.
pub fn valid_results(dir: &Path) -> Results {
    let path = dir.join("results.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text).unwrap();
    validate(&value);
    serde_json::from_value(value)
        .unwrap_or_else(|e| panic!("{} is not a Results: {e}", path.display()))
}

pub fn scenario<'a>(results: &'a Results, name: &str) -> &'a ScenarioResult {
    results
        .scenarios
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name:?} in the results"))
}

pub fn cell<'a>(scenario: &'a ScenarioResult, contender: &str) -> &'a CellResult {
    scenario
        .cells
        .iter()
        .find(|c| c.contender == contender)
        .unwrap_or_else(|| panic!("{}: no cell for {contender:?}", scenario.name))
}

pub fn contender<'a>(results: &'a Results, name: &str) -> &'a ContenderInfo {
    results
        .contenders
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no contender {name:?} in the results"))
}

/// A trial's value of `metric` (at no concurrency level), if it has one.
pub fn metric(trial: &Trial, metric: Metric) -> Option<f64> {
    trial.metrics.get(&MetricKey::of(metric)).copied()
}
