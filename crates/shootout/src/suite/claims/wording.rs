//! The words of a check's evidence line: numbers as the ledger prints
//! them, the interval and what it stands on, the band that decided.

use super::rule::{Band, By, Decision, RunMeasure};
use crate::stats::interval::Interval;

/// A number with the digits that matter at its size.
pub fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// The interval the decision used, with its real coverage (` [lo, hi] (…)`),
/// or what stands in for one.
pub fn interval(d: &Decision, band: Band, runs: &[RunMeasure], ratio: bool) -> String {
    let m = d.measure;
    let shown = |i: &Interval| format!("[{}, {}]", fmt_num(i.low), fmt_num(i.high));
    match (d.by, &d.interval) {
        (By::Runs, Some(i)) => format!(
            " {} (95% t-interval over {} runs{})",
            shown(i),
            runs.len(),
            if matches!(band, Band::Log(_)) && m > 0.0 {
                ", log scale"
            } else {
                ""
            }
        ),
        (_, Some(i)) if runs.len() == 1 => {
            let n = runs[0].trials;
            if ratio {
                format!(
                    " ({n} trials: ≥{:.0}% interval {})",
                    i.coverage * 100.0,
                    shown(i)
                )
            } else {
                format!(
                    " ({n} trials: {:.0}% interval {})",
                    i.coverage * 100.0,
                    shown(i)
                )
            }
        }
        (_, Some(i)) => format!(" (runs range {})", shown(i)),
        (_, None) if runs.len() == 1 && runs[0].trials < 2 => " (1 trial: no interval)".into(),
        (_, None) => String::new(),
    }
}

/// The band, where the band decided.
pub fn band(d: &Decision, band: Band) -> String {
    match d.by {
        By::Band if !band.describe().is_empty() => format!(", {}", band.describe()),
        _ => String::new(),
    }
}

/// What decided, as the results name it.
pub fn decided_by(by: By) -> &'static str {
    match by {
        By::Runs => "runs",
        By::Band => "band",
        By::EveryRun => "every-run",
    }
}
