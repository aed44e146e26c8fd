//! The result of a load run: [`LoadReport`] is the `--json` document
//! (schema `shootout.load/1`, described by `docs/load.schema.json`), and
//! [`render`] is the human summary, readable without colour.

use std::collections::BTreeMap;
use std::fmt::Write;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::config::{Model, Stop};
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
    pub shard: Option<super::shard::Shard>,
    /// The latency histograms whole, for an exact merge (`shootout merge`);
    /// written by shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histograms: Option<super::shard::Histograms>,
    /// When the load started (after `--start-at`), this host's wall clock,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_unix_s: Option<f64>,
    /// This run's clock against `--clock-ref`'s, when it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<super::clock::ClockOffset>,
    /// A merge's shards, one line each (`shootout merge`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<super::shard::ShardLine>,
}

fn ms(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.2}s", us as f64 / 1e6)
    } else if us >= 1_000 {
        format!("{:.2}ms", us as f64 / 1e3)
    } else {
        format!("{us}us")
    }
}

fn msf(us: f64) -> String {
    ms(us.round() as u64)
}

pub use crate::units::thousands;

fn size(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.2} GB", bytes / 1e9)
    } else if bytes >= 1e6 {
        format!("{:.2} MB", bytes / 1e6)
    } else if bytes >= 1e3 {
        format!("{:.2} KB", bytes / 1e3)
    } else {
        format!("{bytes:.0} B")
    }
}

fn latency_row(out: &mut String, label: &str, l: &Latency) {
    let cells = [
        ms(l.p50_us),
        ms(l.p90_us),
        ms(l.p99_us),
        ms(l.p99_9_us),
        ms(l.p99_99_us),
        ms(l.max_us),
        msf(l.mean_us),
        msf(l.stdev_us),
    ];
    let _ = write!(out, "  {label:<14}");
    for c in cells {
        let _ = write!(out, "{c:>10}");
    }
    out.push('\n');
}

/// The human summary.
pub fn render(r: &LoadReport) -> String {
    let mut out = String::new();
    let model = match r.model {
        Model::Closed { connections } => format!("closed model, {connections} connections"),
        Model::Open { rate, connections } => {
            format!("open model at {rate} req/s, up to {connections} connections")
        }
    };
    let length = match r.stop {
        Stop::Duration(d) => format!("{:.1}s", d.as_secs_f64()),
        Stop::Requests(n) => format!("{} requests", thousands(n)),
    };
    let _ = writeln!(out, "shootout load {}", r.url);
    let _ = writeln!(
        out,
        "  {model}, {} thread(s){}, {length} after {:.1}s warm-up (excluded), {}",
        r.threads,
        r.cpus
            .as_ref()
            .map(|c| format!(" on CPUs {c}"))
            .unwrap_or_default(),
        r.warmup_s,
        if r.keepalive {
            "keep-alive"
        } else {
            "a connection per request"
        }
    );
    if r.requests_sent.len() > 1 {
        let _ = writeln!(out, "  mix: {}", r.requests_sent.join(", "));
    }
    out.push('\n');
    let _ = write!(out, "  {:<14}", "");
    for h in [
        "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "stdev",
    ] {
        let _ = write!(out, "{h:>10}");
    }
    out.push('\n');
    if r.schedule.is_some() {
        latency_row(&mut out, "Latency", &r.latency);
        latency_row(&mut out, "Service time", &r.service_time);
        let _ = writeln!(
            out,
            "  (latency counts from each request's intended send time; service time from its actual send)"
        );
    } else {
        latency_row(&mut out, "Latency", &r.latency);
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  {} requests in {:.2}s, {} read",
        thousands(r.completed),
        r.elapsed_s,
        size(r.bytes as f64)
    );
    let _ = writeln!(out, "  Requests/sec: {:>12.2}", r.requests_per_s);
    let _ = writeln!(out, "  Transfer/sec: {:>12}", size(r.bytes_per_s));
    if let Some(s) = &r.schedule {
        let _ = writeln!(
            out,
            "  Schedule:     {:.2}/s achieved of {}/s; {} late sends (slip p99 {}, max {}); {} unsent (every connection busy)",
            s.achieved_rate,
            s.rate,
            thousands(s.late),
            ms(s.slip.p99_us),
            ms(s.slip.max_us),
            thousands(s.unsent)
        );
    }
    let status: Vec<String> = r
        .status
        .iter()
        .map(|(k, v)| format!("{k}: {}", thousands(*v)))
        .collect();
    let _ = writeln!(
        out,
        "  Status codes: {}",
        if status.is_empty() {
            "none".into()
        } else {
            status.join(", ")
        }
    );
    let errors: Vec<String> = r
        .error_kinds
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    let _ = writeln!(
        out,
        "  Errors:       {}",
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    );
    if r.verification.checked > 0 {
        let _ = writeln!(
            out,
            "  Verified:     {} responses checked during load, {} wrong",
            thousands(r.verification.checked),
            thousands(r.verification.failed)
        );
        for e in &r.verification.examples {
            let _ = writeln!(out, "                - {e}");
        }
    }
    let _ = writeln!(
        out,
        "  Generator:    {:.0}% of {} CPU{}{}",
        r.generator.utilization * 100.0,
        r.generator.capacity_cpus,
        if r.generator.capacity_cpus == 1.0 {
            ""
        } else {
            "s"
        },
        if r.generator.saturated {
            " (SATURATED: the result is a floor for the server, not its capacity)"
        } else {
            ""
        }
    );
    if let Some(c) = &r.clock {
        let _ = writeln!(
            out,
            "  Clock:        {:+.3} ms ± {:.3} ms against --clock-ref ({} round trips)",
            c.offset_ms, c.uncertainty_ms, c.samples
        );
    }
    for s in &r.shards {
        let _ = writeln!(
            out,
            "  Shard {:<7} {} requests, {:.2}/s over {:.2}s{}{}  ({})",
            s.shard.map_or("?".into(), |s| s.to_string()),
            thousands(s.completed),
            s.requests_per_s,
            s.elapsed_s,
            s.start_ms
                .map(|ms| format!(", started +{ms:.1} ms"))
                .unwrap_or_default(),
            s.clock
                .map(|c| format!(", clock {:+.3} ± {:.3} ms", c.offset_ms, c.uncertainty_ms))
                .unwrap_or_default(),
            s.name
        );
    }
    if let Some(reason) = &r.aborted {
        let _ = writeln!(
            out,
            "\n  stopped early: {reason}; the figures above are partial"
        );
    }
    for w in &r.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    out
}
