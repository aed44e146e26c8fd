//! Overload: the open model at three times the capacity a closed probe
//! measured, then back to half of it. Does the service shed (a fast 503 or
//! 429) or queue until clients time out, does its memory grow without bound,
//! and how long until its p99 is back within twice its pre-overload value?
//! The rule (`docs/contract.md`, "Hostile input"): it stays up, it leaves no
//! client to time out (it answers in time or sheds), and it recovers within
//! 5 s of the overload's end.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::load::{self, LoadConfig, LoadReport, Mix, Model, Stop, Target, Template};
use crate::supervise::CpuSet;
use crate::supervise::sampler::Sampler;

/// The CPU-bound request overload is made of (~0.1–1 ms of work).
const PATH: &str = "/cpu/hash?seed=7&n=100000";
/// A request not answered within this is a timeout: the client gave up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the service may take to recover.
pub const RECOVERY_LIMIT_S: u64 = 5;

/// What overload did to one contender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Overload {
    /// Closed-model throughput that set the rates.
    pub capacity_requests_per_s: f64,
    /// p99 at half capacity before the overload (ms).
    pub p99_before_ms: f64,
    /// During the overload: answers, shed answers (503/429), other 5xx,
    /// and requests that got no answer within 2 s.
    pub answered: u64,
    pub shed: u64,
    pub server_errors: u64,
    pub timeouts: u64,
    /// p99 during the overload (ms, from the intended send).
    pub p99_during_ms: f64,
    /// Throughput actually reached during the overload, and whether the
    /// load generator was the limit (then "3×" was not fully offered).
    pub overload_requests_per_s: f64,
    pub generator_saturated: bool,
    /// Resident memory before and at its highest during the overload.
    pub rss_before_mb: f64,
    pub rss_peak_mb: f64,
    /// Seconds after the overload until p99 stayed within 2× its value
    /// before; null when it never did within the recovery phase.
    pub recovery_s: Option<u64>,
}

fn config(
    base: &str,
    model: Model,
    seconds: u64,
    generator: &CpuSet,
) -> anyhow::Result<LoadConfig> {
    Ok(LoadConfig {
        target: Target::parse(base)?,
        mix: Mix::single(Template::fixed("GET", PATH, Vec::new(), None)),
        model,
        stop: Stop::Duration(Duration::from_secs(seconds)),
        warmup: Duration::ZERO,
        timeout: CLIENT_TIMEOUT,
        keepalive: true,
        threads: generator.len(),
        cpus: Some(generator.clone()),
        check_every: u64::MAX,
        progress: false,
        shard: None,
        start_at: None,
        io: crate::load::Io::default(),
    })
}

async fn go(config: LoadConfig) -> anyhow::Result<LoadReport> {
    let stop = Arc::new(AtomicBool::new(false));
    Ok(tokio::task::spawn_blocking(move || load::run(config, stop)).await??)
}

/// Runs the phases against the service at `base` (process `pid`).
pub async fn overload(base: &str, pid: u32, generator: &CpuSet) -> anyhow::Result<Overload> {
    let sampler = Sampler::start(pid, Duration::from_millis(50), Some(generator.clone()));
    let probe = go(config(
        base,
        Model::Closed { connections: 16 },
        2,
        generator,
    )?)
    .await?;
    let capacity = probe.requests_per_s.max(1.0);
    let open = |rate: f64| Model::Open {
        rate,
        connections: 1024,
    };
    let before = go(config(base, open(capacity * 0.5), 3, generator)?).await?;
    let rss_before = sampler.snapshot().last().map_or(0, |s| s.rss_bytes);
    let t0 = sampler.now_ms();
    let during = go(config(base, open(capacity * 3.0), 4, generator)?).await?;
    let t1 = sampler.now_ms();
    let after = go(config(base, open(capacity * 0.5), 8, generator)?).await?;
    let rss_peak = sampler
        .snapshot()
        .iter()
        .filter(|s| s.t_ms >= t0 && s.t_ms <= t1)
        .map(|s| s.rss_bytes)
        .max()
        .unwrap_or(rss_before);
    let p99_before = before.latency.p99_us as f64 / 1e3;
    let status = |codes: &[&str]| -> u64 {
        during
            .status
            .iter()
            .filter(|(s, _)| codes.contains(&s.as_str()))
            .map(|(_, n)| *n)
            .sum()
    };
    let answered: u64 = during.status.values().sum();
    let shed = status(&["503", "429"]);
    let server_errors: u64 = during
        .status
        .iter()
        .filter(|(s, _)| s.starts_with('5') && s.as_str() != "503")
        .map(|(_, n)| *n)
        .sum();
    // Recovered: from this second on, every second's p99 is within 2×.
    let limit_us = (before.latency.p99_us.max(1000) * 2) as f64;
    let recovery_s = (0..after.timeline.len()).find(|&i| {
        after.timeline[i..]
            .iter()
            .all(|p| p.p99_us.is_some_and(|v| (v as f64) <= limit_us))
    });
    Ok(Overload {
        capacity_requests_per_s: capacity,
        p99_before_ms: p99_before,
        answered,
        shed,
        server_errors,
        timeouts: during.errors,
        p99_during_ms: during.latency.p99_us as f64 / 1e3,
        overload_requests_per_s: during.requests_per_s,
        generator_saturated: during.generator.saturated || probe.generator.saturated,
        rss_before_mb: rss_before as f64 / 1e6,
        rss_peak_mb: rss_peak as f64 / 1e6,
        recovery_s: recovery_s.map(|s| s as u64),
    })
}
