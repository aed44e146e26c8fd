//! One trial of one (scenario, contender) cell: start a private upstream and
//! the contender on their CPUs, sample both, apply the scenario's load, and
//! turn what was measured into named metrics and sanity warnings.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};

use super::checks;
use super::machine::now_rfc3339;
use super::metrics::{Measured, detail_of, least_squares_slope, load_metrics, ms, rss_drift};
use super::results::{Status, Trial};
use super::scenario::{Count, Kind, LoadSpec, RequestSpec, Scenario};
use crate::contenders::Contender;
use crate::contenders::toolchain::Runtime;
use crate::load::{self, Body, LoadConfig, LoadReport, Mix, Model, Stop, Target, Template};
use crate::ops;
use crate::supervise::launch::launch;
use crate::supervise::sampler::{Sampler, summarize};
use crate::supervise::{CpuSet, Service, free_port};

/// Sampling interval of the contender and the upstream.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Responses checked: one in this many.
const CHECK_EVERY: u64 = 25;

/// Where and how a trial runs.
#[derive(Debug, Clone)]
pub struct Setup {
    pub service_cpus: CpuSet,
    pub generator_cpus: CpuSet,
    pub ready_timeout: Duration,
    /// Where footprint writes OCI layouts.
    pub images_dir: std::path::PathBuf,
}

/// A running upstream simulator process.
struct UpstreamProcess {
    service: Service,
    url: String,
    sampler: Sampler,
}

async fn start_upstream(setup: &Setup) -> anyhow::Result<UpstreamProcess> {
    let port = free_port()?;
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["upstream", "--port", &port.to_string()]);
    let mut service = Service::spawn("upstream", cmd, Some(&setup.generator_cpus))?;
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    service
        .wait_ready(addr, Duration::from_secs(10), Duration::from_millis(5))
        .await?;
    let sampler = Sampler::start(
        service.pid,
        SAMPLE_EVERY,
        Some(setup.generator_cpus.clone()),
    );
    Ok(UpstreamProcess {
        service,
        url: format!("http://{addr}"),
        sampler,
    })
}

fn template(spec: &RequestSpec) -> Template {
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
    }
}

fn config(
    base: &str,
    requests: &[RequestSpec],
    model: Model,
    warmup: Duration,
    duration: Duration,
    setup: &Setup,
) -> anyhow::Result<LoadConfig> {
    Ok(LoadConfig {
        target: Target::parse(base)?,
        mix: Mix {
            templates: requests.iter().map(template).collect(),
        },
        model,
        stop: Stop::Duration(duration),
        warmup,
        timeout: Duration::from_secs(10),
        keepalive: true,
        threads: setup.generator_cpus.len(),
        cpus: Some(setup.generator_cpus.clone()),
        check_every: CHECK_EVERY,
        progress: false,
    })
}

async fn run_load(config: LoadConfig) -> anyhow::Result<LoadReport> {
    let stop = Arc::new(AtomicBool::new(false));
    Ok(tokio::task::spawn_blocking(move || load::run(config, stop)).await??)
}

async fn measured(
    config: LoadConfig,
    upstream: &UpstreamProcess,
    sampler: &Sampler,
) -> anyhow::Result<Measured> {
    let warmup_ms = config.warmup.as_secs_f64() * 1e3;
    let t0 = sampler.now_ms();
    let u0 = upstream.sampler.now_ms();
    let report = run_load(config).await?;
    let t1 = sampler.now_ms();
    let series = sampler.snapshot();
    let from = t0 + warmup_ms;
    Ok(Measured {
        service: summarize(&series, from, t1),
        upstream: summarize(
            &upstream.sampler.snapshot(),
            u0 + warmup_ms,
            upstream.sampler.now_ms(),
        ),
        rss_series: series
            .iter()
            .filter(|s| s.t_ms >= from && s.t_ms <= t1)
            .map(|s| ((s.t_ms - from) / 1e3, s.rss_bytes))
            .collect(),
        report,
    })
}

/// Runs trial `trial` of `scenario` for `contender`.
pub async fn run_trial(
    scenario: &Scenario,
    contender: &Contender,
    runtime: &Runtime,
    setup: &Setup,
    trial: usize,
    position: usize,
) -> Trial {
    let started_at = now_rfc3339();
    let mut t = Trial {
        trial,
        position,
        started_at,
        status: Status::Ok,
        error: None,
        metrics: BTreeMap::new(),
        warnings: Vec::new(),
        detail: Value::Null,
    };
    let result = match &scenario.kind {
        Kind::Coldstart { runs } => coldstart(contender, runtime, setup, *runs, &mut t).await,
        Kind::Footprint { clean_build } => {
            footprint(contender, runtime, setup, *clean_build, &mut t).await
        }
        _ => with_service(scenario, contender, runtime, setup, &mut t).await,
    };
    if let Err(e) = result {
        if t.status == Status::Ok {
            t.status = Status::Failed;
        }
        t.error = Some(format!("{e:#}"));
    }
    t
}

async fn coldstart(
    contender: &Contender,
    runtime: &Runtime,
    setup: &Setup,
    runs: usize,
    t: &mut Trial,
) -> anyhow::Result<()> {
    let (c, rt, cpus, timeout) = (
        contender.clone(),
        runtime.clone(),
        setup.service_cpus.clone(),
        setup.ready_timeout,
    );
    let result = tokio::task::spawn_blocking(move || {
        ops::coldstart::measure(&c, &rt, &cpus, runs, false, timeout, |_| {})
    })
    .await??;
    t.metrics
        .insert("coldstart_health_ms".into(), result.health_ms.median);
    t.metrics
        .insert("coldstart_json_ms".into(), result.json_ms.median);
    t.metrics
        .insert("coldstart_rss_mb".into(), result.rss_bytes.median / 1e6);
    t.detail = serde_json::to_value(&result)?;
    Ok(())
}

async fn footprint(
    contender: &Contender,
    runtime: &Runtime,
    setup: &Setup,
    clean: bool,
    t: &mut Trial,
) -> anyhow::Result<()> {
    let (c, rt, dir) = (
        contender.clone(),
        runtime.clone(),
        setup.images_dir.join(&contender.name),
    );
    let f = tokio::task::spawn_blocking(move || ops::footprint::measure(&c, &rt, &dir, clean))
        .await?
        .map_err(|e| anyhow::anyhow!(e))?;
    let m = &mut t.metrics;
    m.insert("artifact_mb".into(), f.artifact.total_bytes as f64 / 1e6);
    m.insert("image_mb".into(), f.image.compressed_bytes as f64 / 1e6);
    m.insert(
        "image_raw_mb".into(),
        f.image.uncompressed_bytes as f64 / 1e6,
    );
    m.insert(
        "shared_libraries".into(),
        f.artifact.shared_libraries.len() as f64,
    );
    m.insert("app_files".into(), f.artifact.app_files as f64);
    m.insert(
        "runtime_mb".into(),
        f.artifact.runtime_bytes.unwrap_or(0) as f64 / 1e6,
    );
    m.insert("lines_of_code".into(), f.lines_of_code.lines as f64);
    if let Some(d) = &f.dependencies {
        m.insert("deps_direct".into(), d.direct as f64);
        m.insert("deps_transitive".into(), d.transitive as f64);
    }
    if let Some(b) = &f.clean_build {
        m.insert("build_s".into(), b.wall_s);
        m.insert("build_cpu_s".into(), b.cpu_s);
    }
    if let Some(e) = &f.dependencies_error {
        t.warnings.push(format!("dependencies not counted: {e}"));
    }
    t.detail = serde_json::to_value(&f)?;
    Ok(())
}

/// Scenarios that need the contender running: start, measure, stop, and
/// report a crash as such.
async fn with_service(
    scenario: &Scenario,
    contender: &Contender,
    runtime: &Runtime,
    setup: &Setup,
    t: &mut Trial,
) -> anyhow::Result<()> {
    let upstream = start_upstream(setup).await?;
    let port = free_port()?;
    let mut launched = launch(
        contender,
        runtime,
        port,
        &upstream.url,
        &setup.service_cpus,
        setup.ready_timeout,
    )
    .await?;
    let sampler = Sampler::start(
        launched.service.pid,
        SAMPLE_EVERY,
        Some(setup.generator_cpus.clone()),
    );
    let base = format!("http://{}", launched.addr);
    let outcome = drive(scenario, &base, &upstream, &sampler, setup, t).await;
    let crashed = launched.service.try_exit();
    drop(sampler);
    launched.service.stop(Duration::from_secs(5)).await;
    let mut upstream = upstream;
    upstream.service.stop(Duration::from_secs(2)).await;
    if let Some(exit) = crashed {
        t.status = Status::Crashed;
        anyhow::bail!(
            "{} crashed during the trial ({exit}); last output:\n{}",
            contender.name,
            launched.service.tail()
        );
    }
    outcome
}

async fn drive(
    scenario: &Scenario,
    base: &str,
    upstream: &UpstreamProcess,
    sampler: &Sampler,
    setup: &Setup,
    t: &mut Trial,
) -> anyhow::Result<()> {
    let cpus = setup.service_cpus.len();
    let (warmup, duration) = (scenario.warmup, scenario.duration);
    match &scenario.kind {
        Kind::Load {
            requests,
            load: spec @ (LoadSpec::Closed { .. } | LoadSpec::Open { .. }),
        } => {
            let model = match spec {
                LoadSpec::Open { rate, connections } => Model::Open {
                    rate: *rate,
                    connections: connections.resolve(cpus),
                },
                LoadSpec::Closed { connections } => Model::Closed {
                    connections: connections.resolve(cpus),
                },
                _ => unreachable!("matched above"),
            };
            let m = measured(
                config(base, requests, model, warmup, duration, setup)?,
                upstream,
                sampler,
            )
            .await?;
            load_metrics(&m, "", &mut t.metrics, &mut t.warnings, setup);
            t.detail = detail_of(&m);
        }
        Kind::Load {
            requests,
            load:
                LoadSpec::OpenFraction {
                    fraction,
                    connections,
                },
        } => {
            let capacity = probe_capacity(base, requests, *connections, cpus, setup).await?;
            let rate = (capacity * fraction).max(1.0);
            let model = Model::Open {
                rate,
                connections: connections.resolve(cpus),
            };
            let m = measured(
                config(base, requests, model, warmup, duration, setup)?,
                upstream,
                sampler,
            )
            .await?;
            load_metrics(&m, "", &mut t.metrics, &mut t.warnings, setup);
            t.metrics.insert("capacity_requests_per_s".into(), capacity);
            t.metrics.insert("target_rate".into(), rate);
            if let Some(drift) = rss_drift(&m.rss_series) {
                t.metrics.insert("rss_drift_pct".into(), drift);
            }
            let mut detail = detail_of(&m);
            detail["capacity_requests_per_s"] = json!(capacity);
            t.detail = detail;
        }
        Kind::Load {
            requests,
            load: LoadSpec::Sweep { concurrency },
        } => {
            let mut points = Vec::new();
            let mut details = Vec::new();
            let limit = open_files_limit();
            for &c in concurrency {
                // Each in-flight /io request holds an inbound and an upstream socket.
                if limit < (2 * c + 512) as u64 {
                    t.warnings.push(format!(
                        "the open-files limit ({limit}, raised as far as this machine allows) is below the ~{} sockets {c} concurrent upstream-bound requests need: failures at c{c} may be this limit (EMFILE), not the contender",
                        2 * c + 512
                    ));
                }
                let model = Model::Closed { connections: c };
                let m = measured(
                    config(base, requests, model, warmup, duration, setup)?,
                    upstream,
                    sampler,
                )
                .await?;
                let suffix = format!("_c{c}");
                load_metrics(&m, &suffix, &mut t.metrics, &mut t.warnings, setup);
                if let Some(s) = &m.service {
                    points.push((c as f64, s.rss_mean_bytes as f64));
                }
                let mut d = detail_of(&m);
                d["concurrency"] = json!(c);
                details.push(d);
            }
            if let Some(slope) = least_squares_slope(&points) {
                t.metrics
                    .insert("rss_per_inflight_kb".into(), slope / 1024.0);
            }
            t.detail = json!({ "sweep": details, "rss_vs_concurrency": points });
        }
        Kind::HeadOfLine {
            requests,
            connections,
            probe_path,
            probe_rate,
        } => {
            let probe = [RequestSpec {
                method: "GET".into(),
                path: probe_path.clone(),
                weight: 1,
                n: (0, 0),
                body: None,
                check: Some("health".into()).filter(|_| probe_path == "/health"),
                capture_id: false,
            }];
            let probe_model = Model::Open {
                rate: *probe_rate,
                connections: 64,
            };
            let idle = run_load(config(
                base,
                &probe,
                probe_model,
                Duration::from_millis(500),
                duration,
                setup,
            )?)
            .await?;
            let background_model = Model::Closed {
                connections: connections.resolve(cpus),
            };
            let background = config(
                base,
                requests,
                background_model,
                warmup,
                duration + Duration::from_millis(500),
                setup,
            )?;
            let probe_config = config(base, &probe, probe_model, Duration::ZERO, duration, setup)?;
            let bg = tokio::spawn(run_load(background));
            tokio::time::sleep(warmup).await;
            let loaded = run_load(probe_config).await?;
            let bg = bg.await??;
            let m = &mut t.metrics;
            m.insert("probe_p50_idle_ms".into(), ms(idle.latency.p50_us));
            m.insert("probe_p99_idle_ms".into(), ms(idle.latency.p99_us));
            m.insert("probe_p50_loaded_ms".into(), ms(loaded.latency.p50_us));
            m.insert("probe_p99_loaded_ms".into(), ms(loaded.latency.p99_us));
            m.insert("probe_max_loaded_ms".into(), ms(loaded.latency.max_us));
            m.insert(
                "probe_p99_ratio".into(),
                loaded.latency.p99_us as f64 / idle.latency.p99_us.max(1) as f64,
            );
            m.insert("background_requests_per_s".into(), bg.requests_per_s);
            m.insert(
                "errors".into(),
                (idle.errors + loaded.errors + bg.errors) as f64,
            );
            m.insert(
                "verification_failures".into(),
                (idle.verification.failed + loaded.verification.failed + bg.verification.failed)
                    as f64,
            );
            if bg.generator.saturated || loaded.generator.saturated {
                t.warnings
                    .push("load generator saturated during the loaded probe".into());
            }
            t.detail = json!({ "idle": idle, "loaded": loaded, "background": bg });
        }
        Kind::Coldstart { .. } | Kind::Footprint { .. } => {
            unreachable!("handled without a running service")
        }
    }
    Ok(())
}

/// The soft open-files limit contenders inherit from shootout.
fn open_files_limit() -> u64 {
    // SAFETY: getrlimit fills the zeroed struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur
        } else {
            0
        }
    }
}

/// Capacity for open-model scenarios: a short closed-model run.
async fn probe_capacity(
    base: &str,
    requests: &[RequestSpec],
    connections: Count,
    cpus: usize,
    setup: &Setup,
) -> anyhow::Result<f64> {
    let model = Model::Closed {
        connections: connections.resolve(cpus).clamp(1, 64),
    };
    let report = run_load(config(
        base,
        requests,
        model,
        Duration::from_millis(500),
        Duration::from_secs(2),
        setup,
    )?)
    .await?;
    anyhow::ensure!(
        report.completed > 0,
        "the capacity probe completed no request ({} errors)",
        report.errors
    );
    Ok(report.requests_per_s)
}
