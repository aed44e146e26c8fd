//! Deployment and operations claims ("faster cold starts", "single static
//! binary", "minimal images", "fewer dependencies"): cold start, build time,
//! artifact and image size, dependency counts, lines of code.

pub mod coldstart;
pub mod deps;
pub mod footprint;
pub mod loc;
pub mod oci;
pub mod render;
pub mod stats;
