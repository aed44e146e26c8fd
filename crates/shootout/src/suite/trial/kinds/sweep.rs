//! `kind = "load"` with `model = "sweep"`: closed at each concurrency in
//! turn. Every level has the load metrics at its level (`p99_ms_c1000`);
//! the sweep adds the memory each request in flight costs over the idle
//! service, and warns when the open-files limit, not the contender, may
//! explain a level's failures.

use std::time::Duration;

use super::super::Record;
use super::super::detail::{SweepPoint, TrialDetail};
use super::super::load_run::{Drive, detail_of};
use crate::load::Model;
use crate::suite::measure::{failed_answers, load_metrics};
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::scenario::RequestSpec;

/// Sockets shootout and a contender need besides the sweep's connections.
const SPARE_FILES: u64 = 512;

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

/// The memory of requests in flight, measured level by level.
#[derive(Default)]
struct RssPerRequest {
    /// (requests in flight, mean RSS bytes) per level whose answers were right.
    points: Vec<(f64, f64)>,
    /// KiB a request in flight costs over the idle service, at the last such level.
    last_kib: Option<f64>,
    /// (requests in flight, mean RSS bytes) per level that was also sane
    /// (no sanity check failed there): the marginal cost's two points.
    sane: Vec<(f64, f64)>,
}

pub(super) async fn run(
    d: Drive<'_>,
    requests: &[RequestSpec],
    levels: &[usize],
    r: &mut Record,
) -> anyhow::Result<()> {
    // The contender is idle and ready: its RSS now is the baseline.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let idle = d
        .samplers
        .service
        .and_then(|s| s.snapshot().last().map(|s| s.rss_bytes));
    let mut points = Vec::new();
    let mut rss = RssPerRequest::default();
    let limit = crate::sys::open_files_limit();
    for &c in levels {
        let level = c as u32;
        let model = Model::Closed { connections: c };
        let m = d.run(requests, model).measured(d.samplers, d.setup).await?;
        load_metrics(
            &m,
            Some(level),
            &mut r.metrics,
            &mut r.sanity,
            d.setup.budget(),
        );
        let clean = failed_answers(&r.metrics, |l| l == Some(level)).is_none();
        if let (Some(s), Some(idle), true) = (&m.service, idle, clean) {
            rss.add(r, level, s.rss_mean_bytes, idle);
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
    if let Some(kib) = rss.last_kib {
        r.put(Metric::RssPerInflightKib, kib);
    }
    if let Some(kib) = rss.marginal_kib() {
        r.put(Metric::RssMarginalKib, kib);
    }
    r.detail = Some(TrialDetail::Sweep {
        sweep: points,
        rss_vs_concurrency: rss.points,
        idle_rss_bytes: idle,
    });
    Ok(())
}

impl RssPerRequest {
    /// A clean level's mean RSS against the requests in flight (Little's law).
    fn add(&mut self, r: &mut Record, level: u32, rss_mean_bytes: u64, idle: u64) {
        let in_flight = r
            .metrics
            .get(&MetricKey::at(Metric::InFlight, level))
            .copied()
            .unwrap_or(0.0);
        if in_flight >= 1.0 {
            let kib = (rss_mean_bytes as f64 - idle as f64) / in_flight / 1024.0;
            r.metrics
                .insert(MetricKey::at(Metric::RssPerInflightKib, level), kib);
            self.points.push((in_flight, rss_mean_bytes as f64));
            self.last_kib = Some(kib);
            if !r.sanity.iter().any(|f| f.level == Some(level)) {
                self.sane.push((in_flight, rss_mean_bytes as f64));
            }
        }
    }

    /// KiB one more request in flight costs: the RSS slope between the two
    /// highest sane levels (none unless they differ by a request or more).
    fn marginal_kib(&self) -> Option<f64> {
        let [.., (n_lo, rss_lo), (n_hi, rss_hi)] = self.sane.as_slice() else {
            return None;
        };
        (n_hi - n_lo >= 1.0).then(|| (rss_hi - rss_lo) / (n_hi - n_lo) / 1024.0)
    }
}
