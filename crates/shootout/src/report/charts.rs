//! Which charts each scenario gets, built from `results.json`'s trial details.

use super::svg::{self, Axis, Series};
use crate::load::report::Latency;
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::results::{CellResult, Results, ScenarioResult, Status};
use crate::suite::scenario::{Kind, LoadSpec};
use crate::suite::trial::detail::{LoadDetail, TrialDetail};

/// A contender's colour: its position in the run, the same in every chart.
pub fn color(results: &Results, contender: &str) -> usize {
    results
        .contenders
        .iter()
        .position(|c| c.name == contender)
        .unwrap_or(0)
        % 6
}

/// The details of the first trial that ended ok.
fn first_ok(cell: &CellResult) -> Option<&TrialDetail> {
    cell.trials
        .iter()
        .find(|t| t.status == Status::Ok)
        .and_then(|t| t.detail.as_ref())
}

/// The load run of the first ok trial of a plain load cell.
fn first_load(cell: &CellResult) -> Option<&LoadDetail> {
    first_ok(cell).and_then(TrialDetail::load)
}

/// Bars of a metric's median with interval whiskers.
fn metric_bars(
    results: &Results,
    s: &ScenarioResult,
    metric: Metric,
    title: &str,
    unit: &str,
    id: &str,
) -> Option<String> {
    let items: Vec<svg::Bar> = s
        .cells
        .iter()
        .filter_map(|c| {
            let key = MetricKey::of(metric);
            let e = c.summary.get(&key)?;
            Some((
                color(results, &c.contender),
                c.contender.clone(),
                e.median,
                c.median_interval(key).map(|i| (i.low, i.high)),
            ))
        })
        .collect();
    if items.is_empty() {
        return None;
    }
    let caption = if items.iter().any(|i| i.3.is_some()) {
        format!(
            "Whiskers: the {}.",
            super::interval_note(results.trials)
                .replacen("median [", "", 1)
                .trim_end_matches(']')
        )
    } else {
        "One trial: no interval (run without --quick for intervals).".to_owned()
    };
    Some(svg::bars(id, title, unit, &items, &caption))
}

/// HDR-style percentile curves: x = percentile on a log(1/(1-p)) axis.
fn percentile_curves(
    results: &Results,
    s: &ScenarioResult,
    id: &str,
    title: &str,
) -> Option<String> {
    let x_of = |p: f64| -(1.0 - p / 100.0).log10();
    let mut series = Vec::new();
    let mut max_ms: f64 = 0.0;
    let mut min_ms = f64::MAX;
    for c in &s.cells {
        let Some(detail) = first_load(c) else {
            continue;
        };
        let latency: &Latency = &detail.load.latency;
        let points: Vec<(f64, f64)> = latency
            .percentiles
            .iter()
            .filter_map(|p| {
                let ms = p.us as f64 / 1e3;
                (p.percentile < 100.0 && ms > 0.0).then(|| (x_of(p.percentile), ms))
            })
            .collect();
        for (_, ms) in &points {
            max_ms = max_ms.max(*ms);
            min_ms = min_ms.min(*ms);
        }
        series.push(Series {
            color: color(results, &c.contender),
            name: c.contender.clone(),
            points,
        });
    }
    if series.iter().all(|s| s.points.is_empty()) {
        return None;
    }
    let ticks: Vec<(f64, String)> = [
        ("p0", 0.0),
        ("p90", 1.0),
        ("p99", 2.0),
        ("p99.9", 3.0),
        ("p99.99", 4.0),
        ("p99.999", 5.0),
    ]
    .iter()
    .map(|(l, x)| (x / 5.0, (*l).to_owned()))
    .collect();
    Some(svg::lines(
        id,
        title,
        "percentile (logarithmic: each step is ten times rarer)",
        "latency (ms, log)",
        Axis::linear(0.0, 5.0),
        Axis::log(min_ms, max_ms),
        &ticks,
        &series,
        &|x| format!("p{}", format_pct(100.0 * (1.0 - 10f64.powf(-x)))),
        "Latency at each percentile, HDR-style; first successful trial.",
    ))
}

fn format_pct(p: f64) -> String {
    let s = format!("{p:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Requests per second and RSS over the measured window (soak).
fn timelines(results: &Results, s: &ScenarioResult) -> Vec<String> {
    let mut rps = Vec::new();
    let mut rss = Vec::new();
    for c in &s.cells {
        let Some(detail) = first_load(c) else {
            continue;
        };
        let color = color(results, &c.contender);
        rps.push(Series {
            color,
            name: c.contender.clone(),
            points: detail
                .load
                .timeline
                .iter()
                .map(|p| (p.second as f64, p.requests as f64))
                .collect(),
        });
        rss.push(Series {
            color,
            name: c.contender.clone(),
            points: detail
                .rss
                .iter()
                .map(|(t, b)| (*t, *b as f64 / 1e6))
                .collect(),
        });
    }
    let mut out = Vec::new();
    let span = |series: &[Series], axis: usize| {
        series
            .iter()
            .flat_map(|s| {
                s.points
                    .iter()
                    .map(move |p| if axis == 0 { p.0 } else { p.1 })
            })
            .fold(0.0, f64::max)
    };
    if rps.iter().any(|s| !s.points.is_empty()) {
        out.push(svg::lines(
            &format!("{}-rps-timeline", s.name),
            &format!("{}: requests per second over the run", s.name),
            "seconds after warm-up",
            "requests / s",
            Axis::linear(0.0, span(&rps, 0).max(1.0)),
            Axis::linear(0.0, span(&rps, 1).max(1.0) * 1.1),
            &[],
            &rps,
            &|x| format!("{x:.0} s"),
            "Responses completed in each second of the measured window.",
        ));
    }
    if rss.iter().any(|s| !s.points.is_empty()) {
        out.push(svg::lines(
            &format!("{}-rss-timeline", s.name),
            &format!("{}: resident memory over the run", s.name),
            "seconds after warm-up",
            "RSS (MB)",
            Axis::linear(0.0, span(&rss, 0).max(1.0)),
            Axis::linear(0.0, span(&rss, 1).max(1.0) * 1.1),
            &[],
            &rss,
            &|x| format!("{x:.1} s"),
            "Whole process tree, sampled every 50 ms.",
        ));
    }
    out
}

/// RSS against concurrency (io sweep), with each contender's slope.
fn rss_vs_concurrency(results: &Results, s: &ScenarioResult) -> Option<String> {
    let mut series = Vec::new();
    for c in &s.cells {
        let Some(TrialDetail::Sweep {
            rss_vs_concurrency, ..
        }) = first_ok(c)
        else {
            continue;
        };
        let points: Vec<(f64, f64)> = rss_vs_concurrency
            .iter()
            .map(|(x, b)| (*x, b / 1e6))
            .collect();
        let slope = c
            .summary
            .get(&MetricKey::of(Metric::RssPerInflightKib))
            .map(|e| format!(" ({:.1} KiB per request)", e.median))
            .unwrap_or_default();
        series.push(Series {
            color: color(results, &c.contender),
            name: format!("{}{slope}", c.contender),
            points,
        });
    }
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    let ys: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .collect();
    if xs.is_empty() {
        return None;
    }
    let (xlo, xhi) = (
        xs.iter().copied().fold(f64::MAX, f64::min),
        xs.iter().copied().fold(0.0, f64::max),
    );
    Some(svg::lines(
        &format!("{}-rss-vs-concurrency", s.name),
        "Memory against concurrent requests",
        "requests in flight (log)",
        "mean RSS under load (MB)",
        Axis::log(xlo, xhi),
        Axis::linear(0.0, ys.iter().copied().fold(0.0, f64::max) * 1.1),
        &[],
        &series,
        &|x| format!("{x:.0} in flight"),
        "Mean RSS against the requests measured in flight (Little's law), at levels whose answers were all right.",
    ))
}

/// Requests per second at each concurrency of a sweep.
fn sweep_throughput(results: &Results, s: &ScenarioResult) -> Option<String> {
    let levels = s.config.levels();
    if levels.is_empty() {
        return None;
    }
    let groups: Vec<svg::Group> = levels
        .iter()
        .map(|level| {
            let bars = s
                .cells
                .iter()
                .filter_map(|c| {
                    Some((
                        color(results, &c.contender),
                        c.contender.clone(),
                        c.summary
                            .get(&MetricKey::at(Metric::RequestsPerS, *level))?
                            .median,
                    ))
                })
                .collect();
            (format!("{level} in flight"), bars)
        })
        .collect();
    Some(svg::grouped(
        &format!("{}-sweep-rps", s.name),
        "Throughput at each concurrency",
        "requests / s",
        &groups,
        false,
        true,
        "Median over trials.",
    ))
}

fn head_of_line(results: &Results, s: &ScenarioResult) -> Option<String> {
    let groups: Vec<svg::Group> = s
        .cells
        .iter()
        .filter_map(|c| {
            let idle = c
                .summary
                .get(&MetricKey::of(Metric::ProbeP99IdleMs))?
                .median;
            let loaded = c
                .summary
                .get(&MetricKey::of(Metric::ProbeP99LoadedMs))?
                .median;
            let k = color(results, &c.contender);
            let mut bars = vec![
                (k, "idle".to_owned(), idle),
                (k, "loaded".to_owned(), loaded),
            ];
            if let Some(long) = c.summary.get(&MetricKey::of(Metric::ProbeP99LongMs)) {
                bars.push((k, "long task".to_owned(), long.median));
            }
            Some((c.contender.clone(), bars))
        })
        .collect();
    if groups.is_empty() {
        return None;
    }
    let mut svg = svg::grouped(
        &format!("{}-probe", s.name),
        "/health probe p99: idle, then under CPU-heavy load",
        "p99 latency (ms, log)",
        &groups,
        true,
        false,
        "Each contender's bars, left to right: idle (solid); while the CPU-heavy requests run (faded); while the long ones run (palest), where the scenario has them. Hover for values.",
    );
    // A contender's bars share its colour; the loaded ones are marked by
    // their place in the group (`b1`, `b2`: see html.rs).
    svg = svg.replacen(
        "<figure class=\"chart\"",
        "<figure class=\"chart pairs\"",
        1,
    );
    Some(svg)
}

fn coldstart(results: &Results, s: &ScenarioResult) -> Option<String> {
    let rows: Vec<Series> = s
        .cells
        .iter()
        .filter_map(|c| {
            let points: Vec<(f64, f64)> = c
                .trials
                .iter()
                .filter(|t| t.status == Status::Ok)
                .filter_map(|t| match &t.detail {
                    Some(TrialDetail::Coldstart(c)) => Some(c),
                    _ => None,
                })
                .flat_map(|c| c.runs.iter().map(|r| (r.health_ms, 0.0)))
                .collect();
            (!points.is_empty()).then(|| Series {
                color: color(results, &c.contender),
                name: c.contender.clone(),
                points,
            })
        })
        .collect();
    (!rows.is_empty()).then(|| {
        svg::strips(
            &format!("{}-distribution", s.name),
            "Cold start: spawn to first 200 on /health",
            "milliseconds (log)",
            &rows,
            "Every measured start; the warm-up start is excluded.",
        )
    })
}

fn footprint(results: &Results, s: &ScenarioResult) -> Vec<String> {
    let mut out = Vec::new();
    for (metric, title, unit) in [
        (Metric::ArtifactMb, "Artifact: what must be shipped", "MB"),
        (Metric::ImageMb, "OCI image, compressed", "MB"),
        (
            Metric::DepsTransitive,
            "Dependencies (transitive)",
            "packages",
        ),
        (Metric::BuildS, "Clean build time", "seconds"),
        (Metric::LinesOfCode, "Lines of code", "lines"),
    ] {
        if let Some(svg) = metric_bars(
            results,
            s,
            metric,
            title,
            unit,
            &format!("{}-{metric}", s.name),
        ) {
            out.push(svg);
        }
    }
    out
}

/// Every chart of one scenario.
pub fn for_scenario(results: &Results, s: &ScenarioResult) -> Vec<String> {
    let mut charts = Vec::new();
    match &s.config.kind {
        Kind::Coldstart { .. } => charts.extend(coldstart(results, s)),
        Kind::Footprint { .. } => charts.extend(footprint(results, s)),
        Kind::Torture { .. } => charts.extend(metric_bars(
            results,
            s,
            Metric::TortureFailed,
            "torture: hostile-input cases failed",
            "cases",
            &format!("{}-failed", s.name),
        )),
        Kind::Mutate { .. } => charts.extend(metric_bars(
            results,
            s,
            Metric::MutateReachedRunningPct,
            "refactoring mistakes that reached a running service",
            "% of mistakes written",
            &format!("{}-reached", s.name),
        )),
        Kind::Drain { .. } => charts.extend(metric_bars(
            results,
            s,
            Metric::DrainS,
            "SIGTERM with requests in flight: seconds to exit",
            "seconds",
            &format!("{}-drain", s.name),
        )),
        Kind::HeadOfLine { .. } => {
            charts.extend(head_of_line(results, s));
            charts.extend(metric_bars(
                results,
                s,
                Metric::BackgroundRequestsPerS,
                "CPU-heavy requests per second",
                "requests / s",
                &format!("{}-background", s.name),
            ));
        }
        Kind::Load {
            load: LoadSpec::Sweep { .. },
            ..
        } => {
            charts.extend(sweep_throughput(results, s));
            charts.extend(rss_vs_concurrency(results, s));
        }
        Kind::Load { load, .. } => {
            charts.extend(metric_bars(
                results,
                s,
                Metric::RequestsPerS,
                &format!("{}: requests per second", s.name),
                "requests / s",
                &format!("{}-rps", s.name),
            ));
            charts.extend(percentile_curves(
                results,
                s,
                &format!("{}-percentiles", s.name),
                &format!("{}: latency by percentile", s.name),
            ));
            if matches!(load, LoadSpec::Open { .. } | LoadSpec::OpenFraction { .. }) {
                charts.extend(timelines(results, s));
            }
        }
    }
    charts
}
