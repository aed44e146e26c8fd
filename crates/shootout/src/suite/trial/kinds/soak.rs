//! `kind = "load"` with `model = "open-fraction"`, the soak: a short closed
//! run measures the service's capacity, then an open model at a fraction of
//! it runs for the scenario's duration with the runtime's GC trace on. Its
//! own metrics: the capacity and the rate, GC pauses, and RSS drift.

use std::time::{Duration, Instant};

use super::super::Record;
use super::super::detail::TrialDetail;
use super::super::load_run::{Drive, Run, detail_of};
use crate::load::Model;
use crate::suite::measure::load_metrics;
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::scenario::{Count, RequestSpec};

pub(super) async fn run(
    d: Drive<'_>,
    requests: &[RequestSpec],
    fraction: f64,
    connections: Count,
    r: &mut Record,
) -> anyhow::Result<()> {
    let capacity = probe_capacity(d, requests, connections).await?;
    let rate = (capacity * fraction).max(1.0);
    let model = Model::Open {
        rate,
        connections: connections.resolve(d.service_cpus()),
    };
    let started = Instant::now();
    let m = d.run(requests, model).measured(d.samplers, d.setup).await?;
    load_metrics(&m, None, &mut r.metrics, &mut r.sanity, d.setup.budget());
    if let Some(gc) = d.samplers.gc {
        let (warmup, duration) = (d.scenario.warmup, d.scenario.duration);
        let from = started + warmup;
        gc_metrics(&gc.between(from, from + duration), duration, r);
        let service_cpu_s = r.metrics.get(&MetricKey::of(Metric::ServiceCpuS)).copied();
        if let (Some(gc_ms), Some(cpu_s)) = (gc.cpu_between(from, from + duration), service_cpu_s)
            && cpu_s > 0.0
        {
            r.put(Metric::GcCpuPct, gc_ms / (cpu_s * 1e3) * 100.0);
        }
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

/// Capacity for open-model scenarios: a short closed-model run.
async fn probe_capacity(
    d: Drive<'_>,
    requests: &[RequestSpec],
    connections: Count,
) -> anyhow::Result<f64> {
    let report = Run {
        base: d.base,
        requests,
        model: Model::Closed {
            connections: connections.resolve(d.service_cpus()).clamp(1, 64),
        },
        warmup: Duration::from_millis(500),
        duration: Duration::from_secs(2),
    }
    .go(d.setup)
    .await?;
    anyhow::ensure!(
        report.completed > 0,
        "the capacity probe completed no request ({} errors)",
        report.errors
    );
    Ok(report.requests_per_s)
}

/// GC pause figures of one window, from the runtime's own trace.
fn gc_metrics(pauses: &[f64], window: Duration, r: &mut Record) {
    let secs = window.as_secs_f64();
    r.put(Metric::GcPausesPerS, pauses.len() as f64 / secs);
    r.put(Metric::GcPauseMsPerS, pauses.iter().sum::<f64>() / secs);
    if !pauses.is_empty() {
        let mut sorted = pauses.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at =
            |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
        r.put(Metric::GcPauseP99Ms, at(0.99));
        r.put(Metric::GcPauseP99_9Ms, at(0.999));
    }
}

/// RSS change from the first to the last tenth of the window, in percent.
fn rss_drift(series: &[(f64, u64)]) -> Option<f64> {
    if series.len() < 10 {
        return None;
    }
    let tenth = series.len() / 10;
    let mean = |s: &[(f64, u64)]| s.iter().map(|p| p.1 as f64).sum::<f64>() / s.len() as f64;
    let (first, last) = (
        mean(&series[..tenth]),
        mean(&series[series.len() - tenth..]),
    );
    (first > 0.0).then(|| (last - first) / first * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_is_signed_and_flat_is_zero() {
        let flat: Vec<(f64, u64)> = (0..20).map(|i| (f64::from(i), 100)).collect();
        assert_eq!(rss_drift(&flat), Some(0.0));
        let growing: Vec<(f64, u64)> = (0..20)
            .map(|i| (f64::from(i), 100 + i as u64 * 10))
            .collect();
        assert!(rss_drift(&growing).unwrap() > 100.0);
        let shrinking: Vec<(f64, u64)> = growing.iter().rev().copied().collect();
        assert!(rss_drift(&shrinking).unwrap() < -50.0);
    }
}
