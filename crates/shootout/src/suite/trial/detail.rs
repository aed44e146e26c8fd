//! What a trial's metrics were computed from, kept in `results.json` for the
//! charts: every load report with its latency spectrum and timeline, the
//! resource summaries, sweep points, cold-start runs and the footprint.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::load::LoadReport;
use crate::ops::coldstart::Coldstart;
use crate::ops::footprint::Footprint;
use crate::supervise::sampler::Summary;

/// One load run with the service's and the upstream's resources over its window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct LoadDetail {
    pub load: LoadReport,
    /// The service's process tree over the measured window.
    pub service: Option<Summary>,
    /// The upstream simulator over the measured window.
    pub upstream: Option<Summary>,
    /// PostgreSQL over the measured window, when the scenario uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<Summary>,
    /// Service RSS over the window: (seconds after warm-up, bytes), every 200 ms.
    pub rss: Vec<(f64, u64)>,
    /// Open model at a fraction of capacity: the capacity the probe measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_requests_per_s: Option<f64>,
}

/// One level of a concurrency sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SweepPoint {
    pub concurrency: usize,
    #[serde(flatten)]
    pub measured: LoadDetail,
}

/// A trial's details, by scenario kind.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TrialDetail {
    Load(Box<LoadDetail>),
    Sweep {
        sweep: Vec<SweepPoint>,
        /// (requests in flight by Little's law, mean RSS bytes) per level whose answers were right.
        rss_vs_concurrency: Vec<(f64, f64)>,
        /// RSS of the service before any load.
        #[serde(default)]
        idle_rss_bytes: Option<u64>,
    },
    HeadOfLine {
        idle: Box<LoadReport>,
        loaded: Box<LoadReport>,
        background: Box<LoadReport>,
        /// The probe and the background at the second, longer task length.
        #[serde(default)]
        long: Option<Box<LoadReport>>,
        #[serde(default)]
        long_background: Option<Box<LoadReport>>,
    },
    Coldstart(Box<Coldstart>),
    Footprint(Box<Footprint>),
    Torture(Box<crate::torture::Scorecard>),
    Drain(Box<Drain>),
    /// The refactoring experiment's scorecard.
    Mutate(Box<crate::mutate::Scorecard>),
}

impl TrialDetail {
    /// The load run of a plain load trial.
    pub fn load(&self) -> Option<&LoadDetail> {
        match self {
            TrialDetail::Load(d) => Some(d),
            _ => None,
        }
    }
}

/// What the drain measured. Part of the results schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Drain {
    /// Requests sent per client before SIGTERM.
    pub path: String,
    pub connections: usize,
    /// Requests answered 2xx before SIGTERM.
    pub answered_before: u64,
    /// Requests in flight at SIGTERM.
    pub in_flight: u64,
    /// Of those, never answered 2xx.
    pub lost: u64,
    /// SIGTERM to exit, in seconds (the grace period when it was killed).
    pub drain_s: f64,
    /// It was still running at the end of the grace period and was
    /// SIGKILLed.
    pub killed: bool,
    pub grace_s: f64,
    /// How it exited.
    pub exit: String,
}
