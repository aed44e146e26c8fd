//! Reading `shootout.results/1` files: the same document before metrics
//! and details were typed. Details gain the `kind` tag they were missing,
//! the one renamed metric gets its new name, and a note says so.

use serde_json::{Value, json};

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
