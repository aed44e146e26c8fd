//! The per-scenario summary tables: computed once as a [`Table`], rendered as
//! terminal text here and as Markdown and HTML by their modules, so `run`,
//! `report` and every format show the same numbers.

use std::fmt::Write;

use crate::suite::results::{Results, ScenarioResult};
use crate::suite::stats::{self, Verdict};

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

pub fn num(v: f64) -> String {
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

/// One table cell: the text and whether it is the column's best.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub best: bool,
    /// Best, but inside the noise of the runner-up.
    pub tie: bool,
}

/// A scenario's table, before it is rendered as text, Markdown or HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    /// First cell of each row is the contender (with " (!)" when marked).
    pub rows: Vec<Vec<Cell>>,
    /// Ratio line to the baseline, if any.
    pub baseline: Option<String>,
    /// Cell warnings, `contender: text`.
    pub warnings: Vec<String>,
}

/// One scenario as a table: median [95% interval] per cell, the column's
/// winner, `≈` where the best is inside the noise of the runner-up, and the
/// ratio of the first column to the baseline.
pub fn scenario_table(results: &Results, s: &ScenarioResult, baseline: &str) -> Option<Table> {
    let cols = columns(s);
    if cols.is_empty() || s.cells.is_empty() {
        return None;
    }
    let headers = std::iter::once("contender".to_owned())
        .chain(cols.iter().map(|c| c.heading.to_owned()))
        .collect();
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
            if ranked.iter().all(|r| r.1 == ranked[0].1) {
                return None; // all equal: no winner to show
            }
            if ranked[0].1 == ranked[1].1 {
                return Some((best.to_owned(), true));
            }
            let values = |n: &str| {
                s.cells
                    .iter()
                    .find(|x| x.contender == n)
                    .map(|x| x.values(c.metric))
                    .unwrap_or_default()
            };
            let tie = stats::ratio(&values(best), &values(second), results.seed)
                .is_some_and(|r| r.n >= 2 && r.against_one() == Verdict::Same);
            Some((best.to_owned(), tie))
        })
        .collect();
    let rows = s
        .cells
        .iter()
        .map(|cell| {
            let name = format!(
                "{}{}",
                cell.contender,
                if cell.marked { " (!)" } else { "" }
            );
            std::iter::once(Cell {
                text: name,
                best: false,
                tie: false,
            })
            .chain(
                cols.iter()
                    .zip(&winners)
                    .map(|(c, w)| match cell.summary.get(c.metric) {
                        None => Cell {
                            text: "-".into(),
                            best: false,
                            tie: false,
                        },
                        Some(e) => {
                            let (best, tie) = match w {
                                Some((name, tie)) if name == &cell.contender => (true, *tie),
                                _ => (false, false),
                            };
                            let text = if e.n >= 2 {
                                format!("{} [{}–{}]", num(e.median), num(e.ci_low), num(e.ci_high))
                            } else {
                                num(e.median)
                            };
                            Cell { text, best, tie }
                        }
                    }),
            )
            .collect()
        })
        .collect();
    let baseline_line = cols.first().and_then(|first| {
        let base = s
            .cells
            .iter()
            .find(|c| c.contender == baseline)?
            .values(first.metric);
        if base.is_empty() {
            return None;
        }
        let parts: Vec<String> = s
            .cells
            .iter()
            .filter(|c| c.contender != baseline)
            .filter_map(|c| {
                let r = stats::ratio(&c.values(first.metric), &base, results.seed)?;
                let same = r.n >= 2 && r.against_one() == Verdict::Same;
                Some(format!(
                    "{} {}{:.2}×",
                    c.contender,
                    if same { "≈ " } else { "" },
                    r.median
                ))
            })
            .collect();
        (!parts.is_empty())
            .then(|| format!("{} vs {baseline}: {}", first.heading, parts.join(", ")))
    });
    let warnings = s
        .cells
        .iter()
        .flat_map(|c| {
            c.warnings
                .iter()
                .map(move |w| format!("{}: {w}", c.contender))
        })
        .collect();
    Some(Table {
        headers,
        rows,
        baseline: baseline_line,
        warnings,
    })
}

/// The table as aligned plain text; `style` decorates the best cells.
pub fn text(t: &Table, style: &super::terminal::Style) -> String {
    let cells: Vec<Vec<String>> = std::iter::once(t.headers.clone())
        .chain(t.rows.iter().map(|r| {
            r.iter()
                .map(|c| {
                    format!(
                        "{}{}",
                        c.text,
                        if c.best {
                            if c.tie { " ≈" } else { " *" }
                        } else {
                            ""
                        }
                    )
                })
                .collect()
        }))
        .collect();
    let widths: Vec<usize> = (0..cells[0].len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (ri, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                let pad = " ".repeat(w - cell.chars().count());
                let best = ri > 0 && t.rows[ri - 1][i].best && !t.rows[ri - 1][i].tie;
                let cell = if best {
                    style.bold(cell)
                } else if ri == 0 {
                    style.dim(cell)
                } else {
                    cell.clone()
                };
                if i == 0 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        let _ = writeln!(out, "  {}", line.join("  ").trim_end());
    }
    if let Some(b) = &t.baseline {
        let _ = writeln!(out, "  {b}");
    }
    for w in &t.warnings {
        let _ = writeln!(out, "  {} {w}", style.warn("!"));
    }
    out
}

/// Every scenario's table, for the terminal.
pub fn render(results: &Results, baseline: &str, style: &super::terminal::Style) -> String {
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
        let _ = writeln!(out, "{} — {}", style.bold(&s.name), s.description);
        match scenario_table(results, s, baseline) {
            Some(t) => out.push_str(&text(&t, style)),
            None => out.push_str("  (no measurements)\n"),
        }
        out.push('\n');
    }
    out
}
