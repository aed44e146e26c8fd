//! Cold start: spawn → first 200 on `/health`, and spawn → first correct
//! `/json`, with the memory at that moment.
//!
//! Readiness is probed by connect-and-request retries every 200 µs from a
//! plain thread with 1 µs timer slack, so the figure's resolution is well
//! under a millisecond. Each run's readiness really answered: `/health` with
//! 200 and `ok`, `/json` with the exact body.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::contenders::Contender;
use crate::contenders::toolchain::Runtime;
use crate::http1::{self, Request};
use crate::stats::spread::Spread;
use crate::supervise::launch::{Peers, service_command};
use crate::supervise::sampler::tree_rss;
use crate::supervise::{CpuSet, Service, free_port};

/// Pause between readiness attempts.
const POLL: Duration = Duration::from_micros(200);

/// One cold start.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Run {
    /// Spawn to the first `200 ok` on `/health`, milliseconds.
    pub health_ms: f64,
    /// Spawn to the first correct `/json`, milliseconds.
    pub json_ms: f64,
    /// RSS of the process tree right after the first correct `/json`.
    pub rss_bytes: u64,
    /// Connection attempts before `/health` answered.
    pub attempts: u64,
}

/// Cold starts of one contender. Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Coldstart {
    pub contender: String,
    pub runtime: Runtime,
    /// `warm` (the OS file cache holds the binaries) or `dropped` (`--drop-caches`).
    pub file_cache: String,
    pub cpus: CpuSet,
    /// Measured runs; one more ran first as a warm-up and is not included.
    pub runs: Vec<Run>,
    pub health_ms: Spread,
    pub json_ms: Spread,
    pub rss_bytes: Spread,
    /// Which process spawned and timed the starts.
    #[serde(default)]
    pub measured_in: MeasuredIn,
}

/// Which process measured the cold starts.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MeasuredIn {
    /// The `shootout coldstart` command's own process.
    #[default]
    ThisProcess,
    /// A fresh `shootout coldstart` process started by `shootout run`, so a
    /// long run's own state (memory, threads, sockets) cannot slow the spawn.
    FreshProcess,
}

#[derive(Debug, thiserror::Error)]
pub enum ColdstartError {
    #[error(transparent)]
    Supervise(#[from] crate::supervise::SuperviseError),
    #[error("{name} exited before it was ready ({exit}); last output:\n{tail}")]
    Exited {
        name: String,
        exit: String,
        tail: String,
    },
    #[error("{name} was not ready within {timeout:?}; last output:\n{tail}")]
    Timeout {
        name: String,
        timeout: Duration,
        tail: String,
    },
    #[error("no free port or timer: {0}")]
    Port(std::io::Error),
    #[error("--drop-caches needs root (it writes /proc/sys/vm/drop_caches)")]
    NotRoot,
    #[error("dropping the page cache failed: {0}")]
    DropCaches(std::io::Error),
}

/// One GET over a fresh connection with the harness's HTTP/1.1 client, on
/// a current-thread runtime driven from this (measuring) thread; the status
/// and body, or `None` if the connection was refused or broke.
fn get(rt: &tokio::runtime::Runtime, addr: SocketAddr, path: &str) -> Option<(u16, Vec<u8>)> {
    let request = Request::get(path).header("Connection", "close");
    rt.block_on(http1::send_once(addr, &request, Duration::from_secs(5)))
        .ok()
        .map(|r| (r.status, r.body))
}

fn json_ok(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v == serde_json::json!({"message": "Hello, World!"}))
}

/// Drops the OS page cache (root only).
pub fn drop_caches() -> Result<(), ColdstartError> {
    if !crate::sys::is_root() {
        return Err(ColdstartError::NotRoot);
    }
    crate::sys::sync();
    std::fs::write("/proc/sys/vm/drop_caches", "3").map_err(ColdstartError::DropCaches)
}

/// One cold start, measured on the calling thread.
pub fn measure_once(
    contender: &Contender,
    runtime: &Runtime,
    cpus: &CpuSet,
    timeout: Duration,
) -> Result<Run, ColdstartError> {
    crate::sys::set_timer_slack_1us();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ColdstartError::Port)?;
    let port = free_port().map_err(ColdstartError::Port)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // Cold start needs no upstream: /health and /json never call it.
    let (cmd, _) = service_command(
        contender,
        runtime,
        port,
        Peers {
            host: None,
            upstream: "http://127.0.0.1:9",
            database: None,
        },
        cpus,
        true,
    );
    let mut service = Service::spawn(&contender.name, cmd, Some(cpus))?;
    let spawned = service.started();
    let deadline = spawned + timeout;
    let check_alive = |service: &mut Service| -> Result<(), ColdstartError> {
        if let Some(exit) = service.try_exit() {
            std::thread::sleep(Duration::from_millis(50));
            return Err(ColdstartError::Exited {
                name: contender.name.clone(),
                exit: exit.to_string(),
                tail: service.tail(),
            });
        }
        if Instant::now() > deadline {
            return Err(ColdstartError::Timeout {
                name: contender.name.clone(),
                timeout,
                tail: service.tail(),
            });
        }
        std::thread::sleep(POLL);
        Ok(())
    };
    let mut attempts = 0;
    let health = loop {
        attempts += 1;
        if let Some((200, body)) = get(&rt, addr, "/health") {
            if body == b"ok" {
                break spawned.elapsed();
            }
        }
        check_alive(&mut service)?;
    };
    let json = loop {
        if let Some((200, body)) = get(&rt, addr, "/json") {
            if json_ok(&body) {
                break spawned.elapsed();
            }
        }
        check_alive(&mut service)?;
    };
    let rss = tree_rss(service.pid).unwrap_or(0);
    service.stop_blocking(Duration::from_secs(5));
    Ok(Run {
        health_ms: health.as_secs_f64() * 1e3,
        json_ms: json.as_secs_f64() * 1e3,
        rss_bytes: rss,
        attempts,
    })
}

/// One warm-up start, then `runs` measured ones.
pub fn measure(
    contender: &Contender,
    runtime: &Runtime,
    cpus: &CpuSet,
    runs: usize,
    drop: bool,
    timeout: Duration,
    mut progress: impl FnMut(usize),
) -> Result<Coldstart, ColdstartError> {
    if drop {
        drop_caches()?;
    }
    measure_once(contender, runtime, cpus, timeout)?;
    let mut measured = Vec::with_capacity(runs);
    for i in 0..runs {
        if drop {
            drop_caches()?;
        }
        measured.push(measure_once(contender, runtime, cpus, timeout)?);
        progress(i + 1);
    }
    let spread = |f: fn(&Run) -> f64| Spread::of(&measured.iter().map(f).collect::<Vec<_>>());
    let empty = Spread {
        n: 0,
        min: 0.0,
        median: 0.0,
        p90: 0.0,
        max: 0.0,
    };
    Ok(Coldstart {
        contender: contender.name.clone(),
        runtime: runtime.clone(),
        file_cache: if drop { "dropped" } else { "warm" }.to_owned(),
        cpus: cpus.clone(),
        health_ms: spread(|r| r.health_ms).unwrap_or(empty),
        json_ms: spread(|r| r.json_ms).unwrap_or(empty),
        rss_bytes: spread(|r| r.rss_bytes as f64).unwrap_or(empty),
        runs: measured,
        measured_in: MeasuredIn::ThisProcess,
    })
}
