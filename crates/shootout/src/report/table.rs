//! The per-scenario summary tables: computed once as a [`Table`], rendered as
//! terminal text here and as Markdown and HTML by their modules, so `run`,
//! `report` and every format show the same numbers.

use std::fmt::Write;

use crate::suite::compare;
use crate::suite::metric::{MetricKey, Unit};
use crate::suite::results::{Results, ScenarioResult};

pub fn num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1000.0 {
        crate::units::thousands(v.round() as u64)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A count or a yes/no: written whole, compared as a difference.
fn is_count(key: MetricKey) -> bool {
    matches!(key.spec().unit, Unit::Count | Unit::Flag)
}

/// A cell's figure: a whole count as an integer (`12`, not `12.00`).
pub fn figure(v: f64, key: MetricKey) -> String {
    if is_count(key) && v.is_finite() && v.fract() == 0.0 {
        crate::units::thousands(v.abs() as u64)
    } else {
        num(v)
    }
}

/// A count's difference from the reference: `+3`, `−2`, `0`.
fn difference(d: f64, key: MetricKey) -> String {
    match d {
        d if d > 0.0 => format!("+{}", figure(d, key)),
        d if d < 0.0 => format!("−{}", figure(-d, key)),
        _ => "0".into(),
    }
}

/// One table cell: the text and whether it is the column's best.
#[derive(Debug, Clone, PartialEq)]
pub struct TableCell {
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
    pub rows: Vec<Vec<TableCell>>,
    /// Ratio line to the baseline, if any.
    pub baseline: Option<String>,
    /// Cell warnings, `contender: text`.
    pub warnings: Vec<String>,
}

/// One scenario as a table: median [order-statistics interval] per cell, the column's
/// winner, `≈` where the best is inside the noise of the runner-up, and the
/// ratio of the headline metric to the baseline: all computed by the suite
/// (`suite::compare`), only looked up here.
pub fn scenario_table(s: &ScenarioResult, baseline: &str) -> Option<Table> {
    let cols = compare::columns(s);
    if cols.is_empty() || s.cells.is_empty() {
        return None;
    }
    let headers = std::iter::once("contender".to_owned())
        .chain(cols.iter().map(|c| c.heading()))
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
            std::iter::once(TableCell {
                text: name,
                best: false,
                tie: false,
            })
            .chain(cols.iter().map(|key| match cell.summary.get(key) {
                None => TableCell {
                    text: "-".into(),
                    best: false,
                    tie: false,
                },
                Some(e) => {
                    let rank = s
                        .rankings
                        .iter()
                        .find(|r| r.metric == *key && r.best == cell.contender);
                    let text = match cell.median_interval(*key) {
                        Some(i) if i.low != i.high => format!(
                            "{} [{}–{}]",
                            figure(e.median, *key),
                            figure(i.low, *key),
                            figure(i.high, *key)
                        ),
                        _ => figure(e.median, *key),
                    };
                    TableCell {
                        text,
                        best: rank.is_some(),
                        tie: rank.is_some_and(|r| r.tie),
                    }
                }
            }))
            .collect()
        })
        .collect();
    let baseline_line = compare::headline(s).and_then(|key| {
        if is_count(key) {
            return count_line(s, key, baseline);
        }
        let parts: Vec<String> = s
            .ratios
            .iter()
            .filter(|r| r.b == baseline && r.metric == key)
            .map(|r| {
                format!(
                    "{} {}{:.2}×",
                    r.a,
                    if r.same { "≈ " } else { "" },
                    r.ratio.median
                )
            })
            .collect();
        (!parts.is_empty())
            .then(|| format!("{} vs {baseline}: {}", key.heading(), parts.join(", ")))
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

/// A count headline compared with the reference as a difference of the
/// cells' figures (`errors minus go-nethttp's: node-fastify +3`): a ratio
/// of counts says nothing when one is 0.
fn count_line(s: &ScenarioResult, key: MetricKey, baseline: &str) -> Option<String> {
    let figure_of = |c: &crate::suite::results::CellResult| c.summary.get(&key).map(|e| e.median);
    let reference = figure_of(s.cells.iter().find(|c| c.contender == baseline)?)?;
    let parts: Vec<String> = s
        .cells
        .iter()
        .filter(|c| c.contender != baseline)
        .filter_map(|c| {
            figure_of(c).map(|v| format!("{} {}", c.contender, difference(v - reference, key)))
        })
        .collect();
    (!parts.is_empty())
        .then(|| format!("{} minus {baseline}'s: {}", key.heading(), parts.join(", ")))
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
    let widths = crate::text::widths(&cells);
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
        "shootout {} run, {} per cell, service on CPUs {}, generator and upstream on CPUs {}",
        results.mode,
        super::trials(results.trials),
        results.service_cpus,
        results.generator_cpus
    );
    let _ = writeln!(
        out,
        "{}; * best, ≈ best but inside the noise; (!) cell had failures{}\n",
        super::interval_note(results.trials),
        if results.trials < 2 {
            " (≈ uses each metric's noise band, docs/noise.md)"
        } else {
            ""
        }
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
        out.push_str(&scenario_text(s, baseline, style));
        out.push('\n');
    }
    out
}

/// One scenario's heading and table, for the terminal.
pub fn scenario_text(s: &ScenarioResult, baseline: &str, style: &super::terminal::Style) -> String {
    let mut out = format!("{} — {}\n", style.bold(&s.name), s.description);
    match scenario_table(s, baseline) {
        Some(t) => out.push_str(&text(&t, style)),
        None => out.push_str("  (no measurements)\n"),
    }
    out
}
