//! The TOML files users write (contender manifests, scenarios, claims
//! ledgers) fail the same two ways: unreadable, or invalid with a location.
//! One error type says which file and where.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A bad user file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// toml's own message names the line and column and shows the line.
    #[error("{path}: {source}")]
    Toml {
        path: PathBuf,
        source: toml::de::Error,
    },
    /// A version requirement semver does not read.
    #[error("{path}: {field} {requirement:?} is not a version requirement: {source}")]
    Version {
        path: PathBuf,
        field: &'static str,
        requirement: String,
        source: semver::Error,
    },
    /// The message names the line.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl FileError {
    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// The whole file as text.
pub fn read(path: &Path) -> Result<String, FileError> {
    std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses `text` (the contents of `path`) into `T`, rejecting what `T` rejects.
pub fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, FileError> {
    toml::from_str(text).map_err(|source| FileError::Toml {
        path: path.to_owned(),
        source,
    })
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
