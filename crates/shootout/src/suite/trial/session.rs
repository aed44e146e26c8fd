//! A contender running for one trial of a kind that loads it: started
//! through the [gate](crate::gate) with its upstream as a process of its own
//! on the generator's CPUs, in its database mode when the scenario has one;
//! sampled (the service, the upstream, PostgreSQL) while a driver loads it;
//! then stopped, its cgroup's counters and the audit of acknowledged orders
//! recorded, and a crash reported as such.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::load_run::{Drive, Samplers};
use super::{Record, Setup};
use crate::database::{Database, audit};
use crate::gate::{Prepared, Running};
use crate::load::request::AckLog;
use crate::suite::measure::{SanityCheck, SanityFailure};
use crate::suite::metric::Metric;
use crate::suite::results::Status;
use crate::suite::scenario::Scenario;
use crate::supervise::cgroup::{Cgroup, Usage};
use crate::supervise::sampler::Sampler;

/// Sampling interval of the contender and the upstream.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);

/// A contender up for a trial, and what watches it.
pub(super) struct Session {
    /// The trial's setup, with its log of acknowledged orders when the
    /// scenario uses the database.
    setup: Setup,
    database: Option<Arc<Database>>,
    running: Running,
    url: String,
    service: Sampler,
    upstream: Option<Sampler>,
    database_sampler: Option<Sampler>,
    /// The service cgroup's counters at the start, under limits.
    cgroup_before: Option<(Usage, Instant)>,
}

impl Session {
    /// Empties the database (when the scenario uses it), starts the
    /// contender, its samplers, and reads what its runtime chose.
    pub async fn start(
        scenario: &Scenario,
        prepared: &Prepared,
        setup: &Setup,
        r: &mut Record,
    ) -> anyhow::Result<Self> {
        let mut setup = setup.clone();
        let database = if scenario.database {
            Some(fresh_database(scenario, prepared, &mut setup).await?)
        } else {
            None
        };
        let running = prepared
            .start(
                &setup
                    .launch(scenario)
                    .with_gc_trace(scenario.measures_gc())
                    .with_database(database.as_ref().map(|d| d.url.clone())),
            )
            .await?;
        let on_generator = || Some(setup.generator_cpus.clone());
        let database_sampler = database
            .as_ref()
            .and_then(|d| d.server_pid())
            .map(|pid| Sampler::start(pid, SAMPLE_EVERY, on_generator()));
        let service = Sampler::start(running.service.pid, SAMPLE_EVERY, on_generator());
        let upstream = running
            .upstream
            .process
            .as_ref()
            .map(|p| Sampler::start(p.pid, SAMPLE_EVERY, on_generator()));
        r.runtime_chose = startup_facts(&running.service.tail());
        let cgroup_before = running
            .service
            .cgroup
            .as_ref()
            .map(|c| (c.usage(), Instant::now()));
        Ok(Self {
            url: running.url(),
            setup,
            database,
            running,
            service,
            upstream,
            database_sampler,
            cgroup_before,
        })
    }

    /// What a driver is given to load this service with.
    pub fn drive<'a>(&'a self, scenario: &'a Scenario) -> Drive<'a> {
        Drive {
            scenario,
            base: &self.url,
            samplers: Samplers {
                service: Some(&self.service),
                upstream: self.upstream.as_ref(),
                gc: self.running.gc.as_ref(),
                database: self.database_sampler.as_ref(),
            },
            setup: &self.setup,
        }
    }

    /// Records the cgroup's counters, stops the samplers and the contender,
    /// audits the database, and turns a crash into the trial's error; else
    /// the driver's `outcome`.
    pub async fn stop(
        self,
        outcome: anyhow::Result<()>,
        r: &mut Record,
        status: &mut Status,
    ) -> anyhow::Result<()> {
        if let (Some(cgroup), Some((before, t0))) =
            (&self.running.service.cgroup, &self.cgroup_before)
        {
            record_cgroup(r, cgroup, before, t0.elapsed().as_secs_f64());
        }
        drop(self.service);
        drop(self.upstream);
        drop(self.database_sampler);
        // Stopped before the audit: every transaction it had open is now
        // committed or rolled back.
        let name = self.running.name.clone();
        let stopped = self.running.stop().await;
        if let (Some(db), Some(acks)) = (&self.database, &self.setup.acks) {
            record_audit(r, db, acks).await?;
        }
        if let Some(exit) = stopped.crashed {
            *status = Status::Crashed;
            anyhow::bail!(
                "{name} crashed during the trial ({exit}); last output:\n{}",
                stopped.tail
            );
        }
        outcome
    }
}

/// The run's database, emptied, with a fresh log of acknowledged orders in
/// `setup` for the audit.
async fn fresh_database(
    scenario: &Scenario,
    prepared: &Prepared,
    setup: &mut Setup,
) -> anyhow::Result<Arc<Database>> {
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
    Ok(db)
}

/// The audit of acknowledged orders: lost or altered, and phantoms.
async fn record_audit(r: &mut Record, db: &Database, acks: &AckLog) -> anyhow::Result<()> {
    let found = audit::audit(db.client(), &acks.acknowledged(), acks.unanswered()).await?;
    r.put(Metric::OrdersLost, (found.lost + found.altered) as f64);
    r.put(Metric::OrdersPhantom, found.phantom() as f64);
    if !found.clean() {
        r.sanity.push(SanityFailure {
            check: SanityCheck::LostWrites,
            level: None,
            detail: found.summary(),
        });
    }
    r.audit = Some(found);
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
fn record_cgroup(r: &mut Record, cgroup: &Cgroup, before: &Usage, seconds: f64) {
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
