//! The result of a load run: [`LoadReport`] is the `--json` document
//! (schema `shootout.load/1`, described by `docs/load.schema.json`); its
//! human summary is `report::load`.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::clock::ClockOffset;
use super::config::{Io, Model, Shard, Stop};
use super::record::TimelinePoint;

/// Version of the JSON document.
pub const SCHEMA: &str = "shootout.load/1";

/// Percentiles reported in the full spectrum.
pub const SPECTRUM: [f64; 17] = [
    0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 90.0, 95.0, 99.0, 99.9, 99.99,
    99.999, 100.0,
];

/// One point of the percentile spectrum.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Percentile {
    pub percentile: f64,
    pub us: u64,
}

/// A latency distribution, in microseconds. All zero when nothing completed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Latency {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub stdev_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p99_9_us: u64,
    pub p99_99_us: u64,
    pub max_us: u64,
    pub percentiles: Vec<Percentile>,
}

impl Latency {
    pub fn from_histogram(h: &Histogram<u64>) -> Self {
        let empty = h.is_empty();
        let at = |p: f64| if empty { 0 } else { h.value_at_percentile(p) };
        Self {
            count: h.len(),
            min_us: if empty { 0 } else { h.min() },
            mean_us: if empty { 0.0 } else { h.mean() },
            stdev_us: if empty { 0.0 } else { h.stdev() },
            p50_us: at(50.0),
            p90_us: at(90.0),
            p99_us: at(99.0),
            p99_9_us: at(99.9),
            p99_99_us: at(99.99),
            max_us: if empty { 0 } else { h.max() },
            percentiles: SPECTRUM
                .iter()
                .map(|&p| Percentile {
                    percentile: p,
                    us: at(p),
                })
                .collect(),
        }
    }
}

/// Open-model schedule keeping.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Schedule {
    /// Requests per second asked for.
    pub rate: f64,
    /// Requests sent per second of the measured window.
    pub achieved_rate: f64,
    /// Sends more than 1 ms behind their intended time.
    pub late: u64,
    /// Scheduled requests never sent: no connection was free within the timeout.
    pub unsent: u64,
    /// Actual send minus intended send.
    pub slip: Latency,
}

/// Responses checked during the load, and failures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Verification {
    pub checked: u64,
    pub failed: u64,
    /// The first few failures, verbatim.
    pub examples: Vec<String>,
}

/// The generator's own CPU use over the measured window.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Generator {
    /// User + system CPU seconds of the whole generator process.
    pub cpu_seconds: f64,
    /// CPUs it could use: workers, bounded by pinned CPUs and by its CPU
    /// quota (a cgroup's, e.g. a pod's `limits.cpu`).
    pub capacity_cpus: f64,
    /// The CPU quota it ran under, in CPUs, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<f64>,
    /// `cpu_seconds / (elapsed × capacity)`, 0..1.
    pub utilization: f64,
    /// At 90% or more: the result is a floor for the server, not its capacity.
    pub saturated: bool,
}

/// The whole result of a load run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct LoadReport {
    /// `shootout.load/1`.
    pub schema: String,
    pub url: String,
    /// The request templates, e.g. `GET /health`.
    pub requests_sent: Vec<String>,
    /// `closed` with `connections`, or `open` with `rate` and `connections`.
    pub model: Model,
    pub stop: Stop,
    pub warmup_s: f64,
    pub timeout_s: f64,
    pub keepalive: bool,
    /// Worker threads used.
    pub threads: usize,
    /// The generator's I/O path: `uring` or `epoll` (absent in reports
    /// from before the choice existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io: Option<Io>,
    /// CPUs the workers were pinned to, if pinned.
    pub cpus: Option<String>,
    /// Measured window, seconds (warm-up excluded).
    pub elapsed_s: f64,
    /// Completed responses (any status).
    pub completed: u64,
    /// Requests that got no response.
    pub errors: u64,
    /// Responses completed inside the measured window, per second.
    pub requests_per_s: f64,
    /// 2xx responses inside the measured window, per second.
    #[serde(default)]
    pub goodput_per_s: f64,
    /// Seconds after the window until the last in-flight answer arrived.
    #[serde(default)]
    pub drain_s: f64,
    pub bytes: u64,
    pub bytes_per_s: f64,
    /// Latency as a client saw it: from the intended send in the open model.
    pub latency: Latency,
    /// Latency from the actual send: the service time alone.
    pub service_time: Latency,
    /// Open model only.
    pub schedule: Option<Schedule>,
    /// Responses per status code.
    pub status: BTreeMap<String, u64>,
    /// Errors per kind: connect, read, timeout, reset.
    pub error_kinds: BTreeMap<String, u64>,
    pub verification: Verification,
    pub generator: Generator,
    /// One point per second of the measured window.
    pub timeline: Vec<TimelinePoint>,
    /// Why the run ended early, if it did.
    pub aborted: Option<String>,
    pub warnings: Vec<String>,
    /// Which shard of a spread load this run was (`--shard I/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The latency histograms whole, for an exact merge (`shootout merge`);
    /// written by shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histograms: Option<Histograms>,
    /// When the load started (after `--start-at`), this host's wall clock,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_s: Option<f64>,
    /// This run's clock against `--clock-ref`'s, when it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<ClockOffset>,
    /// A merge's shards, one line each (`shootout merge`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardLine>,
}

/// A shard's histograms, whole. Part of the `shootout.load/1` schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Histograms {
    /// Latency from the intended send (what `latency` summarizes): HDR V2
    /// deflate serialization, base64.
    pub latency: String,
    /// Latency from the actual send (what `service_time` summarizes).
    pub service_time: String,
}

/// One shard of a merge, as the merged result lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ShardLine {
    /// Where it came from (the file given to `shootout merge`).
    pub name: String,
    pub shard: Option<Shard>,
    pub completed: u64,
    pub requests_per_s: f64,
    pub elapsed_s: f64,
    /// Its clock against the reference, when it measured it.
    pub clock: Option<ClockOffset>,
    /// When it started, on the reference's clock when it has an offset,
    /// milliseconds after the first shard to start.
    pub start_ms: Option<f64>,
}
