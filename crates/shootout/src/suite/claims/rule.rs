//! The decision rule, one for every case (docs/claims.md, "The rule"):
//!
//! - **3 or more independent runs**: the 95% t-interval over the runs'
//!   measures, on the log scale (an additive metric: on its own scale),
//!   decides. The noise band is not needed: the runs carry the run-to-run
//!   variation themselves.
//! - **1 or 2 runs**: the measure (the geometric mean of the runs'
//!   measures) must clear the threshold by more than the metric's noise band
//!   (log-symmetric m/(1+b) … m·(1+b), or m ± x for an additive band), and
//!   every run's within-run interval, where it has one, must clear it too.
//! - **exact metrics** (sizes, counts): every run must clear it.
//!
//! Anything else is INCONCLUSIVE.

use crate::stats::interval::{self, Interval};
use crate::suite::verdict::ClaimVerdict;

/// Independent runs from which the interval over runs decides.
pub const MIN_RUNS_FOR_INTERVAL: usize = 3;

/// The noise band of a check's measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// m/(1 + b) … m·(1 + b).
    Log(f64),
    /// m − x … m + x.
    Additive(f64),
    /// The same inputs give the same number.
    Exact,
}

impl Band {
    /// The band of a ratio of two measures with this band each: their
    /// spreads add in quadrature on the log scale, (1 + b)^√2.
    pub fn of_ratio(self) -> Self {
        match self {
            Band::Log(b) => Band::Log((1.0 + b).powf(std::f64::consts::SQRT_2) - 1.0),
            // An absolute band says nothing about a ratio's spread.
            Band::Additive(_) => Band::Log(f64::INFINITY),
            Band::Exact => Band::Exact,
        }
    }

    /// `m` widened by the band.
    pub fn around(self, m: f64) -> (f64, f64) {
        match self {
            Band::Log(b) if m > 0.0 => (m / (1.0 + b), m * (1.0 + b)),
            Band::Log(b) if b.is_infinite() => (f64::NEG_INFINITY, f64::INFINITY),
            Band::Log(_) | Band::Exact => (m, m),
            Band::Additive(x) => (m - x, m + x),
        }
    }

    /// `×/÷1.43`, `±30`, or empty.
    pub fn describe(self) -> String {
        match self {
            Band::Log(b) if b.is_infinite() => "noise band unbounded".into(),
            Band::Log(b) => format!("noise band ×/÷{:.2}", 1.0 + b),
            Band::Additive(x) => format!("noise band ±{x}"),
            Band::Exact => String::new(),
        }
    }
}

/// One run's measure, with its within-run interval when it has one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunMeasure {
    pub value: f64,
    pub within: Option<Interval>,
    /// Trials behind it (of the check's first contender).
    pub trials: usize,
}

/// How a decision was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// The 95% interval over 3 or more runs.
    Runs,
    /// The noise band (1 or 2 runs).
    Band,
    /// Every run (an exact metric).
    EveryRun,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: ClaimVerdict,
    /// The pooled measure: the geometric mean of the runs' measures (the
    /// arithmetic mean when one is not positive; the median for an exact
    /// metric).
    pub measure: f64,
    /// The interval the rule used: over runs (3+), the one run's within-run
    /// interval, or the range of the runs (exact, or 2 runs; coverage not
    /// stated then: NaN).
    pub interval: Option<Interval>,
    pub by: By,
    /// The decision range, in the units compared: every value the rule
    /// lets the measure take (the interval over runs; the noise band around
    /// the measure, widened to cover each run's within-run interval; the
    /// runs' range for an exact metric). The check is decided exactly when
    /// the whole range lies on one side of the threshold.
    pub range: (f64, f64),
}

/// Where `(low, high)` lies against `threshold`.
fn side(low: f64, high: f64, threshold: f64, at_least: bool) -> ClaimVerdict {
    match at_least {
        true if low >= threshold => ClaimVerdict::Supported,
        true if high < threshold => ClaimVerdict::Refuted,
        false if high <= threshold => ClaimVerdict::Supported,
        false if low > threshold => ClaimVerdict::Refuted,
        _ => ClaimVerdict::Inconclusive,
    }
}

/// The rule. `None` without a finite measure.
pub fn decide(runs: &[RunMeasure], threshold: f64, at_least: bool, band: Band) -> Option<Decision> {
    let values: Vec<f64> = runs
        .iter()
        .map(|r| r.value)
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() || values.len() != runs.len() {
        return None;
    }
    let (min, max) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let runs_range = |n: usize| {
        (n > 1).then_some(Interval {
            low: min,
            high: max,
            coverage: f64::NAN,
        })
    };
    if band == Band::Exact {
        return Some(Decision {
            verdict: side(min, max, threshold, at_least),
            measure: crate::stats::bootstrap::median(&values),
            interval: runs_range(values.len()),
            by: By::EveryRun,
            range: (min, max),
        });
    }
    let log = matches!(band, Band::Log(_)) && values.iter().all(|v| *v > 0.0);
    let measure = if log {
        interval::center(&values)
    } else {
        interval::mean_sd(&values).0
    };
    if values.len() >= MIN_RUNS_FOR_INTERVAL {
        let over_runs = if log {
            interval::log_t_interval(&values)
        } else {
            interval::t_interval(&values)
        }?;
        return Some(Decision {
            verdict: side(over_runs.low, over_runs.high, threshold, at_least),
            measure,
            interval: Some(over_runs),
            by: By::Runs,
            range: (over_runs.low, over_runs.high),
        });
    }
    let (low, high) = band.around(measure);
    let mut verdict = side(low, high, threshold, at_least);
    let mut range = (low, high);
    for w in runs.iter().filter_map(|r| r.within) {
        if side(w.low, w.high, threshold, at_least) != verdict {
            verdict = ClaimVerdict::Inconclusive;
        }
        range = (range.0.min(w.low), range.1.max(w.high));
    }
    let shown = match runs {
        [one] => one.within,
        _ => runs_range(values.len()),
    };
    Some(Decision {
        verdict,
        measure,
        interval: shown,
        by: By::Band,
        range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: f64) -> RunMeasure {
        RunMeasure {
            value,
            within: None,
            trials: 1,
        }
    }

    #[test]
    fn a_log_band_lets_an_at_most_check_be_refuted() {
        // ±100% as a spread d = 0.5: ×/÷2. 30 against at_most 10: 30/2 > 10.
        let band = Band::Log(1.0);
        let d = decide(&[one(30.0)], 10.0, false, band).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Refuted);
        let d = decide(&[one(15.0)], 10.0, false, band).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Inconclusive);
        let d = decide(&[one(4.0)], 10.0, false, band).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Supported);
    }

    #[test]
    fn a_tight_within_run_interval_inside_the_band_is_not_enough() {
        let run = RunMeasure {
            value: 1.05,
            within: Some(Interval {
                low: 1.04,
                high: 1.06,
                coverage: 0.75,
            }),
            trials: 3,
        };
        let d = decide(&[run], 1.0, true, Band::Log(0.2)).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Inconclusive);
        assert_eq!(d.by, By::Band);
    }

    #[test]
    fn three_runs_decide_by_their_interval_alone() {
        let runs = [one(1.10), one(1.12), one(1.11)];
        let d = decide(&runs, 1.0, true, Band::Log(0.5)).unwrap();
        assert_eq!((d.verdict, d.by), (ClaimVerdict::Supported, By::Runs));
        let spread = [one(0.8), one(1.3), one(1.1)];
        let d = decide(&spread, 1.0, true, Band::Log(0.01)).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Inconclusive);
    }

    /// The range the reports print decides exactly as the rule does: the
    /// verdict is the side of the threshold the whole range lies on.
    #[test]
    fn the_decision_range_gives_the_verdict() {
        let within = |lo: f64, hi: f64| RunMeasure {
            value: (lo * hi).sqrt(),
            within: Some(Interval {
                low: lo,
                high: hi,
                coverage: 0.75,
            }),
            trials: 3,
        };
        let cases: Vec<Vec<RunMeasure>> = vec![
            vec![one(1.5)],
            vec![one(0.5)],
            vec![within(1.0, 1.2)],
            vec![within(0.6, 1.9)],
            vec![within(1.4, 1.6), one(1.5)],
            vec![one(1.1), one(1.2), one(1.15)],
            vec![one(0.4), one(1.3), one(2.0)],
        ];
        for runs in &cases {
            for band in [Band::Log(0.2), Band::Additive(0.1), Band::Exact] {
                for t in [0.3, 0.9, 1.0, 1.1, 1.3, 1.7, 2.5] {
                    for at_least in [true, false] {
                        let d = decide(runs, t, at_least, band).unwrap();
                        let (lo, hi) = d.range;
                        assert!(lo <= d.measure && d.measure <= hi, "{d:?}");
                        assert_eq!(
                            side(lo, hi, t, at_least),
                            d.verdict,
                            "{runs:?} {band:?} t={t} at_least={at_least}: {d:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn additive_and_exact_bands() {
        let d = decide(&[one(0.2)], 10.0, false, Band::Additive(5.0)).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Supported);
        let d = decide(&[one(8.0)], 10.0, false, Band::Additive(5.0)).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Inconclusive);
        let d = decide(&[one(0.0), one(1.0)], 0.0, false, Band::Exact).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Inconclusive);
        let d = decide(&[one(1.0), one(1.0)], 0.0, false, Band::Exact).unwrap();
        assert_eq!(d.verdict, ClaimVerdict::Refuted);
    }
}
