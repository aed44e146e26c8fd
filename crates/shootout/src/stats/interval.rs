//! Intervals for small samples, each with the coverage it really has.
//!
//! - [`median_interval`]: the distribution-free interval of a median from
//!   order statistics (as benchstat computes it). Its coverage is exact for
//!   any continuous distribution but comes in steps: with 3 values the best
//!   it can do is [min, max] at 75%, with 5 values 93.75%, with 6 96.9%.
//!   It is never called 95% when it is not.
//! - [`t_interval`]: Student's t-interval of a mean, used on the log scale
//!   over independent runs (Kalibera & Jones, ISMM 2013: the degrees of
//!   freedom come from the runs). It reaches its nominal 95% with 3 runs
//!   when run-level values are lognormal, where a bootstrap of 3 values
//!   cannot (its percentile interval of a median is [min, max], 75%).

/// The 97.5% quantile of Student's t with `df` degrees of freedom (a 95%
/// two-sided interval); the normal's 1.96 beyond 30.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => 1.96,
    }
}

/// An interval with the probability it covers the true value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// 0.95 for a 95% interval; the exact figure when it is not.
    pub coverage: f64,
}

/// P(X ≤ k) for X ~ Binomial(n, 1/2).
fn binomial_half_cdf(n: usize, k: usize) -> f64 {
    let mut c = 1.0f64; // C(n, 0)
    let mut sum = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            c = c * (n - i + 1) as f64 / i as f64;
        }
        sum += c;
    }
    sum / 2f64.powi(n as i32)
}

/// The order-statistics interval of the median of `values`: the narrowest
/// [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] whose coverage is at least 95%, or [min, max] with its
/// lower coverage when there are too few values for 95%. `None` under 2
/// finite values.
pub fn median_interval(values: &[f64]) -> Option<Interval> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // Coverage of [x(k), x(n-k+1)] (1-based k) is 1 − 2·P(X ≤ k−1).
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_cdf(n, k - 1);
    let mut k = 1;
    while k < n / 2 && coverage(k + 1) >= 0.95 {
        k += 1;
    }
    Some(Interval {
        low: v[k - 1],
        high: v[n - k],
        coverage: coverage(k),
    })
}

/// Mean and sample standard deviation.
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// The 95% t-interval of the mean of `values` (which must be independent
/// units). `None` under 2 values.
pub fn t_interval(values: &[f64]) -> Option<Interval> {
    if values.len() < 2 || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let (mean, sd) = mean_sd(values);
    let half = t975(values.len() - 1) * sd / (values.len() as f64).sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
        coverage: 0.95,
    })
}

/// The 95% t-interval on the log scale: of the geometric mean of positive
/// `values`, back on the original scale. `None` under 2 values or when one
/// is not positive.
pub fn log_t_interval(values: &[f64]) -> Option<Interval> {
    if values.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    t_interval(&logs).map(|i| Interval {
        low: i.low.exp(),
        high: i.high.exp(),
        coverage: i.coverage,
    })
}

/// The geometric mean of positive `values`; the arithmetic mean when one
/// is not positive. NaN when empty.
pub fn center(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    if values.iter().all(|v| *v > 0.0) {
        let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
        mean_sd(&logs).0.exp()
    } else {
        mean_sd(values).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistic_coverage_is_stated_exactly() {
        let three = median_interval(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((three.low, three.high), (1.0, 3.0));
        assert!((three.coverage - 0.75).abs() < 1e-12, "{three:?}");
        let five = median_interval(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert!((five.coverage - 0.9375).abs() < 1e-12);
        // 10 values: [x(2), x(9)] covers 97.9%; [x(3), x(8)] only 89%.
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        let i = median_interval(&ten).unwrap();
        assert_eq!((i.low, i.high), (2.0, 9.0));
        assert!(i.coverage >= 0.95 && i.coverage < 0.99, "{i:?}");
        assert!(median_interval(&[1.0]).is_none());
    }

    #[test]
    fn the_t_interval_of_known_values() {
        // mean 2, sd 1, n 3: 2 ± 4.303 / √3.
        let i = t_interval(&[1.0, 2.0, 3.0]).unwrap();
        assert!((i.high - (2.0 + 4.303 / 3f64.sqrt())).abs() < 1e-9);
        let g = log_t_interval(&[1.0, 4.0]).unwrap();
        assert!(g.low < 2.0 && g.high > 2.0);
        assert!(log_t_interval(&[0.0, 1.0]).is_none());
        assert!((center(&[1.0, 4.0]) - 2.0).abs() < 1e-12);
        assert_eq!(center(&[0.0, 4.0]), 2.0);
    }
}
