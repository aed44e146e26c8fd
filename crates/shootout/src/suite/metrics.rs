//! What a trial's measurements become: named metrics, sanity warnings
//! (Little's law, saturation, errors, wrong answers) and the details reports
//! draw from.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::cell::Setup;
use crate::load::{LoadReport, Model};
use crate::supervise::sampler::Summary;

/// A load run with the contender's and upstream's resources over its measured window.
pub(crate) struct Measured {
    pub report: LoadReport,
    pub service: Option<Summary>,
    pub upstream: Option<Summary>,
    pub rss_series: Vec<(f64, u64)>,
}

pub(crate) fn ms(us: u64) -> f64 {
    us as f64 / 1e3
}

/// The metrics every load run reports, with an optional name suffix.
pub(crate) fn load_metrics(
    m: &Measured,
    suffix: &str,
    out: &mut BTreeMap<String, f64>,
    warnings: &mut Vec<String>,
    setup: &Setup,
) {
    let r = &m.report;
    let mut put = |k: &str, v: f64| {
        out.insert(format!("{k}{suffix}"), v);
    };
    put("requests_per_s", r.requests_per_s);
    put("p50_ms", ms(r.latency.p50_us));
    put("p90_ms", ms(r.latency.p90_us));
    put("p99_ms", ms(r.latency.p99_us));
    put("p99_9_ms", ms(r.latency.p99_9_us));
    put("max_ms", ms(r.latency.max_us));
    put("mean_ms", r.latency.mean_us / 1e3);
    put("errors", r.errors as f64);
    put(
        "non_2xx",
        r.status
            .iter()
            .filter(|(s, _)| !s.starts_with('2'))
            .map(|(_, n)| *n as f64)
            .sum(),
    );
    put("verification_failures", r.verification.failed as f64);
    put("generator_utilization", r.generator.utilization);
    if let Some(s) = &m.service {
        put("rss_peak_mb", s.rss_peak_bytes as f64 / 1e6);
        put("rss_mean_mb", s.rss_mean_bytes as f64 / 1e6);
        put("service_cpu_s", s.cpu_seconds);
        put(
            "service_utilization",
            s.cpu_utilization / setup.service_cpus.len() as f64,
        );
        if r.completed > 0 {
            put(
                "cpu_ms_per_request",
                s.cpu_seconds * 1e3 / r.completed as f64,
            );
        }
        put("threads_peak", s.threads_peak as f64);
    }
    if let Some(u) = &m.upstream {
        put(
            "upstream_utilization",
            u.cpu_utilization / setup.generator_cpus.len() as f64,
        );
    }
    // Sanity checks.
    let label = if suffix.is_empty() {
        String::new()
    } else {
        format!(" ({})", suffix.trim_start_matches('_'))
    };
    if r.generator.saturated {
        warnings.push(format!(
            "load generator saturated{label} ({:.0}% of its CPUs): throughput is a floor for the service",
            r.generator.utilization * 100.0
        ));
    }
    if m.upstream
        .as_ref()
        .is_some_and(|u| u.cpu_utilization / setup.generator_cpus.len() as f64 >= 0.9)
    {
        warnings.push(format!("upstream simulator saturated{label}"));
    }
    if r.errors > 0 {
        warnings.push(format!(
            "{} requests failed{label}: {:?}",
            r.errors, r.error_kinds
        ));
    }
    if r.verification.failed > 0 {
        warnings.push(format!(
            "{} of {} responses checked during load were wrong{label}: {}",
            r.verification.failed,
            r.verification.checked,
            r.verification.examples.first().cloned().unwrap_or_default()
        ));
    }
    if let Model::Closed { connections } = r.model {
        // Little's law: concurrency = throughput × time in system.
        let implied = r.requests_per_s * r.latency.mean_us / 1e6;
        let c = connections as f64;
        if r.completed > 100 && (implied - c).abs() / c > 0.2 {
            warnings.push(format!(
                "Little's law off{label}: {:.0} req/s × {:.2} ms mean = {implied:.1} in flight, but {connections} connections",
                r.requests_per_s,
                r.latency.mean_us / 1e3
            ));
        }
    }
}

pub(crate) fn detail_of(m: &Measured) -> Value {
    json!({
        "load": m.report,
        "service": m.service,
        "upstream": m.upstream,
        "rss": m.rss_series.iter().step_by(4).map(|(t, b)| json!([ (t * 10.0).round() / 10.0, b ])).collect::<Vec<_>>(),
    })
}

pub(crate) fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (sxx > 0.0).then(|| points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx)
}

/// RSS change from the first to the last tenth of the window, in percent.
pub(crate) fn rss_drift(series: &[(f64, u64)]) -> Option<f64> {
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
    fn slope_and_drift() {
        let s = least_squares_slope(&[(100.0, 1000.0), (1000.0, 10_000.0), (10_000.0, 100_000.0)])
            .unwrap();
        assert!((s - 10.0).abs() < 1e-9);
        let flat: Vec<(f64, u64)> = (0..20).map(|i| (f64::from(i), 100)).collect();
        assert_eq!(rss_drift(&flat), Some(0.0));
        let growing: Vec<(f64, u64)> = (0..20)
            .map(|i| (f64::from(i), 100 + i as u64 * 10))
            .collect();
        assert!(rss_drift(&growing).unwrap() > 100.0);
    }
}
