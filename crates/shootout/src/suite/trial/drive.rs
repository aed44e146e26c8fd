//! The load each scenario kind applies to a running contender, and the
//! metrics each produces: a fixed model (closed or open), an open model at a
//! fraction of measured capacity (the soak), a concurrency sweep, and the
//! head-of-line probe.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::detail::{LoadDetail, SweepPoint, TrialDetail};
use super::{Record, Setup};
use crate::contract::checks;
use crate::load::{self, Body, LoadConfig, LoadReport, Mix, Model, Stop, Target, Template};
use crate::suite::measure::{Measured, failed_answers, load_metrics, ms, rss_drift};
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::scenario::{Count, Kind, LoadSpec, RequestSpec, Scenario};
use crate::supervise::gc::GcLog;
use crate::supervise::sampler::{Sampler, summarize};

/// Responses checked: one in this many.
const CHECK_EVERY: u64 = 25;
/// Sockets shootout and a contender need besides the sweep's connections.
const SPARE_FILES: u64 = 512;

/// The samplers watching the contender and its upstream.
#[derive(Clone, Copy)]
pub(super) struct Samplers<'a> {
    /// The service's process; none for a remote target.
    pub service: Option<&'a Sampler>,
    pub upstream: Option<&'a Sampler>,
    /// PostgreSQL, when the scenario uses the database.
    pub database: Option<&'a Sampler>,
    /// The contender's GC pauses, when its trace is on.
    pub gc: Option<&'a GcLog>,
}

fn template(spec: &RequestSpec, setup: &Setup) -> Template {
    let mut headers = Vec::new();
    let body = match spec.body.as_deref().and_then(checks::body_by_name) {
        Some(f) => {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            Body::Generated(f)
        }
        None => Body::None,
    };
    Template {
        name: format!("{} {}", spec.method, spec.path),
        weight: spec.weight,
        method: spec.method.clone(),
        path: spec.path.clone(),
        headers,
        body,
        n_range: spec.n,
        check: spec.check.as_deref().and_then(checks::by_name),
        capture_id: spec.capture_id,
        // Creations are logged for the audit when the trial keeps one.
        acks: setup
            .acks
            .clone()
            .filter(|_| spec.capture_id && spec.method == "POST"),
    }
}

/// A load run: `requests` at `model` for `duration` after `warmup`.
struct Run<'a> {
    base: &'a str,
    requests: &'a [RequestSpec],
    model: Model,
    warmup: Duration,
    duration: Duration,
}

impl Run<'_> {
    fn config(&self, setup: &Setup) -> anyhow::Result<LoadConfig> {
        Ok(LoadConfig {
            target: Target::parse(self.base)?,
            mix: Mix {
                templates: self.requests.iter().map(|r| template(r, setup)).collect(),
            },
            model: self.model,
            stop: Stop::Duration(self.duration),
            warmup: self.warmup,
            timeout: Duration::from_secs(10),
            keepalive: true,
            threads: setup.generator_cpus.len(),
            cpus: Some(setup.generator_cpus.clone()),
            check_every: CHECK_EVERY,
            progress: false,
            shard: None,
            start_at: None,
        })
    }

    async fn go(&self, setup: &Setup) -> anyhow::Result<LoadReport> {
        let config = self.config(setup)?;
        let stop = Arc::new(AtomicBool::new(false));
        Ok(tokio::task::spawn_blocking(move || load::run(config, stop)).await??)
    }

    /// The run with the service's and upstream's resources over its window
    /// (warm-up excluded, and the drain after the window too).
    async fn measured(&self, samplers: Samplers<'_>, setup: &Setup) -> anyhow::Result<Measured> {
        let skip = self.warmup.as_secs_f64() * 1e3;
        let length = self.duration.as_secs_f64() * 1e3;
        let t0 = samplers.service.map(Sampler::now_ms);
        let u0 = samplers.upstream.map(Sampler::now_ms);
        let d0 = samplers.database.map(Sampler::now_ms);
        let report = self.go(setup).await?;
        let from = t0.unwrap_or(0.0) + skip;
        let to = from + length;
        let series = samplers.service.map(Sampler::snapshot).unwrap_or_default();
        let upstream = match (samplers.upstream, u0) {
            (Some(u), Some(u0)) => summarize(&u.snapshot(), u0 + skip, u0 + skip + length),
            _ => None,
        };
        let database = match (samplers.database, d0) {
            (Some(d), Some(d0)) => summarize(&d.snapshot(), d0 + skip, d0 + skip + length),
            _ => None,
        };
        Ok(Measured {
            service: summarize(&series, from, to),
            upstream,
            database,
            rss_series: series
                .iter()
                .filter(|s| s.t_ms >= from && s.t_ms <= to)
                .map(|s| ((s.t_ms - from) / 1e3, s.rss_bytes))
                .collect(),
            report,
        })
    }
}

fn detail_of(m: Measured, capacity: Option<f64>) -> LoadDetail {
    LoadDetail {
        rss: m
            .rss_series
            .iter()
            .step_by(4)
            .map(|(t, b)| ((t * 10.0).round() / 10.0, *b))
            .collect(),
        load: m.report,
        service: m.service,
        upstream: m.upstream,
        database: m.database,
        capacity_requests_per_s: capacity,
    }
}

/// Applies `scenario`'s load to the contender at `base` and fills `r`.
pub(super) async fn drive(
    scenario: &Scenario,
    base: &str,
    samplers: Samplers<'_>,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    let cpus = setup.service_cpus.len();
    let run = |requests, model| Run {
        base,
        requests,
        model,
        warmup: scenario.warmup,
        duration: scenario.duration,
    };
    match &scenario.kind {
        Kind::Load { requests, load } => match load {
            LoadSpec::Closed { connections } => {
                let model = Model::Closed {
                    connections: connections.resolve(cpus),
                };
                fixed(run(requests, model), samplers, setup, r).await
            }
            LoadSpec::Open { rate, connections } => {
                let model = Model::Open {
                    rate: *rate,
                    connections: connections.resolve(cpus),
                };
                fixed(run(requests, model), samplers, setup, r).await
            }
            LoadSpec::OpenFraction {
                fraction,
                connections,
            } => {
                let capacity = probe_capacity(base, requests, *connections, cpus, setup).await?;
                let rate = (capacity * fraction).max(1.0);
                let model = Model::Open {
                    rate,
                    connections: connections.resolve(cpus),
                };
                let started = Instant::now();
                let m = run(requests, model).measured(samplers, setup).await?;
                load_metrics(&m, None, &mut r.metrics, &mut r.sanity, setup.budget());
                if let Some(gc) = samplers.gc {
                    let from = started + scenario.warmup;
                    gc_metrics(
                        &gc.between(from, from + scenario.duration),
                        scenario.duration,
                        r,
                    );
                }
                r.put(Metric::CapacityRequestsPerS, capacity);
                r.put(Metric::TargetRate, rate);
                if let Some(drift) = rss_drift(&m.rss_series) {
                    r.put(Metric::RssDriftPct, drift);
                    r.put(Metric::RssDriftAbsPct, drift.abs());
                }
                r.detail = Some(TrialDetail::Load(Box::new(detail_of(m, Some(capacity)))));
                Ok(())
            }
            LoadSpec::Sweep { concurrency } => {
                sweep(scenario, base, requests, concurrency, samplers, setup, r).await
            }
        },
        Kind::HeadOfLine {
            requests,
            connections,
            probe_path,
            probe_rate,
        } => {
            head_of_line(
                scenario,
                base,
                requests,
                *connections,
                probe_path,
                *probe_rate,
                setup,
                r,
            )
            .await
        }
        Kind::Coldstart { .. }
        | Kind::Footprint { .. }
        | Kind::Torture { .. }
        | Kind::Drain { .. } => {
            anyhow::bail!("{} needs no running service", scenario.kind_name())
        }
    }
}

async fn fixed(
    run: Run<'_>,
    samplers: Samplers<'_>,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    let m = run.measured(samplers, setup).await?;
    load_metrics(&m, None, &mut r.metrics, &mut r.sanity, setup.budget());
    r.detail = Some(TrialDetail::Load(Box::new(detail_of(m, None))));
    Ok(())
}

/// GC pause figures of one window, from the runtime's own trace.
fn gc_metrics(pauses: &[f64], window: Duration, r: &mut Record) {
    let secs = window.as_secs_f64();
    r.put(Metric::GcPausesPerS, pauses.len() as f64 / secs);
    r.put(Metric::GcPauseMsPerS, pauses.iter().sum::<f64>() / secs);
    if !pauses.is_empty() {
        let mut sorted = pauses.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = ((0.99 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        r.put(Metric::GcPauseP99Ms, sorted[rank - 1]);
    }
}

/// The highest concurrency this machine's open-files limit allows for
/// upstream-bound requests: each holds an inbound and an upstream socket,
/// and a quarter more is left for what runtimes hold besides (idle pool
/// connections dialled while others are returned, epoll and timer fds). At
/// 9,744 of a 20,000 limit go-nethttp still answered 88% of requests with
/// 502 (EMFILE); rounded down to a hundred.
pub(crate) fn max_level(open_files: u64) -> usize {
    let level = open_files.saturating_sub(SPARE_FILES) * 3 / 8;
    (level / 100 * 100) as usize
}

async fn sweep(
    scenario: &Scenario,
    base: &str,
    requests: &[RequestSpec],
    levels: &[usize],
    samplers: Samplers<'_>,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    // The contender is idle and ready: its RSS now is the baseline.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let idle = samplers
        .service
        .and_then(|s| s.snapshot().last().map(|s| s.rss_bytes));
    let mut points = Vec::new();
    let mut rss_points = Vec::new();
    let mut per_request = None;
    let limit = crate::sys::open_files_limit();
    for &c in levels {
        let level = c as u32;
        let model = Model::Closed { connections: c };
        let run = Run {
            base,
            requests,
            model,
            warmup: scenario.warmup,
            duration: scenario.duration,
        };
        let m = run.measured(samplers, setup).await?;
        load_metrics(
            &m,
            Some(level),
            &mut r.metrics,
            &mut r.sanity,
            setup.budget(),
        );
        let clean = failed_answers(&r.metrics, |l| l == Some(level)).is_none();
        let in_flight = r
            .metrics
            .get(&MetricKey::at(Metric::InFlight, level))
            .copied()
            .unwrap_or(0.0);
        if let (Some(s), Some(idle), true) = (&m.service, idle, clean) {
            if in_flight >= 1.0 {
                let kib = (s.rss_mean_bytes as f64 - idle as f64) / in_flight / 1024.0;
                r.metrics
                    .insert(MetricKey::at(Metric::RssPerInflightKib, level), kib);
                rss_points.push((in_flight, s.rss_mean_bytes as f64));
                per_request = Some(kib);
            }
        }
        if !clean && limit < (2 * c as u64 + SPARE_FILES) {
            r.warnings.push(format!(
                "c{c}: the open-files limit ({limit}) is below the ~{} sockets {c} upstream-bound requests need: its failures may be this limit (EMFILE), not the contender",
                2 * c as u64 + SPARE_FILES
            ));
        }
        points.push(SweepPoint {
            concurrency: c,
            measured: detail_of(m, None),
        });
    }
    if let Some(kib) = per_request {
        r.put(Metric::RssPerInflightKib, kib);
    }
    r.detail = Some(TrialDetail::Sweep {
        sweep: points,
        rss_vs_concurrency: rss_points,
        idle_rss_bytes: idle,
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn head_of_line(
    scenario: &Scenario,
    base: &str,
    requests: &[RequestSpec],
    connections: Count,
    probe_path: &str,
    probe_rate: f64,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    let cpus = setup.service_cpus.len();
    let duration = scenario.duration;
    let probe = [RequestSpec {
        method: "GET".into(),
        path: probe_path.to_owned(),
        weight: 1,
        n: (0, 0),
        body: None,
        check: Some("health".into()).filter(|_| probe_path == "/health"),
        capture_id: false,
    }];
    let probe_model = Model::Open {
        rate: probe_rate,
        connections: 64,
    };
    let probe_run = |warmup| Run {
        base,
        requests: &probe,
        model: probe_model,
        warmup,
        duration,
    };
    let idle = probe_run(Duration::from_millis(500)).go(setup).await?;
    let background = Run {
        base,
        requests,
        model: Model::Closed {
            connections: connections.resolve(cpus),
        },
        warmup: scenario.warmup,
        duration: duration + Duration::from_millis(500),
    }
    .config(setup)?;
    let stop = Arc::new(AtomicBool::new(false));
    let bg = tokio::task::spawn_blocking(move || load::run(background, stop));
    tokio::time::sleep(scenario.warmup).await;
    let loaded = probe_run(Duration::ZERO).go(setup).await?;
    let bg = bg.await??;
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
    Ok(())
}

/// Capacity for open-model scenarios: a short closed-model run.
async fn probe_capacity(
    base: &str,
    requests: &[RequestSpec],
    connections: Count,
    cpus: usize,
    setup: &Setup,
) -> anyhow::Result<f64> {
    let report = Run {
        base,
        requests,
        model: Model::Closed {
            connections: connections.resolve(cpus).clamp(1, 64),
        },
        warmup: Duration::from_millis(500),
        duration: Duration::from_secs(2),
    }
    .go(setup)
    .await?;
    anyhow::ensure!(
        report.completed > 0,
        "the capacity probe completed no request ({} errors)",
        report.errors
    );
    Ok(report.requests_per_s)
}
