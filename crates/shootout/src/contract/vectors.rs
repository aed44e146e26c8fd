//! The shared test vectors (`contract/vectors.json`), read by the harness's
//! tests and by every contender's own unit test.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why the vectors file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

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

/// One `trees(seed, depth)` vector.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreesVector {
    pub seed: u32,
    pub depth: u32,
    pub nodes: u32,
    pub check: u32,
}

/// The whole vectors file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vectors {
    #[serde(rename = "$comment", default)]
    pub comment: String,
    pub hash: Vec<HashVector>,
    pub json: Vec<JsonVector>,
    pub trees: Vec<TreesVector>,
}

impl Vectors {
    /// The repository's `contract/vectors.json`.
    pub fn default_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contract/vectors.json")
    }

    pub fn load(path: &Path) -> Result<Self, VectorsError> {
        let text = std::fs::read_to_string(path).map_err(|source| VectorsError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| VectorsError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    pub fn load_default() -> Result<Self, VectorsError> {
        Self::load(&Self::default_path())
    }
}
