//! Contenders: their manifests, the runtimes they need, and their builds.

pub mod build;
pub mod manifest;
pub mod toolchain;

pub use manifest::{Contender, discover};
