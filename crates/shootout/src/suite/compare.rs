//! Comparisons between contenders, computed once when a cell changes and
//! stored in `results.json`: each metric's best cell (and whether it is
//! inside the noise of the runner-up), and the headline metric's ratio
//! between every pair. Reports only look them up.

use super::metric::{Better, Metric, MetricKey};
use super::results::{PairRatio, Ranking, ScenarioResult};
use crate::stats::bootstrap::{self, Against, Estimate};

/// Whether `ratio` (of two medians) is indistinguishable from 1: by its
/// interval with two trials or more, else by `key`'s noise band for a ratio
/// of two measures (log-symmetric, (1 + b)^√2; an additive band says
/// nothing about a ratio, so it is never told apart by one).
pub fn same(key: MetricKey, ratio: &Estimate) -> bool {
    if ratio.n >= 2 {
        ratio.against_one() == Against::Same
    } else {
        let band = match key.spec().noise {
            super::metric::Noise::Exact => super::claims::rule::Band::Exact,
            super::metric::Noise::Additive(_) => return true,
            super::metric::Noise::Relative(_) => {
                super::claims::rule::Band::Log(key.spec().log_band()).of_ratio()
            }
        };
        let (low, high) = band.around(ratio.median);
        low <= 1.0 && 1.0 <= high
    }
}

/// The scenario's headline metric: its table's first column.
pub fn headline(s: &ScenarioResult) -> Option<MetricKey> {
    columns(s).into_iter().next()
}

/// The metrics a scenario's summary table shows, in column order: those its
/// cells measured out of a fixed reading order (the rest are in
/// `results.json` and the charts). In a sweep, throughput at every level,
/// and latency and memory at the highest.
pub fn columns(s: &ScenarioResult) -> Vec<MetricKey> {
    use Metric::*;
    let has = |k: MetricKey| s.cells.iter().any(|c| c.summary.contains_key(&k));
    let top = s.config.levels().last().copied();
    let mut order: Vec<MetricKey> = [
        RequestsPerS,
        P50Ms,
        P99Ms,
        P99_9Ms,
        CpuMsPerRequest,
        DatabaseCpuMsPerRequest,
        RssPeakMb,
        CpuThrottledPct,
        ThrottledMsPerS,
        MemoryLimitUsedPct,
        OomKills,
        Errors,
        RssDriftPct,
        GcPauseMsPerS,
        GcCpuPct,
        GcPauseP99_9Ms,
        RssPerInflightKib,
    ]
    .into_iter()
    .map(MetricKey::of)
    .collect();
    order.extend(
        s.config
            .levels()
            .into_iter()
            .map(|c| MetricKey::at(RequestsPerS, c)),
    );
    if let Some(c) = top {
        order.push(MetricKey::at(P99Ms, c));
        order.push(MetricKey::at(RssMeanMb, c));
        order.push(MetricKey::at(DatabaseCpuMsPerRequest, c));
    }
    order.extend([OrdersLost, OrdersPhantom].map(MetricKey::of));
    order.extend(
        [
            ProbeP99IdleMs,
            ProbeP99LoadedMs,
            ProbeP99LongMs,
            ProbeP99Growth,
            TaskMs,
            TaskLongMs,
            ProbeP99Ratio,
            BackgroundRequestsPerS,
            ColdstartHealthMs,
            ColdstartJsonMs,
            ColdstartRssMb,
            BuildS,
            ArtifactMb,
            ImageMb,
            NeedsRuntime,
            ImageStarts,
            AppLayerStarts,
            ImageReadyMs,
            DepsDirect,
            DepsTransitive,
            LinesOfCode,
            ErrorHandlingPct,
            TortureFailed,
            TortureRuntimeErrors,
            TortureCrashes,
            TortureHangs,
            TortureOrdersLost,
            TortureOrdersInvented,
            OverloadTimeouts,
            OverloadRecoveryS,
            DrainS,
            DrainLost,
            MutateCaughtBeforeRunningPct,
            MutateReachedRunningPct,
            MutateErrorsCaughtBeforeRunningPct,
            MutateSlippedPct,
            MutateWritten,
            DrainKilled,
        ]
        .into_iter()
        .map(MetricKey::of),
    );
    order.into_iter().filter(|k| has(*k)).collect()
}

/// Every metric any cell of `s` summarized, in registry order.
pub fn keys(s: &ScenarioResult) -> Vec<MetricKey> {
    let mut keys: Vec<MetricKey> = s
        .cells
        .iter()
        .flat_map(|c| c.summary.keys().copied())
        .collect();
    keys.sort_by_key(|k| (order(k.metric), k.level));
    keys.dedup();
    keys
}

fn order(m: Metric) -> usize {
    Metric::ALL
        .iter()
        .position(|x| *x == m)
        .unwrap_or(usize::MAX)
}

/// Recomputes `s.rankings` and `s.ratios`.
pub fn rank(s: &mut ScenarioResult, seed: u64) {
    let mut rankings = Vec::new();
    for key in keys(s) {
        let better = key.spec().better;
        if better == Better::Neither {
            continue;
        }
        let mut ranked: Vec<(&str, f64)> = s
            .cells
            .iter()
            .filter_map(|c| {
                c.summary
                    .get(&key)
                    .map(|e| (c.contender.as_str(), e.median))
            })
            .collect();
        if ranked.len() < 2 || ranked.iter().all(|r| r.1 == ranked[0].1) {
            continue;
        }
        ranked.sort_by(|a, b| match better {
            Better::Higher => b.1.total_cmp(&a.1),
            _ => a.1.total_cmp(&b.1),
        });
        let (best, second) = (ranked[0].0, ranked[1].0);
        let tie = ranked[0].1 == ranked[1].1 || {
            let values = |n: &str| {
                s.cells
                    .iter()
                    .find(|c| c.contender == n)
                    .map(|c| c.values(key))
                    .unwrap_or_default()
            };
            bootstrap::ratio(&values(best), &values(second), seed).is_some_and(|r| same(key, &r))
        };
        rankings.push(Ranking {
            metric: key,
            best: best.to_owned(),
            tie,
        });
    }
    let mut ratios = Vec::new();
    if let Some(key) = headline(s) {
        for a in &s.cells {
            for b in &s.cells {
                if a.contender == b.contender {
                    continue;
                }
                if let Some(r) = bootstrap::ratio(&a.values(key), &b.values(key), seed) {
                    ratios.push(PairRatio {
                        metric: key,
                        a: a.contender.clone(),
                        b: b.contender.clone(),
                        same: same(key, &r),
                        ratio: r,
                    });
                }
            }
        }
    }
    s.rankings = rankings;
    s.ratios = ratios;
}
