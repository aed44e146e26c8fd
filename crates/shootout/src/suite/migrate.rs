//! Reading results files: this version's, and `shootout.results/1` (the
//! same document before metrics and details were typed). A v1 file's details
//! gain the `kind` tag they were missing, the one renamed metric gets its new
//! name, a note says so, and the comparisons it never stored are computed.

use std::path::Path;

use serde_json::{Value, json};

use super::compare;
use super::results::{Results, SCHEMA, SCHEMA_V1};

/// A results file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} has schema version {found:?}; this shootout reads {SCHEMA} (and {SCHEMA_V1})")]
    Version { path: String, found: String },
    #[error("{path} is not a shootout results file: {source}")]
    Invalid {
        path: String,
        source: serde_json::Error,
    },
}

impl Results {
    /// Reads a results file of this version or the previous one.
    pub fn load(path: &Path) -> Result<Self, ResultsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |source| ResultsError::Invalid {
            path: shown.clone(),
            source,
        };
        let mut value: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
        let mut v1 = false;
        match value["schema"].as_str() {
            Some(SCHEMA) => {}
            Some(SCHEMA_V1) => {
                from_v1(&mut value, SCHEMA);
                v1 = true;
            }
            other => {
                return Err(ResultsError::Version {
                    path: shown,
                    found: other.unwrap_or("none").to_owned(),
                });
            }
        }
        let mut results: Results = serde_json::from_value(value).map_err(invalid)?;
        if v1 {
            // v1 had no stored comparisons; compute them as a run would have.
            let seed = results.seed;
            for s in &mut results.scenarios {
                compare::rank(s, seed);
            }
        }
        Ok(results)
    }
}

/// Rewrites a v1 document in place into the v2 shape, `schema` = `target`.
pub fn from_v1(doc: &mut Value, target: &str) {
    let text = doc
        .to_string()
        .replace("\"rss_per_inflight_kb\"", "\"rss_per_inflight_kib\"");
    if let Ok(renamed) = serde_json::from_str(&text) {
        *doc = renamed;
    }
    doc["schema"] = json!(target);
    if let Some(scenarios) = doc["scenarios"].as_array_mut() {
        for s in scenarios {
            for cell in s["cells"].as_array_mut().into_iter().flatten() {
                for trial in cell["trials"].as_array_mut().into_iter().flatten() {
                    tag_detail(&mut trial["detail"]);
                }
            }
        }
    }
    if let Some(notes) = doc["notes"].as_array_mut() {
        notes.push(json!(
            "read from a shootout.results/1 file: rss_per_inflight_kib there is the v1 least-squares slope, not today's per-request figure"
        ));
    }
}

fn tag_detail(detail: &mut Value) {
    let Some(map) = detail.as_object_mut() else {
        return;
    };
    let kind = if map.contains_key("sweep") {
        "sweep"
    } else if map.contains_key("idle") {
        "head-of-line"
    } else if map.contains_key("runs") {
        "coldstart"
    } else if map.contains_key("artifact") {
        "footprint"
    } else {
        "load"
    };
    map.insert("kind".into(), json!(kind));
    if kind == "sweep" {
        map.entry("idle_rss_bytes").or_insert(Value::Null);
    }
}
