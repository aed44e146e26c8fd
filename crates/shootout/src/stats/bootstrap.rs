//! The bootstrap over repeated trials: the median with a 95% percentile
//! bootstrap confidence interval (Efron & Tibshirani, "An Introduction to the
//! Bootstrap", ch. 13), the same for a ratio of two medians (each sample
//! resampled independently), and the coefficient of variation.
//!
//! With few trials the interval is wide, and that is the point: a difference
//! inside it is reported as "≈", never as a win.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Bootstrap resamples.
const RESAMPLES: usize = 2000;

/// A median and its interval. Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Estimate {
    /// Trials behind it.
    pub n: usize,
    pub median: f64,
    /// 95% bootstrap interval; equal to the median for a single trial.
    pub ci_low: f64,
    pub ci_high: f64,
    /// Coefficient of variation (sample stdev / mean); null for one trial.
    pub cv: Option<f64>,
    /// CV above 5%: the cell is noisy.
    pub noisy: bool,
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn resample(values: &[f64], rng: &mut Rng, out: &mut Vec<f64>) {
    out.clear();
    for _ in 0..values.len() {
        out.push(values[rng.range(0, values.len() as u64 - 1) as usize]);
    }
}

fn percentile_interval(mut stats: Vec<f64>) -> (f64, f64) {
    stats.sort_by(f64::total_cmp);
    let at = |q: f64| stats[((q * (stats.len() - 1) as f64).round() as usize).min(stats.len() - 1)];
    (at(0.025), at(0.975))
}

fn cv(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64;
    (mean != 0.0).then(|| var.sqrt() / mean.abs())
}

/// The median of `values` with its 95% bootstrap interval. `None` when empty.
pub fn estimate(values: &[f64], seed: u64) -> Option<Estimate> {
    let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    let m = median(&values);
    let (ci_low, ci_high) = if values.len() == 1 {
        (m, m)
    } else {
        let mut rng = Rng::new(seed);
        let mut buf = Vec::with_capacity(values.len());
        let stats = (0..RESAMPLES)
            .map(|_| {
                resample(&values, &mut rng, &mut buf);
                median(&buf)
            })
            .collect();
        percentile_interval(stats)
    };
    let cv = cv(&values);
    Some(Estimate {
        n: values.len(),
        median: m,
        ci_low,
        ci_high,
        cv,
        noisy: cv.is_some_and(|c| c > 0.05),
    })
}

/// The sum of `values` as a point estimate: for counts of bad events, where
/// any trial's count matters. `None` when empty.
pub fn total(values: &[f64]) -> Option<Estimate> {
    let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    let sum = values.iter().sum();
    Some(Estimate {
        n: values.len(),
        median: sum,
        ci_low: sum,
        ci_high: sum,
        cv: None,
        noisy: false,
    })
}

/// median(a) / median(b) with a 95% bootstrap interval. Non-finite values
/// are left out, as in [`estimate`]. `None` when either is empty or b's
/// median is zero.
pub fn ratio(a: &[f64], b: &[f64], seed: u64) -> Option<Estimate> {
    let finite = |v: &[f64]| -> Vec<f64> { v.iter().copied().filter(|x| x.is_finite()).collect() };
    let (a, b) = (&finite(a)[..], &finite(b)[..]);
    let (ma, mb) = (median(a), median(b));
    if a.is_empty() || b.is_empty() || mb == 0.0 || !ma.is_finite() || !mb.is_finite() {
        return None;
    }
    let point = ma / mb;
    let (ci_low, ci_high) = if a.len() == 1 && b.len() == 1 {
        (point, point)
    } else {
        let mut rng = Rng::new(seed);
        let (mut ba, mut bb) = (Vec::new(), Vec::new());
        let stats = (0..RESAMPLES)
            .filter_map(|_| {
                resample(a, &mut rng, &mut ba);
                resample(b, &mut rng, &mut bb);
                let d = median(&bb);
                (d != 0.0).then(|| median(&ba) / d)
            })
            .collect::<Vec<_>>();
        if stats.is_empty() {
            return None;
        }
        percentile_interval(stats)
    };
    Some(Estimate {
        n: a.len().min(b.len()),
        median: point,
        ci_low,
        ci_high,
        cv: None,
        noisy: false,
    })
}

/// How a ratio's interval sits against 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The interval lies above 1.
    Higher,
    /// The interval lies below 1.
    Lower,
    /// The interval contains 1: inside the noise.
    Same,
}

impl Estimate {
    pub fn against_one(&self) -> Against {
        if self.ci_low > 1.0 {
            Against::Higher
        } else if self.ci_high < 1.0 {
            Against::Lower
        } else {
            Against::Same
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_values_have_a_point_interval() {
        let e = estimate(&[42.0], 1).unwrap();
        assert_eq!(
            (e.median, e.ci_low, e.ci_high, e.cv),
            (42.0, 42.0, 42.0, None)
        );
        assert!(estimate(&[], 1).is_none());
    }

    #[test]
    fn bootstrap_interval_of_known_data() {
        // 1..=21: the median is 11, and the bootstrap distribution of the
        // median of 21 draws is concentrated around it, well inside [6, 16].
        let values: Vec<f64> = (1..=21).map(f64::from).collect();
        let e = estimate(&values, 7).unwrap();
        assert_eq!(e.median, 11.0);
        assert!(e.ci_low >= 6.0 && e.ci_low < 11.0, "{e:?}");
        assert!(e.ci_high <= 16.0 && e.ci_high > 11.0, "{e:?}");
        // Same seed, same interval: reports are reproducible.
        assert_eq!(estimate(&values, 7), Some(e.clone()));
        // Constant data has no spread at all.
        let c = estimate(&[5.0, 5.0, 5.0], 1).unwrap();
        assert_eq!((c.ci_low, c.ci_high, c.cv), (5.0, 5.0, Some(0.0)));
    }

    #[test]
    fn noise_is_flagged_above_five_percent() {
        assert!(!estimate(&[100.0, 101.0, 99.0], 1).unwrap().noisy);
        assert!(estimate(&[100.0, 120.0, 80.0], 1).unwrap().noisy);
    }

    #[test]
    fn ratios_inside_the_noise_are_the_same() {
        let a = [100.0, 102.0, 98.0, 101.0, 99.0];
        let clearly_faster = [200.0, 204.0, 196.0, 202.0, 198.0];
        let r = ratio(&clearly_faster, &a, 3).unwrap();
        assert!((r.median - 2.0).abs() < 1e-9);
        assert_eq!(r.against_one(), Against::Higher);
        assert_eq!(
            ratio(&a, &clearly_faster, 3).unwrap().against_one(),
            Against::Lower
        );
        let overlapping = [99.0, 103.0, 97.0, 100.0, 102.0];
        assert_eq!(
            ratio(&overlapping, &a, 3).unwrap().against_one(),
            Against::Same
        );
        assert!(ratio(&a, &[0.0], 3).is_none());
        // Non-finite values are left out, as by `estimate`.
        let with_nan = [100.0, f64::NAN, 102.0, 98.0, 101.0, 99.0];
        assert_eq!(ratio(&with_nan, &a, 3).unwrap().median, 1.0);
        assert!(ratio(&[f64::INFINITY], &a, 3).is_none());
    }
}
