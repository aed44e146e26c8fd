//! Contenders: their manifests, the runtimes they need, and their builds.

pub mod build;
pub mod manifest;
pub mod toolchain;

pub use manifest::{Contender, discover};

use toolchain::{Runtime, ToolchainError};

/// Why a contender could not be made ready to run.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    #[error(transparent)]
    Build(#[from] build::BuildError),
}

impl PrepareError {
    /// The error with its hint line, for the command line.
    pub fn with_hint(self) -> anyhow::Error {
        match &self {
            PrepareError::Toolchain(e) => match e.hint() {
                Some(hint) => anyhow::anyhow!("{e}\nhint: {hint}"),
                None => self.into(),
            },
            PrepareError::Build(_) => self.into(),
        }
    }
}

/// Finds the contender's runtime and builds it (a no-op when up to date).
/// Blocking: call from a plain thread or `spawn_blocking`.
pub fn prepare(contender: &Contender) -> Result<(Runtime, build::Built), PrepareError> {
    let runtime = toolchain::resolve(&contender.runtime, &toolchain::cache_dir())?;
    eprintln!(
        "shootout: building {} ({} {})…",
        contender.name, runtime.name, runtime.version
    );
    let built = build::build(contender, &runtime)?;
    Ok((runtime, built))
}
