//! One trial of one (scenario, contender) cell: what a trial is given
//! ([`Setup`]), what it measures ([`Subject`]), and the record it fills in,
//! dispatched to its scenario kind's module ([`kinds`]). A contender that is
//! loaded runs in a [`session`]; a remote target is only driven.

pub mod detail;
mod kinds;
mod load_run;
mod session;

pub(crate) use kinds::{max_level, trials};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::machine::now_rfc3339;
use super::measure::{Budget, warning_lines};
use super::metric::{Metric, MetricKey};
use super::results::{Status, Trial};
use super::scenario::Scenario;
use crate::database::{Database, audit};
use crate::gate::{Launch, Prepared, UpstreamPlan};
use crate::load::request::AckLog;
use crate::supervise::CpuSet;
use detail::TrialDetail;
use load_run::{Drive, Samplers};

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
    pub limits: Option<crate::supervise::limits::Limits>,
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

    /// Whether it is measured in `scenario` at all: a contender's variant
    /// only in the scenarios it names.
    pub fn measured_in(&self, scenario: &str) -> bool {
        match self {
            Self::Local(p) => p.contender.measured_in(scenario),
            Self::Remote(_) => true,
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
        } else if kinds::runs_remotely(&scenario.kind) {
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
        Subject::Local(prepared) => {
            kinds::local(scenario, prepared, setup, &mut r, &mut status).await
        }
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

/// A service running elsewhere: driven and checked at the generator, with
/// no process to sample, start or stop (the runner gives it only the
/// scenarios that need none).
async fn remote(
    scenario: &Scenario,
    target: &crate::remote::Target,
    setup: &Setup,
    r: &mut Record,
) -> anyhow::Result<()> {
    let d = Drive {
        scenario,
        base: &target.url,
        samplers: Samplers::none(),
        setup,
    };
    kinds::drive(d, r).await
}
