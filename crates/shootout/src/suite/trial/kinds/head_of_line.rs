//! `kind = "head-of-line"`: an open-model probe of one cheap path, measured
//! idle and then beside a closed background load; what counts is how much
//! the background slows the probe.

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

pub(super) async fn run(
    d: Drive<'_>,
    requests: &[RequestSpec],
    connections: Count,
    probe: Probe<'_>,
    r: &mut Record,
) -> anyhow::Result<()> {
    let duration = d.scenario.duration;
    let spec = [RequestSpec {
        method: "GET".into(),
        path: probe.path.to_owned(),
        weight: 1,
        n: (0, 0),
        body: None,
        check: Some("health".into()).filter(|_| probe.path == "/health"),
        capture_id: false,
    }];
    let probe_run = |warmup| Run {
        base: d.base,
        requests: &spec,
        model: Model::Open {
            rate: probe.rate,
            connections: 64,
        },
        warmup,
        duration,
    };
    let idle = probe_run(Duration::from_millis(500)).go(d.setup).await?;
    let background = Run {
        duration: duration + Duration::from_millis(500),
        ..d.run(
            requests,
            Model::Closed {
                connections: connections.resolve(d.service_cpus()),
            },
        )
    }
    .config(d.setup)?;
    let stop = Arc::new(AtomicBool::new(false));
    let bg = tokio::task::spawn_blocking(move || load::run(background, stop));
    tokio::time::sleep(d.scenario.warmup).await;
    let loaded = probe_run(Duration::ZERO).go(d.setup).await?;
    let bg = bg.await??;
    record(r, idle, loaded, bg);
    Ok(())
}

/// The probe's latency idle and loaded, the background's throughput, and
/// every failure of the three runs.
fn record(r: &mut Record, idle: LoadReport, loaded: LoadReport, bg: LoadReport) {
    r.put(Metric::ProbeP50IdleMs, ms(idle.latency.p50_us));
    r.put(Metric::ProbeP99IdleMs, ms(idle.latency.p99_us));
    r.put(Metric::ProbeP50LoadedMs, ms(loaded.latency.p50_us));
    r.put(Metric::ProbeP99LoadedMs, ms(loaded.latency.p99_us));
    r.put(Metric::ProbeMaxLoadedMs, ms(loaded.latency.max_us));
    r.put(
        Metric::ProbeP99Ratio,
        loaded.latency.p99_us as f64 / idle.latency.p99_us.max(1) as f64,
    );
    r.put(Metric::BackgroundRequestsPerS, bg.requests_per_s);
    r.put(
        Metric::Errors,
        (idle.errors + loaded.errors + bg.errors) as f64,
    );
    r.put(
        Metric::VerificationFailures,
        (idle.verification.failed + loaded.verification.failed + bg.verification.failed) as f64,
    );
    if bg.generator.saturated || loaded.generator.saturated {
        r.warnings
            .push("load generator saturated during the loaded probe".into());
    }
    r.detail = Some(TrialDetail::HeadOfLine {
        idle: Box::new(idle),
        loaded: Box::new(loaded),
        background: Box::new(bg),
    });
}
