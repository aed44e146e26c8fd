//! Deployment and operations claims ("faster cold starts", "single static
//! binary", "minimal images", "fewer dependencies"): cold start, build time,
//! artifact and image size, dependency counts, lines of code.

message_error! {
    /// Why an ops measurement (footprint, dependencies, image) could not be taken.
    OpsError
}

impl From<std::io::Error> for OpsError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

pub mod coldstart;
pub mod deps;
pub mod error_blocks;
pub mod footprint;
pub mod image;
pub mod language;
mod layer_cache;
pub mod loc;
pub mod oci;
