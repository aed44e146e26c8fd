//! The per-scenario summary tables that `run` prints and `report` reuses:
//! one renderer, plain text, readable without colour.

use std::fmt::Write;

use super::results::{Results, ScenarioResult};
use super::stats::{self, Verdict};

/// A column: metric, heading, and whether higher is better.
struct Column {
    metric: &'static str,
    heading: &'static str,
    higher_is_better: bool,
}

const fn col(metric: &'static str, heading: &'static str, higher_is_better: bool) -> Column {
    Column {
        metric,
        heading,
        higher_is_better,
    }
}

/// The columns a scenario's table shows, by what its cells measured.
fn columns(s: &ScenarioResult) -> Vec<Column> {
    let has = |m: &str| s.cells.iter().any(|c| c.summary.contains_key(m));
    let all = [
        col("requests_per_s", "req/s", true),
        col("p50_ms", "p50 ms", false),
        col("p99_ms", "p99 ms", false),
        col("p99_9_ms", "p99.9 ms", false),
        col("cpu_ms_per_request", "CPU ms/req", false),
        col("rss_peak_mb", "peak RSS MB", false),
        col("errors", "errors", false),
        col("rss_drift_pct", "RSS drift %", false),
        col("rss_per_inflight_kb", "KB/in-flight", false),
        col("requests_per_s_c100", "req/s c100", true),
        col("requests_per_s_c1000", "req/s c1000", true),
        col("requests_per_s_c10000", "req/s c10000", true),
        col("p99_ms_c10000", "p99 ms c10000", false),
        col("rss_mean_mb_c10000", "RSS MB c10000", false),
        col("probe_p99_idle_ms", "probe p99 idle", false),
        col("probe_p99_loaded_ms", "probe p99 loaded", false),
        col("probe_p99_ratio", "loaded/idle", false),
        col("background_requests_per_s", "bg req/s", true),
        col("coldstart_health_ms", "/health ms", false),
        col("coldstart_json_ms", "/json ms", false),
        col("coldstart_rss_mb", "RSS MB", false),
        col("build_s", "clean build s", false),
        col("artifact_mb", "artifact MB", false),
        col("image_mb", "image MB gz", false),
        col("deps_direct", "deps", false),
        col("deps_transitive", "deps all", false),
        col("lines_of_code", "LOC", false),
    ];
    all.into_iter().filter(|c| has(c.metric)).collect()
}

fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1000.0 {
        crate::load::report::thousands(v.round() as u64)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// One scenario as a table: median [95% interval] per cell, `*` on the
/// column's winner, `≈` where the best is inside the noise of the runner-up,
/// and the ratio to the baseline.
pub fn scenario_table(results: &Results, s: &ScenarioResult, baseline: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", s.name, s.description);
    let cols = columns(s);
    if cols.is_empty() || s.cells.is_empty() {
        let _ = writeln!(out, "  (no measurements)\n");
        return out;
    }
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once("contender".to_owned())
            .chain(cols.iter().map(|c| c.heading.to_owned()))
            .collect(),
    ];
    // The winner of each column, or a tie when inside the noise.
    let winners: Vec<Option<(String, bool)>> = cols
        .iter()
        .map(|c| {
            let mut ranked: Vec<(&str, f64)> = s
                .cells
                .iter()
                .filter_map(|cell| {
                    cell.summary
                        .get(c.metric)
                        .map(|e| (cell.contender.as_str(), e.median))
                })
                .collect();
            if ranked.len() < 2 {
                return None;
            }
            ranked.sort_by(|a, b| {
                if c.higher_is_better {
                    b.1.total_cmp(&a.1)
                } else {
                    a.1.total_cmp(&b.1)
                }
            });
            let (best, second) = (ranked[0].0, ranked[1].0);
            let values = |n: &str| {
                s.cells
                    .iter()
                    .find(|x| x.contender == n)
                    .map(|x| x.values(c.metric))
                    .unwrap_or_default()
            };
            let tie = stats::ratio(&values(best), &values(second), results.seed)
                .is_none_or(|r| r.against_one() == Verdict::Same && r.n >= 2 || r.median == 1.0);
            Some((best.to_owned(), tie))
        })
        .collect();
    for cell in &s.cells {
        let mut row = vec![format!(
            "{}{}",
            cell.contender,
            if cell.marked { " (!)" } else { "" }
        )];
        for (c, w) in cols.iter().zip(&winners) {
            let text = match cell.summary.get(c.metric) {
                None => "-".to_owned(),
                Some(e) => {
                    let mark = match w {
                        Some((name, tie)) if name == &cell.contender => {
                            if *tie {
                                " ≈"
                            } else {
                                " *"
                            }
                        }
                        _ => "",
                    };
                    if e.n >= 2 {
                        format!(
                            "{} [{}–{}]{mark}",
                            num(e.median),
                            num(e.ci_low),
                            num(e.ci_high)
                        )
                    } else {
                        format!("{}{mark}", num(e.median))
                    }
                }
            };
            row.push(text);
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                let pad = w - cell.chars().count();
                if i == 0 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    // Ratios to the baseline on the first column.
    if let Some(first) = cols.first() {
        let base = s
            .cells
            .iter()
            .find(|c| c.contender == baseline)
            .map(|c| c.values(first.metric));
        if let Some(base) = base.filter(|b| !b.is_empty()) {
            let parts: Vec<String> = s
                .cells
                .iter()
                .filter(|c| c.contender != baseline)
                .filter_map(|c| {
                    let r = stats::ratio(&c.values(first.metric), &base, results.seed)?;
                    let sign = match r.against_one() {
                        Verdict::Same if r.n >= 2 => "≈ ",
                        _ => "",
                    };
                    Some(format!("{} {sign}{:.2}×", c.contender, r.median))
                })
                .collect();
            if !parts.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} vs {baseline}: {}",
                    first.heading,
                    parts.join(", ")
                );
            }
        }
    }
    for cell in &s.cells {
        for w in &cell.warnings {
            let _ = writeln!(out, "  ! {}: {w}", cell.contender);
        }
    }
    out.push('\n');
    out
}

/// Every scenario's table.
pub fn render(results: &Results, baseline: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "shootout {} run, {} trial(s) per cell, service on CPUs {}, generator and upstream on CPUs {}",
        results.mode, results.trials, results.service_cpus, results.generator_cpus
    );
    let _ = writeln!(
        out,
        "median [95% bootstrap interval]; * best, ≈ best but inside the noise; (!) cell had failures\n"
    );
    for c in results.contenders.iter().filter(|c| c.skipped.is_some()) {
        let _ = writeln!(
            out,
            "skipped {}: {}",
            c.name,
            c.skipped.as_deref().unwrap_or("")
        );
    }
    for s in &results.scenarios {
        out.push_str(&scenario_table(results, s, baseline));
    }
    out
}
