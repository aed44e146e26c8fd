//! A load run against a running service, shared by the kinds that apply
//! load (load, soak, sweep, head-of-line): the scenario's requests as the
//! generator's templates, a run at one model with the service's and the
//! upstream's resources over its window, and what the charts keep of it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::Setup;
use super::detail::LoadDetail;
use crate::contract::checks;
use crate::load::{self, Body, LoadConfig, LoadReport, Mix, Model, Stop, Target, Template};
use crate::suite::measure::Measured;
use crate::suite::scenario::{RequestSpec, Scenario};
use crate::supervise::gc::GcLog;
use crate::supervise::sampler::{Sampler, summarize};

/// Responses checked: one in this many.
const CHECK_EVERY: u64 = 25;

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

impl Samplers<'_> {
    /// None: a service running elsewhere.
    pub fn none() -> Self {
        Self {
            service: None,
            upstream: None,
            database: None,
            gc: None,
        }
    }
}

/// One running service being driven: what every load driver is given.
#[derive(Clone, Copy)]
pub(super) struct Drive<'a> {
    pub scenario: &'a Scenario,
    /// The service's base URL.
    pub base: &'a str,
    pub samplers: Samplers<'a>,
    pub setup: &'a Setup,
}

impl<'a> Drive<'a> {
    /// `requests` at `model` for the scenario's duration after its warm-up.
    pub fn run(&self, requests: &'a [RequestSpec], model: Model) -> Run<'a> {
        Run {
            base: self.base,
            requests,
            model,
            warmup: self.scenario.warmup,
            duration: self.scenario.duration,
        }
    }

    /// The CPUs the service was given.
    pub fn service_cpus(&self) -> usize {
        self.setup.service_cpus.len()
    }
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
pub(super) struct Run<'a> {
    pub base: &'a str,
    pub requests: &'a [RequestSpec],
    pub model: Model,
    pub warmup: Duration,
    pub duration: Duration,
}

impl Run<'_> {
    pub fn config(&self, setup: &Setup) -> anyhow::Result<LoadConfig> {
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
            io: crate::load::Io::default(),
        })
    }

    pub async fn go(&self, setup: &Setup) -> anyhow::Result<LoadReport> {
        let config = self.config(setup)?;
        let stop = Arc::new(AtomicBool::new(false));
        Ok(tokio::task::spawn_blocking(move || load::run(config, stop)).await??)
    }

    /// The run with the service's and upstream's resources over its window
    /// (warm-up excluded, and the drain after the window too).
    pub async fn measured(
        &self,
        samplers: Samplers<'_>,
        setup: &Setup,
    ) -> anyhow::Result<Measured> {
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

/// What the charts keep of a measured run (RSS every 200 ms).
pub(super) fn detail_of(m: Measured, capacity: Option<f64>) -> LoadDetail {
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
