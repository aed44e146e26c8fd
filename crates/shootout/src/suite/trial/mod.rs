//! One trial of one (scenario, contender) cell: start the contender through
//! the [gate](crate::gate) with its upstream as a separate process on the
//! generator's CPUs, sample both, drive the scenario's load ([`drive`]), and
//! report a crash as such. Cold start and footprint need no running service.

pub mod detail;
mod drive;

pub(crate) use drive::max_level;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::machine::now_rfc3339;
use super::measure::{Budget, warning_lines};
use super::metric::{Metric, MetricKey};
use super::results::{Status, Trial};
use super::scenario::{Kind, Scenario};
use crate::database::{Database, audit};
use crate::gate::{Launch, Prepared, UpstreamPlan};
use crate::load::request::AckLog;
use crate::ops;
use crate::supervise::CpuSet;
use crate::supervise::sampler::Sampler;
use detail::TrialDetail;

/// Sampling interval of the contender and the upstream.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// Where and how a trial runs.
#[derive(Debug, Clone)]
pub struct Setup {
    pub service_cpus: CpuSet,
    pub generator_cpus: CpuSet,
    pub ready_timeout: Duration,
    /// Where footprint writes OCI layouts.
    pub images_dir: std::path::PathBuf,
    /// The run's PostgreSQL, when a scenario needs one.
    pub database: Option<Arc<Database>>,
    /// A trial's log of acknowledged creations (set by the trial itself).
    pub acks: Option<Arc<AckLog>>,
    /// Cgroup limits instead of pinning (`--limits`).
    pub limits: Option<crate::limits::Limits>,
}

impl Setup {
    /// How a trial of `scenario` starts its service: on the service CPUs, or
    /// under the scenario's (else the run's) cgroup limits; its upstream as
    /// a process of its own on the generator's CPUs.
    fn launch(&self, scenario: &Scenario) -> Launch {
        Launch::new(self.service_cpus.clone(), self.ready_timeout)
            .with_upstream(UpstreamPlan::Process {
                cpus: self.generator_cpus.clone(),
            })
            .with_limits(scenario.limits.or(self.limits))
    }

    fn budget(&self) -> Budget {
        Budget {
            service_cpus: self.service_cpus.len(),
            generator_cpus: self.generator_cpus.len(),
        }
    }
}

/// What a cell measures: a contender shootout starts, or a service that
/// runs elsewhere.
#[derive(Debug, Clone)]
pub enum Subject {
    Local(Box<Prepared>),
    Remote(crate::remote::Target),
}

impl Subject {
    pub fn name(&self) -> &str {
        match self {
            Self::Local(p) => &p.contender.name,
            Self::Remote(t) => &t.name,
        }
    }

    /// Whether this subject can take part in `scenario`, and why not.
    pub fn can_run(&self, scenario: &Scenario) -> Result<(), String> {
        let Self::Remote(t) = self else {
            return Ok(());
        };
        let why = if scenario.database {
            Some("it needs the database shootout starts")
        } else if scenario.limits.is_some() {
            Some("it sets the service's cgroup limits")
        } else if matches!(scenario.kind, Kind::Load { .. } | Kind::HeadOfLine { .. }) {
            None
        } else {
            Some("it starts or stops the service")
        };
        match why {
            Some(why) => Err(format!(
                "{}: {} is a remote target, not measured: {why}",
                scenario.name, t.name
            )),
            None => Ok(()),
        }
    }
}

/// A trial being filled in.
pub(crate) struct Record {
    pub metrics: BTreeMap<MetricKey, f64>,
    pub sanity: Vec<super::measure::SanityFailure>,
    pub warnings: Vec<String>,
    pub detail: Option<TrialDetail>,
    pub audit: Option<audit::Audit>,
    pub runtime_chose: BTreeMap<String, String>,
}

impl Record {
    pub fn put(&mut self, metric: Metric, value: f64) {
        self.metrics.insert(MetricKey::of(metric), value);
    }
}

/// Runs trial `trial` of `scenario` for a prepared contender or a target.
pub async fn run_trial(
    scenario: &Scenario,
    subject: &Subject,
    setup: &Setup,
    trial: usize,
    position: usize,
) -> Trial {
    let started_at = now_rfc3339();
    let mut r = Record {
        metrics: BTreeMap::new(),
        sanity: Vec::new(),
        warnings: Vec::new(),
        detail: None,
        audit: None,
        runtime_chose: BTreeMap::new(),
    };
    let mut status = Status::Ok;
    let result = match subject {
        Subject::Local(prepared) => local(scenario, prepared, setup, &mut r, &mut status).await,
        Subject::Remote(target) => remote(scenario, target, setup, &mut r).await,
    };
    let mut warnings = warning_lines(&r.sanity);
    warnings.append(&mut r.warnings);
    let error = match result {
        Ok(()) => None,
        Err(e) => {
            if status == Status::Ok {
                status = Status::Failed;
            }
            Some(format!("{e:#}"))
        }
    };
    Trial {
        trial,
        position,
        started_at,
        status,
        error,
        metrics: r.metrics,
        warnings,
        sanity: r.sanity,
        detail: r.detail,
        audit: r.audit,
        runtime_chose: r.runtime_chose,
    }
}

/// A contender shootout starts itself.
async fn local(
    scenario: &Scenario,
    prepared: &Prepared,
    setup: &Setup,
    r: &mut Record,
    status: &mut Status,
) -> anyhow::Result<()> {
    match &scenario.kind {
        Kind::Coldstart { runs } => coldstart(prepared, setup, *runs, r).await,
        Kind::Footprint { clean_build } => footprint(prepared, setup, *clean_build, r).await,
        Kind::Torture { overload } => torture(prepared, setup, *overload, r).await,
        Kind::Drain {
            path,
            connections,
            grace_s,
        } => {
            let how = setup.launch(scenario);
            let grace = Duration::from_secs_f64(*grace_s);
            drain(prepared, &how, (path, *connections, grace), r).await
        }
        _ => with_service(scenario, prepared, setup, r, status).await,
    }
}

/// A service running elsewhere: driven and checked at the generator, with
/// no process to sample, start or stop (the runner gives it only the
/// scenarios that need none).
async fn remote(
    scenario: &Scenario,
    target: &crate::remote::Target,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    let samplers = drive::Samplers {
        service: None,
        upstream: None,
        gc: None,
        database: None,
    };
    drive::drive(scenario, &target.url, samplers, setup, r).await
}

/// Cold starts are measured by a fresh `shootout coldstart` process, the
/// same command a user runs: what a spawn costs depends on the process that
/// forks it, and after minutes of load the harness is not the small process
/// the standalone command is, so measuring from here would not agree with it.
async fn coldstart(
    prepared: &Prepared,
    setup: &Setup,
    runs: usize,
    r: &mut Record,
) -> anyhow::Result<()> {
    let contender = &prepared.contender;
    let dir = contender
        .dir
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no parent folder", contender.dir.display()))?;
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("coldstart")
        .arg(&contender.name)
        .args([
            "--runs",
            &runs.to_string(),
            "--json",
            "--no-build",
            "--service-cpus",
        ])
        .arg(setup.service_cpus.to_string())
        .arg("--ready-timeout")
        .arg(format!("{}ms", setup.ready_timeout.as_millis()))
        .arg("--contenders-dir")
        .arg(dir)
        .stdin(std::process::Stdio::null());
    crate::sys::isolate_on_spawn(&mut cmd, None);
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(12).collect();
        anyhow::bail!(
            "shootout coldstart {} failed ({}):\n{}",
            contender.name,
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let mut measured: Vec<ops::coldstart::Coldstart> = serde_json::from_slice(&out.stdout)?;
    let mut result = measured
        .pop()
        .ok_or_else(|| anyhow::anyhow!("shootout coldstart printed no result"))?;
    result.measured_in = ops::coldstart::MeasuredIn::FreshProcess;
    r.put(Metric::ColdstartHealthMs, result.health_ms.median);
    r.put(Metric::ColdstartJsonMs, result.json_ms.median);
    r.put(Metric::ColdstartRssMb, result.rss_bytes.median / 1e6);
    r.detail = Some(TrialDetail::Coldstart(Box::new(result)));
    Ok(())
}

async fn footprint(
    prepared: &Prepared,
    setup: &Setup,
    clean: bool,
    r: &mut Record,
) -> anyhow::Result<()> {
    let (p, dir) = (
        prepared.clone(),
        setup.images_dir.join(&prepared.contender.name),
    );
    let f = tokio::task::spawn_blocking(move || {
        ops::footprint::measure(&p.contender, &p.runtime, &dir, clean)
    })
    .await??;
    r.put(Metric::ArtifactMb, f.artifact.total_bytes as f64 / 1e6);
    r.put(Metric::ImageMb, f.image.compressed_bytes as f64 / 1e6);
    r.put(Metric::ImageRawMb, f.image.uncompressed_bytes as f64 / 1e6);
    r.put(
        Metric::SharedLibraries,
        f.artifact.shared_libraries.len() as f64,
    );
    r.put(Metric::AppFiles, f.artifact.app_files as f64);
    r.put(
        Metric::RuntimeMb,
        f.artifact.runtime_bytes.unwrap_or(0) as f64 / 1e6,
    );
    r.put(Metric::LinesOfCode, f.lines_of_code.lines as f64);
    if let Some(pct) = f.lines_of_code.error_handling_pct() {
        r.put(Metric::ErrorHandlingPct, pct);
    }
    if let Some(needs) = f.needs_runtime {
        r.put(Metric::NeedsRuntime, f64::from(u8::from(needs)));
    }
    match (&f.image_start, &f.image_start_error) {
        (Some(s), _) => {
            r.put(Metric::ImageStarts, f64::from(u8::from(s.answered)));
            if let Some(ms) = s.ready_ms {
                r.put(Metric::ImageReadyMs, ms);
            }
            if let Some(e) = &s.error {
                r.warnings.push(format!("its image did not run: {e}"));
            }
            // One layer: the app layer is the whole image.
            let alone = f.app_layer_start.as_ref().unwrap_or(s);
            r.put(Metric::AppLayerStarts, f64::from(u8::from(alone.answered)));
        }
        (None, Some(e)) => r
            .warnings
            .push(format!("its image could not be started: {e}")),
        (None, None) => {}
    }
    if let Some(d) = &f.dependencies {
        r.put(Metric::DepsDirect, d.direct as f64);
        r.put(Metric::DepsTransitive, d.transitive as f64);
    }
    if let Some(b) = &f.clean_build {
        r.put(Metric::BuildS, b.wall_s);
        r.put(Metric::BuildCpuS, b.cpu_s);
    }
    if let Some(e) = &f.dependencies_error {
        r.warnings.push(format!("dependencies not counted: {e}"));
    }
    r.detail = Some(TrialDetail::Footprint(Box::new(f)));
    Ok(())
}

/// The `key=value` facts of a service's start-up line ("listening on …
/// (GOMAXPROCS=2, heap_limit_mb=2096)").
fn startup_facts(output: &str) -> BTreeMap<String, String> {
    output
        .lines()
        .filter(|l| l.contains("listening"))
        .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')'))
        .filter_map(|token| {
            let (k, v) = token.split_once('=')?;
            let key_ok = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (key_ok && !v.is_empty()).then(|| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// What the service's cgroup counted over the trial (under `--limits`).
fn record_cgroup(
    r: &mut Record,
    cgroup: &crate::cgroup::Cgroup,
    before: &crate::cgroup::Usage,
    seconds: f64,
) {
    let u = cgroup.usage().since(before);
    if u.periods > 0 {
        r.put(
            Metric::CpuThrottledPct,
            100.0 * u.throttled_periods as f64 / u.periods as f64,
        );
    }
    if seconds > 0.0 && cgroup.limits.cpu.is_some() {
        r.put(Metric::ThrottledMsPerS, 1000.0 * u.throttled_s / seconds);
    }
    r.put(Metric::CgroupMemoryPeakMb, u.memory_peak_bytes as f64 / 1e6);
    if let Some(limit) = cgroup.limits.memory_bytes {
        r.put(
            Metric::MemoryLimitUsedPct,
            100.0 * u.memory_peak_bytes as f64 / limit as f64,
        );
    }
    r.put(Metric::OomKills, u.oom_kills as f64);
}

/// SIGTERM with requests in flight; what happened is the trial's detail.
/// `(path, connections, grace)`: what the clients send, how many, and how
/// long the service has after SIGTERM.
async fn drain(
    prepared: &Prepared,
    how: &Launch,
    (path, connections, grace): (&str, usize, Duration),
    r: &mut Record,
) -> anyhow::Result<()> {
    let mut running = prepared.start(how).await?;
    let measured = crate::ops::drain::drain(&mut running, path, connections, grace).await;
    running.stop().await;
    let d = measured?;
    r.put(Metric::DrainS, d.drain_s);
    r.put(Metric::DrainLost, d.lost as f64);
    r.put(Metric::DrainKilled, f64::from(u8::from(d.killed)));
    if d.killed {
        r.warnings.push(format!(
            "still running {} s after SIGTERM: SIGKILLed",
            d.grace_s
        ));
    }
    if d.lost > 0 {
        r.warnings.push(format!(
            "{} of {} requests in flight at SIGTERM never got their 2xx",
            d.lost, d.in_flight
        ));
    }
    r.detail = Some(TrialDetail::Drain(Box::new(d)));
    Ok(())
}

/// The hostile-input battery; the scorecard is the trial's detail.
async fn torture(
    prepared: &Prepared,
    setup: &Setup,
    overload: bool,
    r: &mut Record,
) -> anyhow::Result<()> {
    let how = Launch::new(setup.service_cpus.clone(), setup.ready_timeout);
    let generator = overload.then_some(&setup.generator_cpus);
    // In its database mode when it has one (the runner leaves the database
    // out for a contender whose database mode failed verification).
    let database = setup
        .database
        .as_deref()
        .filter(|_| prepared.contender.database.is_some());
    let card = crate::torture::battery(prepared, &how, generator, database).await?;
    r.put(Metric::TortureFailed, card.failed as f64);
    r.put(
        Metric::TortureRuntimeErrors,
        (card.server_errors + card.crashes) as f64,
    );
    r.put(Metric::TortureCrashes, card.crashes as f64);
    r.put(Metric::TortureHangs, card.hangs as f64);
    r.put(Metric::TortureOrdersLost, card.orders_lost as f64);
    if let Some(n) = card.orders_invented {
        r.put(Metric::TortureOrdersInvented, n as f64);
    }
    if let Some(o) = &card.overload {
        r.put(Metric::OverloadTimeouts, o.timeouts as f64);
        r.put(Metric::OverloadShed, o.shed as f64);
        if let Some(s) = o.recovery_s {
            r.put(Metric::OverloadRecoveryS, s as f64);
        }
    }
    for f in card.cases.iter().filter(|c| !c.passed) {
        r.warnings.push(format!(
            "torture: [{}] {}: {}",
            f.group,
            f.case,
            f.failure.as_deref().unwrap_or("")
        ));
    }
    r.detail = Some(TrialDetail::Torture(Box::new(card)));
    Ok(())
}

/// Scenarios that need the contender running: start it through the gate,
/// measure, stop, and report a crash as such.
async fn with_service(
    scenario: &Scenario,
    prepared: &Prepared,
    setup: &Setup,
    r: &mut Record,
    status: &mut Status,
) -> anyhow::Result<()> {
    let mut setup = setup.clone();
    let database = if scenario.database {
        let db = setup.database.clone().ok_or_else(|| {
            anyhow::anyhow!(
                "scenario {} needs a database and none was started",
                scenario.name
            )
        })?;
        anyhow::ensure!(
            prepared.contender.database.is_some(),
            "{} has no database mode (its contender.toml has no [database])",
            prepared.contender.name
        );
        db.reset().await?;
        setup.acks = Some(Arc::new(AckLog::default()));
        Some(db)
    } else {
        None
    };
    let setup = &setup;
    let running = prepared
        .start(
            &setup
                .launch(scenario)
                .with_gc_trace(scenario.measures_gc())
                .with_database(database.as_ref().map(|d| d.url.clone())),
        )
        .await?;
    let database_sampler = database
        .as_ref()
        .and_then(|d| d.server_pid())
        .map(|pid| Sampler::start(pid, SAMPLE_EVERY, Some(setup.generator_cpus.clone())));
    let sampler = Sampler::start(
        running.service.pid,
        SAMPLE_EVERY,
        Some(setup.generator_cpus.clone()),
    );
    let upstream_sampler = running
        .upstream
        .process
        .as_ref()
        .map(|p| Sampler::start(p.pid, SAMPLE_EVERY, Some(setup.generator_cpus.clone())));
    let samplers = drive::Samplers {
        service: Some(&sampler),
        upstream: upstream_sampler.as_ref(),
        gc: running.gc.as_ref(),
        database: database_sampler.as_ref(),
    };
    r.runtime_chose = startup_facts(&running.service.tail());
    let cgroup_before = running
        .service
        .cgroup
        .as_ref()
        .map(|c| (c.usage(), Instant::now()));
    let outcome = drive::drive(scenario, &running.url(), samplers, setup, r).await;
    if let (Some(cgroup), Some((before, t0))) = (&running.service.cgroup, cgroup_before) {
        record_cgroup(r, cgroup, &before, t0.elapsed().as_secs_f64());
    }
    drop(sampler);
    drop(upstream_sampler);
    drop(database_sampler);
    // Stopped before the audit: every transaction it had open is now
    // committed or rolled back.
    let stopped = running.stop().await;
    if let (Some(db), Some(acks)) = (&database, &setup.acks) {
        let found = audit::audit(db.client(), &acks.acknowledged(), acks.unanswered()).await?;
        r.put(Metric::OrdersLost, (found.lost + found.altered) as f64);
        r.put(Metric::OrdersPhantom, found.phantom() as f64);
        if !found.clean() {
            r.sanity.push(super::measure::SanityFailure {
                check: super::measure::SanityCheck::LostWrites,
                level: None,
                detail: found.summary(),
            });
        }
        r.audit = Some(found);
    }
    if let Some(exit) = stopped.crashed {
        *status = Status::Crashed;
        anyhow::bail!(
            "{} crashed during the trial ({exit}); last output:\n{}",
            prepared.contender.name,
            stopped.tail
        );
    }
    outcome
}

#[cfg(test)]
mod startup_tests {
    use super::startup_facts;

    #[test]
    fn the_runtimes_choices_are_read_from_its_start_up_line() {
        let out = "warming up\n\
                   go-nethttp listening on http://127.0.0.1:4000 (GOMAXPROCS=2)\n\
                   node-fastify listening on http://127.0.0.1:1 (node v24.1.0, one process, heap_limit_mb=2096, parallelism=2)";
        let facts = startup_facts(out);
        assert_eq!(facts["GOMAXPROCS"], "2");
        assert_eq!(facts["heap_limit_mb"], "2096");
        assert_eq!(facts["parallelism"], "2");
        assert_eq!(facts.len(), 3, "{facts:?}");
        assert!(startup_facts("no such line (x=1)").is_empty());
    }
}
