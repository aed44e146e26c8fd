//! The shared test vectors (`contract/vectors.json`), read by the harness's
//! tests and by every contender's own unit test.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// One `hash(seed, n)` vector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashVector {
    pub seed: u32,
    pub n: u32,
    pub hash: u32,
}

/// One `json(seed, n)` vector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonVector {
    pub seed: u32,
    pub n: u32,
    pub bytes: u64,
    pub total_cents: u64,
}

/// The whole vectors file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vectors {
    #[serde(rename = "$comment", default)]
    pub comment: String,
    pub hash: Vec<HashVector>,
    pub json: Vec<JsonVector>,
}

impl Vectors {
    /// The repository's `contract/vectors.json`.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contract/vectors.json")
    }

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(serde_json::from_str(&text)?)
    }

    pub fn load_default() -> anyhow::Result<Self> {
        Self::load(&Self::default_path())
    }
}
