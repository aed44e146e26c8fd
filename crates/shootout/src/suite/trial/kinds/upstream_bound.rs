//! An upstream-bound load (`max_service_cpu` in its scenario): what is
//! judged is waiting, so the service's CPU must not be the limit. Beside the
//! load metrics it records the latency the service adds above the delay its
//! requests asked of the upstream, and how many requests in flight a MB of
//! memory holds. A service that kept its CPUs as busy as the scenario allows
//! or busier fails the `service CPU busy` sanity check: a claim reading the
//! cell is INCONCLUSIVE, and says why.

use std::time::Duration;

use super::super::Record;
use super::super::load_run::Drive;
use crate::suite::measure::{Measured, SanityCheck, SanityFailure};
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::scenario::RequestSpec;

/// Below this growth over the idle service, RSS sampling cannot tell what
/// the requests in flight hold (a V8 heap moves by more between samples).
const LEAST_GROWTH_MB: f64 = 0.5;

/// The service's RSS before the load: its idle memory.
pub(super) async fn idle_rss(d: &Drive<'_>) -> Option<u64> {
    tokio::time::sleep(Duration::from_millis(150)).await;
    d.samplers
        .service
        .and_then(|s| s.snapshot().last().map(|s| s.rss_bytes))
}

/// The delay every request asks of the upstream (the `ms=` of its path),
/// when they all ask the same one.
fn upstream_delay_ms(requests: &[RequestSpec]) -> Option<f64> {
    let mut delays = requests.iter().map(|r| query_ms(&r.path));
    let first = delays.next()??;
    delays.all(|d| d == Some(first)).then_some(first as f64)
}

fn query_ms(path: &str) -> Option<u64> {
    let (_, query) = path.split_once('?')?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("ms=")?.parse().ok())
}

/// The added latency, the requests held per MB, and the CPU check, from a
/// run whose load metrics are already in `r`.
pub(super) fn record(
    max_cpu: f64,
    requests: &[RequestSpec],
    m: &Measured,
    idle: Option<u64>,
    r: &mut Record,
) {
    let get = |r: &Record, metric| r.metrics.get(&MetricKey::of(metric)).copied();
    if let (Some(delay), Some(p99)) = (upstream_delay_ms(requests), get(r, Metric::P99Ms)) {
        r.put(Metric::AddedP99Ms, p99 - delay);
    }
    let grown_mb = match (&m.service, idle) {
        (Some(s), Some(idle)) => Some((s.rss_mean_bytes as f64 - idle as f64) / 1e6),
        _ => None,
    };
    match (grown_mb, get(r, Metric::InFlight)) {
        (Some(mb), Some(n)) if mb >= LEAST_GROWTH_MB => r.put(Metric::InFlightPerMb, n / mb),
        (Some(mb), Some(n)) => r.warnings.push(format!(
            "RSS grew {mb:.2} MB above the idle service with {n:.0} requests in flight: below the {LEAST_GROWTH_MB} MB sampling can resolve, so no in_flight_per_mb"
        )),
        _ => {}
    }
    if let Some(busy) = get(r, Metric::ServiceUtilization)
        && busy >= max_cpu
    {
        r.sanity.push(SanityFailure {
            check: SanityCheck::ServiceCpuBusy,
            level: None,
            detail: format!(
                "service CPU at {:.0}% of its CPUs (this scenario allows under {:.0}%): the CPU, not the upstream, may be the limit",
                busy * 100.0,
                max_cpu * 100.0
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::upstream_delay_ms;
    use crate::suite::scenario::RequestSpec;

    fn spec(path: &str) -> RequestSpec {
        RequestSpec {
            method: "GET".into(),
            path: path.into(),
            weight: 1,
            n: (0, 0),
            body: None,
            check: None,
            capture_id: false,
        }
    }

    #[test]
    fn the_delay_is_the_ms_every_request_asks_for() {
        let io = spec("/io?ms=1000&token={token}");
        assert_eq!(upstream_delay_ms(std::slice::from_ref(&io)), Some(1000.0));
        let other = spec("/io?token={token}&ms=20");
        assert_eq!(upstream_delay_ms(&[io.clone(), other]), None);
        assert_eq!(upstream_delay_ms(&[spec("/json")]), None);
        assert_eq!(upstream_delay_ms(&[]), None);
    }
}
