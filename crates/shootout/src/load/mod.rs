//! The load generator behind `shootout load` and every figure of `shootout
//! run`: closed and open models, HDR histograms per worker merged at the end,
//! latency corrected for coordinated omission, a per-second timeline, and a
//! check of the generator's own CPU so a saturated generator is reported.
//! `docs/loadgen.md` explains the design and its measured speed.

pub mod clock;
pub mod config;
pub mod conn;
pub mod parse;
pub mod record;
pub mod report;
pub mod request;
pub mod shard;
mod uring;
pub mod worker;

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub use config::{ConfigError, Io, LoadConfig, Model, Stop, Target};
pub use report::LoadReport;
pub use request::{Body, Mix, Template};

use record::{ErrorKind, Recorder, Timeline};
use worker::{Report, Shared, WorkerSpec};

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot connect to {addr}: {source}")]
    Unreachable {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start a worker thread: {0}")]
    Thread(std::io::Error),
}

/// The target is considered gone after refusing connections this long
/// without a single response.
const DEAD_AFTER: Duration = Duration::from_secs(1);

/// CPU seconds (user + system) this process has used.
fn process_cpu_seconds() -> f64 {
    crate::sys::cpu_seconds(crate::sys::Who::Myself)
}

/// Sleeps until `at` (seconds since the Unix epoch) or a stop.
fn wait_until(at: f64, stop: &AtomicBool) {
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        if now >= at || stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_secs_f64((at - now).min(0.1)));
    }
}

/// Runs a load test to completion on worker threads and returns its report.
/// Setting `stop` ends it early with the figures so far.
pub fn run(mut config: LoadConfig, stop: Arc<AtomicBool>) -> Result<LoadReport, LoadError> {
    config.validate()?;
    config.io = config.io.resolve()?;
    let addr = config.target.addr;
    std::net::TcpStream::connect_timeout(&addr, config.timeout.min(Duration::from_secs(5)))
        .map_err(|source| LoadError::Unreachable { addr, source })?;

    if let Some(at) = config.start_at {
        wait_until(at, &stop);
    }
    let started_unix_s = clock::unix_us() as f64 / 1e6;
    let config = Arc::new(config);
    let workers = config.workers();
    let shared = Arc::new(Shared::new(&config));
    let (tx, rx) = mpsc::channel();
    let handles = spawn_workers(&config, &shared, &tx)?;
    drop(tx);

    let progress = Progress::new(config.progress, &config, &shared);
    let mut timeline = Timeline::new(workers);
    let mut merged = Recorder::default();
    let mut done = 0;
    let mut cpu_at_start: Option<f64> = None;
    let mut aborted = None;
    while done < workers {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Report::Second(sample)) => timeline.add(sample),
            Ok(Report::Done(outcome)) => {
                merged.merge(&outcome.recorder);
                done += 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        if cpu_at_start.is_none() && now >= shared.measure_from {
            cpu_at_start = Some(process_cpu_seconds());
        }
        if stop.load(Ordering::Relaxed) && !shared.stop.swap(true, Ordering::Relaxed) {
            aborted = Some("interrupted".to_owned());
        }
        if aborted.is_none() && shared.refused.load(Ordering::Relaxed) {
            let last = shared.started
                + Duration::from_micros(shared.last_response_us.load(Ordering::Relaxed));
            if now.duration_since(last) > DEAD_AFTER {
                shared.stop.store(true, Ordering::Relaxed);
                aborted = Some(format!(
                    "the target stopped accepting connections {:.1}s into the run",
                    last.saturating_duration_since(shared.started).as_secs_f64()
                ));
            }
        }
        progress.tick(now);
    }
    for h in handles {
        let _ = h.join();
    }
    progress.clear();
    let ended = Instant::now();
    let cpu = process_cpu_seconds() - cpu_at_start.unwrap_or_else(process_cpu_seconds);

    // Throughput is counted on the measured window itself: the answers that
    // trickle in after it (the drain of a closed model's last requests) are
    // in the latency figures but not in requests per second.
    let wall = ended
        .saturating_duration_since(shared.measure_from)
        .max(Duration::from_micros(1));
    let window = match (config.stop, &aborted) {
        (Stop::Duration(d), None) => Some(d),
        _ => None,
    };
    let mut report = build_report(
        &config,
        merged,
        timeline,
        Window { window, wall },
        cpu,
        workers,
        aborted,
    );
    report.started_unix_s = Some(started_unix_s);
    Ok(report)
}

/// One thread per worker, each with its share of the connections and
/// pinned to its CPU when the generator has some.
fn spawn_workers(
    config: &Arc<LoadConfig>,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<Report>,
) -> Result<Vec<std::thread::JoinHandle<()>>, LoadError> {
    let workers = config.workers();
    let connections = config.model.connections();
    let mut handles = Vec::new();
    for index in 0..workers {
        let spec = WorkerSpec {
            index,
            workers,
            connections: connections / workers + usize::from(index < connections % workers),
            config: config.clone(),
            shared: shared.clone(),
            reports: tx.clone(),
        };
        let pin = config.cpus.as_ref().map(|set| {
            set.cpus()[index % set.len()]
                .to_string()
                .parse::<crate::supervise::CpuSet>()
        });
        let handle = std::thread::Builder::new()
            .name(format!("load-{index}"))
            .spawn(move || {
                if let Some(Ok(cpu)) = pin {
                    let _ = cpu.pin_current();
                }
                if spec.config.io == Io::Uring {
                    uring::run(spec);
                } else {
                    worker::run(spec);
                }
            })
            .map_err(LoadError::Thread)?;
        handles.push(handle);
    }
    Ok(handles)
}

/// The measured window, and the wall time until the last answer.
struct Window {
    /// The fixed window of a duration run that was not cut short.
    window: Option<Duration>,
    /// From the end of warm-up to the last answer or error.
    wall: Duration,
}

fn build_report(
    config: &LoadConfig,
    merged: Recorder,
    timeline: Timeline,
    window: Window,
    cpu: f64,
    workers: usize,
    aborted: Option<String>,
) -> LoadReport {
    let wall = window.wall.as_secs_f64();
    let (secs, counted, counted_2xx) = match window.window {
        Some(d) => (d.as_secs_f64(), merged.in_window, merged.in_window_2xx),
        None => (
            wall,
            merged.completed(),
            merged
                .status
                .iter()
                .filter(|(s, _)| (200..300).contains(*s))
                .map(|(_, n)| n)
                .sum(),
        ),
    };
    let generator = generator(config, cpu, wall, workers);
    let errors = merged.error_count();
    let completed = merged.completed();
    let schedule = schedule(config, &merged, (completed + errors) as f64 / secs);
    let warnings = warnings(&merged, &generator);
    LoadReport {
        schema: report::SCHEMA.to_owned(),
        url: config.target.url.clone(),
        requests_sent: config
            .mix
            .templates
            .iter()
            .map(|t| t.name.clone())
            .collect(),
        model: config.model,
        stop: config.stop,
        warmup_s: config.warmup.as_secs_f64(),
        timeout_s: config.timeout.as_secs_f64(),
        keepalive: config.keepalive,
        threads: workers,
        io: Some(config.io),
        cpus: config.cpus.as_ref().map(ToString::to_string),
        elapsed_s: secs,
        completed,
        errors,
        requests_per_s: counted as f64 / secs,
        goodput_per_s: counted_2xx as f64 / secs,
        drain_s: (wall - secs).max(0.0),
        bytes: merged.bytes,
        bytes_per_s: merged.bytes as f64 / secs,
        latency: report::Latency::from_histogram(&merged.corrected),
        service_time: report::Latency::from_histogram(&merged.uncorrected),
        shard: config.shard,
        started_unix_s: None,
        clock: None,
        shards: Vec::new(),
        histograms: config.shard.map(|_| report::Histograms {
            latency: shard::encode(&merged.corrected),
            service_time: shard::encode(&merged.uncorrected),
        }),
        schedule,
        status: merged
            .status
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        error_kinds: ErrorKind::ALL
            .iter()
            .map(|k| {
                (
                    k.name().to_owned(),
                    merged.errors.get(k).copied().unwrap_or(0),
                )
            })
            .collect(),
        verification: report::Verification {
            checked: merged.checked,
            failed: merged.check_failures,
            examples: merged.check_examples.clone(),
        },
        generator,
        // Seconds past the measured window hold only the drain of in-flight requests.
        timeline: timeline
            .finish()
            .into_iter()
            .filter(|p| match config.stop {
                Stop::Duration(d) => (p.second as f64) < d.as_secs_f64().ceil(),
                Stop::Requests(_) => true,
            })
            .collect(),
        aborted,
        warnings,
    }
}

/// An open model's schedule: the rate asked and achieved, and how late it ran.
fn schedule(
    config: &LoadConfig,
    merged: &Recorder,
    achieved_rate: f64,
) -> Option<report::Schedule> {
    match config.model {
        Model::Open { rate, .. } => Some(report::Schedule {
            rate,
            achieved_rate,
            late: merged.late,
            unsent: merged.unsent,
            slip: report::Latency::from_histogram(&merged.slip),
        }),
        Model::Closed { .. } => None,
    }
}

/// What the generator's CPUs did: threads, pinned CPUs, and the CPU quota
/// it runs under (a pod's limit), whichever is smallest, is its capacity; a
/// throttled generator is saturated.
fn generator(config: &LoadConfig, cpu: f64, wall: f64, workers: usize) -> report::Generator {
    let threads = config
        .cpus
        .as_ref()
        .map_or(workers, |c| c.len().min(workers))
        .max(1) as f64;
    let quota = crate::supervise::cgroup::own_cpu_quota();
    let capacity = quota.map_or(threads, |q| q.min(threads));
    let utilization = (cpu / (wall * capacity)).clamp(0.0, 1.0);
    report::Generator {
        cpu_seconds: cpu,
        capacity_cpus: capacity,
        cpu_quota: quota,
        utilization,
        saturated: utilization >= 0.9,
    }
}

/// What makes the figures doubtful: a saturated generator, requests never
/// sent, wrong answers.
fn warnings(merged: &Recorder, generator: &report::Generator) -> Vec<String> {
    let mut warnings = Vec::new();
    if generator.saturated {
        warnings.push(format!(
            "the load generator used {:.0}% of its {} CPU(s): the server may be faster than this shows",
            generator.utilization * 100.0,
            generator.capacity_cpus
        ));
    }
    if merged.unsent > 0 {
        warnings.push(format!(
            "{} scheduled requests were never sent because every connection was busy; raise -c",
            merged.unsent
        ));
    }
    if merged.check_failures > 0 {
        warnings.push(format!(
            "{} responses failed verification during load",
            merged.check_failures
        ));
    }
    warnings
}

/// A one-line progress display on stderr, only when it is a terminal.
struct Progress<'a> {
    enabled: bool,
    shared: &'a Shared,
    total: Option<Duration>,
    last: std::cell::Cell<Instant>,
}

impl<'a> Progress<'a> {
    fn new(wanted: bool, config: &LoadConfig, shared: &'a Shared) -> Self {
        Self {
            enabled: wanted && std::io::stderr().is_terminal(),
            shared,
            total: match config.stop {
                Stop::Duration(d) => Some(config.warmup + d),
                Stop::Requests(_) => None,
            },
            last: std::cell::Cell::new(Instant::now()),
        }
    }

    fn tick(&self, now: Instant) {
        if !self.enabled || now.duration_since(self.last.get()) < Duration::from_millis(250) {
            return;
        }
        self.last.set(now);
        let elapsed = now.duration_since(self.shared.started);
        let phase = if now < self.shared.measure_from {
            "warm-up"
        } else {
            "measuring"
        };
        let bar = match self.total {
            Some(total) => {
                let frac = (elapsed.as_secs_f64() / total.as_secs_f64()).min(1.0);
                let filled = (frac * 30.0) as usize;
                format!(
                    "[{}{}] {:>3.0}%",
                    "#".repeat(filled),
                    "-".repeat(30 - filled),
                    frac * 100.0
                )
            }
            None => String::new(),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{bar} {:.1}s {phase}: {} responses, {} errors   ",
            elapsed.as_secs_f64(),
            crate::units::thousands(self.shared.completed.load(Ordering::Relaxed)),
            crate::units::thousands(self.shared.errors.load(Ordering::Relaxed)),
        );
        let _ = err.flush();
    }

    fn clear(&self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r{:80}\r", "");
        }
    }
}
