//! `kind = "head-of-line"`: an open-model probe of one cheap path, measured
//! idle and then beside a closed background load of CPU-heavy requests, at
//! one task length and (with `probe.long_n`) at a second, longer one. What
//! counts is how much the background slows the probe, and whether that
//! delay grows with the task: a blocked event loop makes the probe wait out
//! the whole task, a preemptive scheduler only a time slice.
//!
//! The probe opens its connections before the background starts: it uses
//! them in turn, each connected on first use, so a probe started beside a
//! busy service would time the service's accept of a new connection (Node
//! accepts one a loop turn) instead of a request waiting behind a task.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::super::Record;
use super::super::detail::TrialDetail;
use super::super::load_run::{Drive, Run};
use crate::load::{self, LoadReport, Model};
use crate::suite::measure::ms;
use crate::suite::metric::Metric;
use crate::suite::scenario::{Count, RequestSpec};

/// The probe: `probe_rate` requests a second of `probe_path`.
pub(super) struct Probe<'a> {
    pub path: &'a str,
    pub rate: f64,
}

/// The probe's connections, used in turn.
const PROBE_CONNECTIONS: usize = 64;

impl Probe<'_> {
    /// How long the probe takes to have opened every connection once, with
    /// a margin: its warm-up covers at least this, so no measured probe
    /// waits on a connect.
    fn connect_time(&self) -> Duration {
        Duration::from_secs_f64(PROBE_CONNECTIONS as f64 / self.rate) + Duration::from_millis(50)
    }
}

/// The probe and the background load measured beside it at one task length.
struct Level {
    probe: LoadReport,
    background: LoadReport,
}

pub(super) async fn run(
    d: Drive<'_>,
    requests: &[RequestSpec],
    connections: Count,
    probe: Probe<'_>,
    long_n: Option<(u32, u32)>,
    r: &mut Record,
) -> anyhow::Result<()> {
    let spec = [RequestSpec {
        method: "GET".into(),
        path: probe.path.to_owned(),
        weight: 1,
        n: (0, 0),
        body: None,
        // An I/O probe (mixed-io) is checked as the load checks /io.
        check: match probe.path {
            "/health" => Some("health".into()),
            p if p.starts_with("/io?") => Some("io".into()),
            _ => None,
        },
        capture_id: false,
    }];
    let probe_run = |warmup| Run {
        base: d.base,
        requests: &spec,
        model: Model::Open {
            rate: probe.rate,
            connections: PROBE_CONNECTIONS,
        },
        warmup,
        duration: d.scenario.duration,
    };
    let connect = probe.connect_time();
    let idle_warmup = d
        .scenario
        .warmup
        .min(Duration::from_millis(500))
        .max(connect);
    let idle = probe_run(idle_warmup).go(d.setup).await?;
    let connections = connections.resolve(d.service_cpus());
    // The probe's connections open while the service is idle, then the
    // background warms up; the probe measures from the end of both.
    let loaded = probe_run(connect + d.scenario.warmup);
    let short = level(&d, requests, connections, &loaded, connect).await?;
    let long = match long_n {
        Some(n) => {
            let longer: Vec<RequestSpec> = requests
                .iter()
                .map(|q| RequestSpec { n, ..q.clone() })
                .collect();
            Some(level(&d, &longer, connections, &loaded, connect).await?)
        }
        None => None,
    };
    record(r, idle, short, long);
    Ok(())
}

/// The probe from the start (its warm-up is `connect` plus the scenario's),
/// and the background at `requests` from `connect` on: the probe's measured
/// window starts as the background's warm-up ends, and ends before it stops.
async fn level(
    d: &Drive<'_>,
    requests: &[RequestSpec],
    connections: usize,
    probe: &Run<'_>,
    connect: Duration,
) -> anyhow::Result<Level> {
    let background = Run {
        duration: d.scenario.duration + Duration::from_millis(100),
        ..d.run(requests, Model::Closed { connections })
    }
    .config(d.setup)?;
    let background = async move {
        tokio::time::sleep(connect).await;
        let stop = Arc::new(AtomicBool::new(false));
        anyhow::Ok(tokio::task::spawn_blocking(move || load::run(background, stop)).await??)
    };
    let (probe, background) = tokio::join!(probe.go(d.setup), background);
    Ok(Level {
        probe: probe?,
        background: background?,
    })
}

/// The probe's latency idle and beside each task length, the background's
/// throughput and task latency, and every failure of the runs.
fn record(r: &mut Record, idle: LoadReport, short: Level, long: Option<Level>) {
    let p99 = |l: &LoadReport| l.latency.p99_us as f64;
    r.put(Metric::ProbeP50IdleMs, ms(idle.latency.p50_us));
    r.put(Metric::ProbeP99IdleMs, ms(idle.latency.p99_us));
    r.put(Metric::ProbeP50LoadedMs, ms(short.probe.latency.p50_us));
    r.put(Metric::ProbeP99LoadedMs, ms(short.probe.latency.p99_us));
    r.put(Metric::ProbeMaxLoadedMs, ms(short.probe.latency.max_us));
    r.put(
        Metric::ProbeP99Ratio,
        p99(&short.probe) / idle.latency.p99_us.max(1) as f64,
    );
    r.put(
        Metric::BackgroundRequestsPerS,
        short.background.requests_per_s,
    );
    r.put(Metric::TaskMs, ms(short.background.latency.p50_us));
    if let Some(l) = &long {
        r.put(Metric::ProbeP99LongMs, ms(l.probe.latency.p99_us));
        r.put(Metric::TaskLongMs, ms(l.background.latency.p50_us));
        r.put(
            Metric::ProbeP99Growth,
            p99(&l.probe) / short.probe.latency.p99_us.max(1) as f64,
        );
    }
    let runs = [&idle, &short.probe, &short.background]
        .into_iter()
        .chain(long.iter().flat_map(|l| [&l.probe, &l.background]));
    let (mut errors, mut wrong, mut saturated) = (0, 0, false);
    for run in runs {
        errors += run.errors;
        wrong += run.verification.failed;
        saturated |= run.generator.saturated && !std::ptr::eq(run, &idle);
    }
    r.put(Metric::Errors, errors as f64);
    r.put(Metric::VerificationFailures, wrong as f64);
    if saturated {
        r.warnings
            .push("load generator saturated during the loaded probe".into());
    }
    let (long, long_background) = match long {
        Some(l) => (Some(Box::new(l.probe)), Some(Box::new(l.background))),
        None => (None, None),
    };
    r.detail = Some(TrialDetail::HeadOfLine {
        idle: Box::new(idle),
        loaded: Box::new(short.probe),
        background: Box::new(short.background),
        long,
        long_background,
    });
}
