//! The document `shootout toolchains` prints: one row per runtime the
//! contenders need, and how it was met; its terminal form is a table.

use schemars::JsonSchema;
use serde::Serialize;

use super::Render;

/// One runtime requirement and how it was met. Part of `--json`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolchainRow {
    pub runtime: String,
    /// The version requirement of the contenders' manifests.
    pub required: String,
    /// The exact version found or provided; null when it could not be had.
    pub version: Option<String>,
    /// `system`, or the cache folder and the npm package it came from.
    pub source: Option<String>,
    /// Why it could not be had.
    pub error: Option<String>,
    pub contenders: Vec<String>,
}

impl Render for [ToolchainRow] {
    fn terminal(&self) -> String {
        render(self)
    }
}

fn render(rows: &[ToolchainRow]) -> String {
    let mut table = vec![[
        "runtime".to_owned(),
        "required".to_owned(),
        "version".to_owned(),
        "source".to_owned(),
        "contenders".to_owned(),
    ]];
    for r in rows {
        table.push([
            r.runtime.clone(),
            r.required.clone(),
            r.version.clone().unwrap_or_else(|| "MISSING".into()),
            r.source
                .clone()
                .or_else(|| r.error.clone())
                .unwrap_or_default(),
            r.contenders.join(", "),
        ]);
    }
    crate::text::aligned(&table)
}
