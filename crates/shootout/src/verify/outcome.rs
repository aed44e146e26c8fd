//! What `shootout verify` reports: a verdict per contender, the `--json`
//! document (schema `shootout.verify/1`, described by
//! `docs/verify.schema.json`); its human table is `report::verify`.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Failure, GroupResult};
use crate::contenders::toolchain::Runtime;
use crate::supervise::launch::Conditions;

/// Version of the `--json` document.
pub const SCHEMA: &str = "shootout.verify/1";

/// How verification of one contender ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyOutcome {
    /// Every check passed.
    Passed,
    /// At least one contract rule is broken.
    Failed,
    /// Its toolchain is missing (outside CI).
    Skipped,
    /// It could not be built or started.
    Error,
}

/// The verdict on one contender. Part of the `--json` schema.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ContenderVerdict {
    pub name: String,
    pub language: String,
    pub framework: String,
    pub outcome: VerifyOutcome,
    /// Why it was skipped or errored.
    pub reason: Option<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// The runtime used, with its exact version.
    pub runtime: Option<Runtime>,
    /// Build wall time in seconds (an incremental build when already built).
    pub build_seconds: Option<f64>,
    /// Spawn to first 200 on /health, in milliseconds.
    pub ready_ms: Option<f64>,
    /// CPUs and environment it was started with.
    pub conditions: Option<Conditions>,
    pub groups: Vec<GroupResult>,
    pub failures: Vec<Failure>,
    /// Checks not sent because the service stopped answering.
    pub not_run: usize,
}

/// The whole `shootout verify --json` document.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VerifyReport {
    /// `shootout.verify/1`.
    pub schema: &'static str,
    /// The seed of the random inputs (`--seed` replays them).
    pub seed: u64,
    pub contenders: Vec<ContenderVerdict>,
}

impl VerifyReport {
    /// Whether the run should exit zero.
    pub fn success(&self, ci: bool) -> bool {
        self.contenders.iter().all(|v| match v.outcome {
            VerifyOutcome::Passed => true,
            VerifyOutcome::Skipped => !ci,
            VerifyOutcome::Failed | VerifyOutcome::Error => false,
        })
    }
}
