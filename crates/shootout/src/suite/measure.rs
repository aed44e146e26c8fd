//! What a load run becomes: registered metrics, and the sanity checks that
//! decide whether its numbers may be believed (Little's law, a saturated
//! generator or upstream, errors, non-2xx answers, wrong answers).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metric::{Metric, MetricKey};
use crate::load::{LoadReport, Model};
use crate::supervise::sampler::Summary;

/// A load run with the contender's and upstream's resources over its measured window.
#[derive(Debug)]
pub(crate) struct Measured {
    pub report: LoadReport,
    pub service: Option<Summary>,
    pub upstream: Option<Summary>,
    /// PostgreSQL's processes, when the scenario uses the database.
    pub database: Option<Summary>,
    /// (seconds after warm-up, RSS bytes).
    pub rss_series: Vec<(f64, u64)>,
}

/// CPUs each party was given, for utilization figures.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub service_cpus: usize,
    /// Shared by the load generator and the upstream simulator.
    pub generator_cpus: usize,
}

/// A sanity check a trial failed: its numbers at that level are suspect,
/// and a claim that would read them is INCONCLUSIVE, naming the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SanityCheck {
    /// Throughput × mean latency is more than 20% off the connections kept open.
    LittlesLaw,
    /// The load generator used 90% or more of its CPUs.
    GeneratorSaturated,
    /// Generator and upstream together kept their shared CPUs 90% busy.
    SharedCpusSaturated,
    /// Requests got no response.
    RequestErrors,
    /// Responses with a status other than 2xx.
    Non2xx,
    /// Responses checked during load were wrong.
    WrongAnswers,
    /// The audit after the trial found acknowledged orders missing or
    /// altered, or orders nobody was told about.
    LostWrites,
    /// An upstream-bound scenario's service kept its CPUs as busy as the
    /// scenario's `max_service_cpu` or more: the CPU, not the upstream,
    /// may be the limit.
    ServiceCpuBusy,
    /// An open model's service answered, or its generator sent, under 90%
    /// of the rate asked: its latency is a queue's, not the service's.
    RateMissed,
}

impl SanityCheck {
    pub fn name(self) -> &'static str {
        match self {
            SanityCheck::LittlesLaw => "Little's law",
            SanityCheck::GeneratorSaturated => "generator saturated",
            SanityCheck::SharedCpusSaturated => "generator CPUs saturated",
            SanityCheck::RequestErrors => "request errors",
            SanityCheck::Non2xx => "non-2xx answers",
            SanityCheck::WrongAnswers => "wrong answers",
            SanityCheck::LostWrites => "lost or phantom writes",
            SanityCheck::ServiceCpuBusy => "service CPU busy",
            SanityCheck::RateMissed => "rate missed",
        }
    }
}

/// One failed sanity check, at a sweep level or for the whole trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SanityFailure {
    pub check: SanityCheck,
    pub level: Option<u32>,
    /// The numbers behind it.
    pub detail: String,
}

pub(crate) fn ms(us: u64) -> f64 {
    us as f64 / 1e3
}

/// The metrics every load run reports (at `level` in a sweep), and the
/// sanity checks it failed.
pub(crate) fn load_metrics(
    m: &Measured,
    level: Option<u32>,
    out: &mut BTreeMap<MetricKey, f64>,
    failures: &mut Vec<SanityFailure>,
    budget: Budget,
) {
    let mut put = |metric: Metric, v: f64| {
        out.insert(MetricKey { metric, level }, v);
    };
    generator_metrics(&m.report, &mut put);
    let shares = resource_metrics(m, budget, &mut put);
    let mut fail = |check: SanityCheck, detail: String| {
        failures.push(SanityFailure {
            check,
            level,
            detail,
        });
    };
    check_saturation(&m.report, shares, &mut fail);
    check_answers(&m.report, &mut fail);
    check_rate(&m.report, &mut fail);
}

/// The share of an open model's rate that must be sent and answered: the
/// schedule is constant, so a service that keeps up answers the whole rate
/// over the window, less the odd request still out at its end.
const RATE_KEPT: f64 = 0.9;

/// An open model that did not deliver its rate: requests never sent, sent
/// late as a whole, or answered at well under the rate. A fixed-rate check
/// would compare a saturated service's queue with another's service time.
fn check_rate(r: &LoadReport, fail: &mut impl FnMut(SanityCheck, String)) {
    let (Model::Open { rate, .. }, Some(s)) = (r.model, &r.schedule) else {
        return;
    };
    if r.completed < 100 {
        return;
    }
    let floor = RATE_KEPT * rate;
    if s.unsent > 0 || s.achieved_rate < floor || r.requests_per_s < floor {
        fail(
            SanityCheck::RateMissed,
            format!(
                "rate missed: asked for {rate:.0} req/s, sent {:.0}/s ({} never sent), answered {:.0}/s: latency is a queue's",
                s.achieved_rate, s.unsent, r.requests_per_s
            ),
        );
    }
}

/// Responses whose status was not 2xx.
fn non_2xx(r: &LoadReport) -> u64 {
    r.status
        .iter()
        .filter(|(s, _)| !s.starts_with('2'))
        .map(|(_, n)| *n)
        .sum()
}

/// Requests in flight by Little's law: arrival rate × mean latency. The rate
/// is the measured requests' (those sent inside the window, answered in it or
/// in the drain after) per second of the window, the same requests the mean
/// is taken over. It used to be `requests_per_s`, which then counted only
/// the answers to requests both sent and answered inside the window: at one
/// second of latency over a five-second window a fifth short, and so was
/// every in-flight figure built on it.
fn arrival_per_s(r: &LoadReport) -> f64 {
    r.completed as f64 / r.elapsed_s
}

fn in_flight(r: &LoadReport) -> f64 {
    arrival_per_s(r) * r.latency.mean_us / 1e6
}

/// What the generator saw: throughput, latency, failures, its own load.
fn generator_metrics(r: &LoadReport, put: &mut impl FnMut(Metric, f64)) {
    put(Metric::RequestsPerS, r.requests_per_s);
    put(Metric::GoodputPerS, r.goodput_per_s);
    put(Metric::P50Ms, ms(r.latency.p50_us));
    put(Metric::P90Ms, ms(r.latency.p90_us));
    put(Metric::P99Ms, ms(r.latency.p99_us));
    put(Metric::P99_9Ms, ms(r.latency.p99_9_us));
    put(Metric::MaxMs, ms(r.latency.max_us));
    put(Metric::MeanMs, r.latency.mean_us / 1e3);
    put(Metric::InFlight, in_flight(r));
    put(Metric::Errors, r.errors as f64);
    put(Metric::Non2xx, non_2xx(r) as f64);
    put(Metric::VerificationFailures, r.verification.failed as f64);
    put(Metric::GeneratorUtilization, r.generator.utilization);
}

/// The shares of the generator's CPUs the upstream and PostgreSQL used.
#[derive(Clone, Copy)]
struct Shares {
    upstream: Option<f64>,
    database: Option<f64>,
}

/// The service's, the upstream's and PostgreSQL's resources over the
/// window; the shares of the generator's CPUs the other two used.
fn resource_metrics(m: &Measured, budget: Budget, put: &mut impl FnMut(Metric, f64)) -> Shares {
    let r = &m.report;
    let window_responses = r.requests_per_s * r.elapsed_s;
    if let Some(s) = &m.service {
        put(Metric::RssPeakMb, s.rss_peak_bytes as f64 / 1e6);
        put(Metric::RssMeanMb, s.rss_mean_bytes as f64 / 1e6);
        put(Metric::ServiceCpuS, s.cpu_seconds);
        put(Metric::ServiceCores, s.cpu_utilization);
        put(
            Metric::ServiceUtilization,
            s.cpu_utilization / budget.service_cpus.max(1) as f64,
        );
        if window_responses >= 1.0 {
            put(
                Metric::CpuMsPerRequest,
                s.cpu_seconds * 1e3 / window_responses,
            );
        }
        put(Metric::ThreadsPeak, s.threads_peak as f64);
    }
    let upstream_share = m
        .upstream
        .as_ref()
        .map(|u| u.cpu_utilization / budget.generator_cpus.max(1) as f64);
    if let Some(u) = upstream_share {
        put(Metric::UpstreamUtilization, u);
    }
    let database_share = m
        .database
        .as_ref()
        .map(|d| d.cpu_utilization / budget.generator_cpus.max(1) as f64);
    if let (Some(d), Some(share)) = (&m.database, database_share) {
        put(Metric::DatabaseUtilization, share);
        if window_responses >= 1.0 {
            put(
                Metric::DatabaseCpuMsPerRequest,
                d.cpu_seconds * 1e3 / window_responses,
            );
        }
    }
    Shares {
        upstream: upstream_share,
        database: database_share,
    }
}

/// A saturated generator, or generator CPUs saturated by the three
/// parties that share them.
fn check_saturation(r: &LoadReport, shares: Shares, fail: &mut impl FnMut(SanityCheck, String)) {
    if r.generator.saturated {
        fail(
            SanityCheck::GeneratorSaturated,
            format!(
                "load generator saturated ({:.0}% of its CPUs): throughput is a floor for the service",
                r.generator.utilization * 100.0
            ),
        );
    } else if shares.upstream.is_some() || shares.database.is_some() {
        // The generator, the upstream and PostgreSQL share their CPUs:
        // together they can starve each other while none alone looks busy.
        let u = shares.upstream.unwrap_or(0.0);
        let d = shares.database.unwrap_or(0.0);
        let together = r.generator.utilization + u + d;
        if together >= 0.9 {
            let database = if shares.database.is_some() {
                format!(" + PostgreSQL {:.0}%", d * 100.0)
            } else {
                String::new()
            };
            fail(
                SanityCheck::SharedCpusSaturated,
                format!(
                    "generator CPUs saturated: load generator {:.0}% + upstream simulator {:.0}%{database} of the same CPUs",
                    r.generator.utilization * 100.0,
                    u * 100.0
                ),
            );
        }
    }
}

/// Errors, non-2xx and wrong answers, and a closed model that breaks
/// Little's law.
fn check_answers(r: &LoadReport, fail: &mut impl FnMut(SanityCheck, String)) {
    if r.errors > 0 {
        fail(
            SanityCheck::RequestErrors,
            format!("{} requests failed: {:?}", r.errors, r.error_kinds),
        );
    }
    let non_2xx = non_2xx(r);
    if non_2xx > 0 {
        fail(
            SanityCheck::Non2xx,
            format!("{non_2xx} answers were not 2xx: {:?}", r.status),
        );
    }
    if r.verification.failed > 0 {
        fail(
            SanityCheck::WrongAnswers,
            format!(
                "{} of {} responses checked during load were wrong: {}",
                r.verification.failed,
                r.verification.checked,
                r.verification.examples.first().cloned().unwrap_or_default()
            ),
        );
    }
    if let Model::Closed { connections } = r.model {
        // Little's law: concurrency = throughput × time in system.
        let c = connections as f64;
        let in_flight = in_flight(r);
        if r.completed > 100 && (in_flight - c).abs() / c > 0.2 {
            fail(
                SanityCheck::LittlesLaw,
                format!(
                    "Little's law off: {:.0} req/s × {:.2} ms mean = {in_flight:.1} in flight, but {connections} connections",
                    arrival_per_s(r),
                    r.latency.mean_us / 1e3
                ),
            );
        }
    }
}

/// The first count of failed or wrong answers above zero among `metrics`
/// at a level `at` accepts.
pub(crate) fn failed_answers(
    metrics: &BTreeMap<MetricKey, f64>,
    at: impl Fn(Option<u32>) -> bool,
) -> Option<(&MetricKey, &f64)> {
    metrics
        .iter()
        .find(|(k, v)| **v > 0.0 && k.metric.counts_failed_answers() && at(k.level))
}

/// The failures as warning lines, with their level.
pub(crate) fn warning_lines(failures: &[SanityFailure]) -> Vec<String> {
    failures
        .iter()
        .map(|f| match f.level {
            Some(c) => format!("c{c}: {}", f.detail),
            None => f.detail.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{SanityCheck, check_rate, in_flight};
    use crate::load::{LoadConfig, LoadReport, Model, Stop};

    /// `model` for `seconds` (after 300 ms of warm-up) against a real
    /// upstream that answers /delay after 250 ms.
    fn delay_load(model: Model, seconds: u64) -> LoadReport {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let state = crate::upstream::Upstream::new(Duration::from_millis(1));
        let server = rt
            .block_on(crate::upstream::start(([127, 0, 0, 1], 0).into(), state))
            .unwrap();
        let config = LoadConfig {
            warmup: Duration::from_millis(300),
            ..LoadConfig::for_test(
                &format!("{}/delay?ms=250&token=t", server.url()),
                model,
                Stop::Duration(Duration::from_secs(seconds)),
            )
        };
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        crate::load::run(config, stop).unwrap()
    }

    fn open_load(rate: f64, connections: usize) -> LoadReport {
        delay_load(Model::Open { rate, connections }, 2)
    }

    fn rate_failures(r: &LoadReport) -> Vec<SanityCheck> {
        let mut failed = vec![];
        check_rate(r, &mut |c, _| failed.push(c));
        failed
    }

    /// 200 requests a second of 250 ms each need 50 connections: 64 keep
    /// the rate, 8 (32 a second at most) miss it and are flagged.
    #[test]
    fn an_open_model_that_cannot_keep_its_rate_is_flagged() {
        let kept = open_load(200.0, 64);
        assert!(
            rate_failures(&kept).is_empty(),
            "64 connections: {:.0} answered/s",
            kept.requests_per_s
        );
        let missed = open_load(200.0, 8);
        assert_eq!(
            rate_failures(&missed),
            vec![SanityCheck::RateMissed],
            "8 connections: {:.0} answered/s, schedule {:?}",
            missed.requests_per_s,
            missed.schedule
        );
    }

    /// Four connections each waiting 250 ms on the upstream hold four
    /// requests in flight all along. Over a one-second window a quarter of
    /// the requests sent in it are still out when it closes: counting only
    /// those answered inside the window would say three.
    #[test]
    fn little_s_law_counts_the_requests_still_out_when_the_window_closes() {
        let r = delay_load(Model::Closed { connections: 4 }, 1);
        // Throughput counts every answer inside the window, the warm-up's
        // last included: 16 in the second, not the 12 of the requests both
        // sent and answered in it.
        assert!(
            (r.requests_per_s - 16.0).abs() <= 2.0,
            "{:.1} answers/s inside the window with 4 connections at 250 ms",
            r.requests_per_s
        );
        let n = in_flight(&r);
        assert!(
            (n - 4.0).abs() < 0.4,
            "{n:.2} in flight with 4 connections ({} answered, {:.1}/s inside the window, mean {:.0} us)",
            r.completed,
            r.requests_per_s,
            r.latency.mean_us
        );
    }
}
