//! The words of a check's evidence line and of a claim's conclusion:
//! numbers in the units compared (a ratio's ×, or the metric's unit), the
//! interval and what it stands on, the decision range the rule judged and
//! the threshold. Every sentence is built from the check's data here; none
//! is written by hand per claim.

use super::rule::{Band, By, Decision, RunMeasure};
use crate::stats::interval::Interval;
use crate::suite::metric::Unit;
use crate::suite::verdict::{Check, ClaimVerdict, Evidence};

/// A number with the digits that matter at its size.
pub fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "∞" } else { "−∞" }.into();
    }
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// How a check's numbers are written: as a ratio (`0.42×`) when it
/// compares two contenders, else in its metric's unit (`4.02 MB`, `12`).
#[derive(Debug, Clone, Copy)]
pub struct Units {
    unit: Unit,
    ratio: bool,
}

impl Units {
    pub fn of(k: &Check) -> Self {
        Self {
            unit: k.metric.spec().unit,
            ratio: k.b.is_some(),
        }
    }

    /// A count or a yes/no: whole numbers are written whole.
    fn whole(self) -> bool {
        !self.ratio && matches!(self.unit, Unit::Count | Unit::Flag)
    }

    /// The number alone: `12` for a count, else [`fmt_num`].
    fn bare(self, v: f64) -> String {
        if self.whole() && v.is_finite() && v.fract() == 0.0 {
            format!("{}", v as i64)
        } else {
            fmt_num(v)
        }
    }

    /// What follows a number: `×`, `%`, `/s`, ` ms`, …
    fn suffix(self) -> &'static str {
        if self.ratio {
            return "×";
        }
        match self.unit {
            Unit::Ratio => "×",
            Unit::Percent => "%",
            Unit::PerSecond => "/s",
            Unit::Milliseconds => " ms",
            Unit::Seconds => " s",
            Unit::Megabytes => " MB",
            Unit::Kibibytes => " KiB",
            Unit::Fraction => " of its CPUs",
            Unit::Count | Unit::Flag => "",
        }
    }

    /// One value with its unit: `0.42×`, `4.02 MB`, `12`, `yes`.
    pub fn one(self, v: f64) -> String {
        if !self.ratio && self.unit == Unit::Flag && (v == 0.0 || v == 1.0) {
            return if v == 1.0 { "yes" } else { "no" }.into();
        }
        format!("{}{}", self.bare(v), self.suffix())
    }

    /// A range with its unit once: `0.31–0.58×`, `2.60–6.70 ms`, `−29.83
    /// to 30.17%` (a dash beside a minus sign would misread).
    pub fn range(self, low: f64, high: f64) -> String {
        if low == high {
            return self.one(low);
        }
        let sign = |v: f64| self.bare(v).replacen('-', "−", 1);
        let to = if low < 0.0 || high < 0.0 {
            " to "
        } else {
            "–"
        };
        format!("{}{to}{}{}", sign(low), sign(high), self.suffix())
    }

    /// What SUPPORTED needs: `≥ 0.70×`, `≤ 20.00 MB`, or `no` for a flag.
    pub fn needs(self, threshold: f64, at_least: bool) -> String {
        let flag = !self.ratio && self.unit == Unit::Flag;
        match (flag, at_least, threshold) {
            (true, false, 0.0) => "no".into(),
            (true, true, 1.0) => "yes".into(),
            _ => format!(
                "{} {}",
                if at_least { "≥" } else { "≤" },
                self.one(threshold)
            ),
        }
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

/// The decision range with how the rule made it: `decision range
/// 0.49–1.36× (noise band ×/÷1.66)`; `exact` where nothing varies.
pub fn decision_range(d: &Decision, band: Band, units: Units) -> String {
    let (low, high) = d.range;
    if low == high {
        return format!("exact {}", units.one(low));
    }
    let how = match d.by {
        By::Runs => "the 95% interval over runs".to_owned(),
        By::EveryRun => "every run".to_owned(),
        By::Band => {
            let (b_low, b_high) = band.around(d.measure);
            if b_low == low && b_high == high {
                band.describe()
            } else {
                format!("{}, widened to the within-run interval", band.describe())
            }
        }
    };
    format!("decision range {} ({how})", units.range(low, high))
}

/// What decided, as the results name it.
pub fn decided_by(by: By) -> &'static str {
    match by {
        By::Runs => "runs",
        By::Band => "band",
        By::EveryRun => "every-run",
    }
}

/// Whose figure a check reads, as the subject of a sentence:
/// `go-nethttp's p99_ms in json`.
fn subject(k: &Check) -> String {
    format!("{} {} in {}", possessive(&k.a), k.metric, k.scenario)
}

/// `go-nethttp's`, `node-workers'`.
fn possessive(name: &str) -> String {
    if name.ends_with('s') {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// A check without data, in one sentence.
pub fn no_data(k: &Check) -> String {
    let against =
        k.b.as_ref()
            .map(|b| format!(" (against {})", possessive(b)))
            .unwrap_or_default();
    format!("{}{against}: no data, so undecided.", subject(k))
}

/// A check in one sentence: the measure, its decision range and what
/// SUPPORTED needs, in the units compared; then why it is undecided, if
/// it is. `undecidable` is a reason the cell cannot decide (a failed trial
/// or sanity check).
pub fn conclusion(
    k: &Check,
    d: &Decision,
    threshold: f64,
    at_least: bool,
    undecidable: Option<&str>,
) -> String {
    let units = Units::of(k);
    let value = match &k.b {
        Some(b) => format!("{} {}", units.one(d.measure), possessive(b)),
        None => units.one(d.measure),
    };
    let (low, high) = d.range;
    let range = if low == high {
        "exact".to_owned()
    } else {
        format!("decision range {}", units.range(low, high))
    };
    let tail = match (d.verdict, undecidable) {
        (_, Some(why)) => format!(": not decided, because {why}"),
        (ClaimVerdict::Inconclusive, None) => {
            ": undecided, the range reaches both sides of the threshold".to_owned()
        }
        _ => String::new(),
    };
    format!(
        "{} is {value} ({range}; SUPPORTED needs {}){tail}.",
        subject(k),
        units.needs(threshold, at_least)
    )
}

/// A claim's verdict in one sentence, from its checks' conclusions: the
/// check that refuted it, the first undecided one, or, when all hold, the
/// one closest to its threshold.
pub fn claim_conclusion(verdict: ClaimVerdict, pending: Option<&str>, ev: &[Evidence]) -> String {
    if let Some(why) = pending {
        return format!("Not measured yet: {}.", why.trim_end_matches('.'));
    }
    let first = |v: ClaimVerdict| ev.iter().find(|e| e.verdict == v);
    let chosen = match verdict {
        ClaimVerdict::Supported if ev.len() > 1 => {
            let closest = ev.iter().min_by(|a, b| {
                let m = |e: &Evidence| e.margin.unwrap_or(f64::INFINITY);
                m(a).total_cmp(&m(b))
            });
            return closest.map_or_else(String::new, |e| {
                format!(
                    "{}, the closest of its {} checks, all of which hold.",
                    e.conclusion.trim_end_matches('.'),
                    ev.len()
                )
            });
        }
        v => first(v).or(ev.first()),
    };
    chosen.map_or_else(String::new, |e| e.conclusion.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::metric::{Metric, MetricKey};

    fn check(metric: Metric, b: Option<&str>) -> Check {
        Check {
            scenario: "json".into(),
            metric: MetricKey::of(metric),
            a: "go".into(),
            b: b.map(Into::into),
            at_least: None,
            at_most: Some(0.8),
            kind: Default::default(),
            history: vec![],
            line: 0,
        }
    }

    fn decision(verdict: ClaimVerdict, measure: f64, range: (f64, f64)) -> Decision {
        Decision {
            verdict,
            measure,
            interval: None,
            by: By::Band,
            range,
        }
    }

    #[test]
    fn a_ratio_is_said_in_times_with_its_decision_range() {
        let k = check(Metric::P99Ms, Some("node"));
        let d = decision(ClaimVerdict::Supported, 0.42, (0.31, 0.58));
        assert_eq!(
            conclusion(&k, &d, 0.8, false, None),
            "go's p99_ms in json is 0.420× node's (decision range 0.310–0.580×; SUPPORTED needs ≤ 0.800×)."
        );
    }

    #[test]
    fn a_single_measure_is_said_in_its_unit_and_counts_whole() {
        let k = check(Metric::P99Ms, None);
        let d = decision(ClaimVerdict::Inconclusive, 12.0, (8.0, 18.0));
        assert_eq!(
            conclusion(&k, &d, 10.0, false, None),
            "go's p99_ms in json is 12.00 ms (decision range 8.00–18.00 ms; SUPPORTED needs ≤ 10.00 ms): undecided, the range reaches both sides of the threshold."
        );
        let k = check(Metric::DepsTransitive, None);
        let d = decision(ClaimVerdict::Refuted, 12.0, (12.0, 12.0));
        assert_eq!(
            conclusion(&k, &d, 3.0, false, None),
            "go's deps_transitive in json is 12 (exact; SUPPORTED needs ≤ 3)."
        );
        let k = check(Metric::NeedsRuntime, None);
        let d = decision(ClaimVerdict::Supported, 0.0, (0.0, 0.0));
        assert_eq!(
            conclusion(&k, &d, 0.0, false, None),
            "go's needs_runtime in json is no (exact; SUPPORTED needs no)."
        );
    }

    #[test]
    fn a_range_across_zero_says_to_and_names_end_in_an_apostrophe() {
        let k = check(Metric::RssDriftAbsPct, Some("node-workers"));
        let k = Check {
            b: None,
            a: "node-workers".into(),
            ..k
        };
        let d = decision(ClaimVerdict::Inconclusive, 0.17, (-29.83, 30.17));
        let s = conclusion(&k, &d, 10.0, false, None);
        assert!(
            s.starts_with("node-workers' rss_drift_abs_pct in json is 0.170% (decision range −29.83 to 30.17%;"),
            "{s}"
        );
    }

    #[test]
    fn an_unusable_cell_says_why() {
        let k = check(Metric::RequestsPerS, Some("node"));
        let d = decision(ClaimVerdict::Supported, 1.5, (1.2, 1.9));
        let s = conclusion(&k, &d, 1.0, true, Some("node's json cell had 3 errors"));
        assert!(
            s.ends_with(": not decided, because node's json cell had 3 errors."),
            "{s}"
        );
    }
}
