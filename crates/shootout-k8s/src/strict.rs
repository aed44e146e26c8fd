//! Manifests read back into the typed API objects, with unknown fields
//! rejected. `k8s-openapi`'s deserializers skip fields they do not know (as
//! the API server's non-strict decoding does), so each object is read, written
//! back, and every field of the input must have survived: a misspelt or
//! misplaced field is an error naming its path, as `kubectl apply
//! --validate=strict` would report it.

use serde_json::Value;

use crate::render::Object;

#[derive(Debug, thiserror::Error)]
pub enum StrictError {
    #[error("item {index}: kind {kind:?} is not one shootout writes")]
    Kind { index: usize, kind: String },
    #[error("item {index} ({kind}): {source}")]
    Invalid {
        index: usize,
        kind: String,
        source: serde_json::Error,
    },
    #[error("item {index} ({kind} {name}): unknown field {path}")]
    Unknown {
        index: usize,
        kind: String,
        name: String,
        path: String,
    },
    #[error("not a v1 List: {0}")]
    NotList(String),
}

/// The items of a `v1 List`.
pub fn parse_list(list: &Value) -> Result<Vec<Object>, StrictError> {
    if list["kind"] != "List" || list["apiVersion"] != "v1" {
        return Err(StrictError::NotList(format!(
            "apiVersion {} kind {}",
            list["apiVersion"], list["kind"]
        )));
    }
    let items = list["items"]
        .as_array()
        .ok_or_else(|| StrictError::NotList("no items".into()))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(i, item))
        .collect()
}

/// One object, by its `kind`.
pub fn parse(index: usize, value: &Value) -> Result<Object, StrictError> {
    let kind = value["kind"].as_str().unwrap_or("").to_owned();
    let invalid = |source| StrictError::Invalid {
        index,
        kind: kind.clone(),
        source,
    };
    let v = value.clone();
    let object = match kind.as_str() {
        "Namespace" => Object::Namespace(serde_json::from_value(v).map_err(invalid)?),
        "ConfigMap" => Object::ConfigMap(serde_json::from_value(v).map_err(invalid)?),
        "Deployment" => Object::Deployment(serde_json::from_value(v).map_err(invalid)?),
        "StatefulSet" => Object::StatefulSet(serde_json::from_value(v).map_err(invalid)?),
        "Service" => Object::Service(serde_json::from_value(v).map_err(invalid)?),
        "Job" => Object::Job(serde_json::from_value(v).map_err(invalid)?),
        "NetworkPolicy" => Object::NetworkPolicy(serde_json::from_value(v).map_err(invalid)?),
        _ => return Err(StrictError::Kind { index, kind }),
    };
    let back = serde_json::to_value(&object).map_err(invalid)?;
    match first_unknown(value, &back, String::new()) {
        Some(path) => Err(StrictError::Unknown {
            index,
            kind,
            name: object.name().to_owned(),
            path,
        }),
        None => Ok(object),
    }
}

/// The path of the first field of `input` that `back` lost.
fn first_unknown(input: &Value, back: &Value, path: String) -> Option<String> {
    match (input, back) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| match b.get(k) {
            None if !v.is_null() => Some(format!("{path}.{k}")),
            None => None,
            Some(w) => first_unknown(v, w, format!("{path}.{k}")),
        }),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (v, w))| first_unknown(v, w, format!("{path}[{i}]"))),
        _ => None,
    }
}
