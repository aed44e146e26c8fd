//! Deployment and operations claims ("faster cold starts", "single static
//! binary", "minimal images", "fewer dependencies"): cold start, build time,
//! artifact and image size, dependency counts, lines of code.

/// Why an ops measurement (footprint, dependencies, image) could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OpsError(pub String);

impl From<String> for OpsError {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for OpsError {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<std::io::Error> for OpsError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

pub mod coldstart;
pub mod deps;
pub mod footprint;
pub mod loc;
pub mod oci;
pub mod render;
