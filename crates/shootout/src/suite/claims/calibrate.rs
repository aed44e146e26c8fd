//! Proof that the decision rule is calibrated: simulated experiments with a
//! known true ratio, judged by the very code that judges the ledger
//! ([`super::rule::decide`] on run measures built as from results).
//!
//! A ratio check `a / b requests_per_s ≥ 1.0` whose truth sits exactly on
//! its threshold. Each contender's trial value is, on the log scale, a run
//! effect (σ_between, shared by the run's trials) plus a trial effect
//! (σ_within = 0.03), lognormal or heavy-tailed (Student's t with 3 degrees
//! of freedom, scaled to the same standard deviation). Per grid cell:
//! how often the interval the rule used covers the truth, how often the
//! check is decided (either way: at the threshold any decision is a coin
//! the rule should refuse to toss), and how often a true ratio of 1.25 is
//! SUPPORTED (the rule must still decide something). `bench/calibrate.sh`
//! runs the full grid; a unit test runs a small one.

use super::evaluate::combine;
use super::rule::{self, Band, By, RunMeasure};
use crate::rng::Rng;
use crate::stats::bootstrap::median;
use crate::stats::interval::median_interval;
use crate::suite::metric::{Metric, MetricKey};
use crate::suite::verdict::ClaimVerdict;

/// The trial-to-trial standard deviation on the log scale.
pub const SIGMA_WITHIN: f64 = 0.03;

/// One cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub runs: usize,
    pub trials: usize,
    /// σ_between / σ_within.
    pub between_over_within: f64,
    /// t with 3 degrees of freedom instead of normal, on the log scale.
    pub heavy: bool,
}

/// What a cell's experiments showed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub cell: Cell,
    pub experiments: usize,
    /// Share of experiments whose interval covered the true ratio.
    pub coverage: f64,
    /// Share decided (SUPPORTED or REFUTED) with the truth on the threshold.
    pub false_decisions: f64,
    /// Share SUPPORTED when the true ratio is 1.25 × the threshold.
    pub power_at_1_25: f64,
    /// How the rule decides in this cell.
    pub by: &'static str,
}

/// The grid: runs ∈ {2, 3, 5}, trials ∈ {1, 3}, σ_b/σ_w ∈ {1, 3},
/// lognormal and t₃.
pub fn grid() -> Vec<Cell> {
    let mut cells = Vec::new();
    for heavy in [false, true] {
        for runs in [2, 3, 5] {
            for trials in [1, 3] {
                for between_over_within in [1.0, 3.0] {
                    cells.push(Cell {
                        runs,
                        trials,
                        between_over_within,
                        heavy,
                    });
                }
            }
        }
    }
    cells
}

/// A uniform draw in (0, 1).
fn uniform(rng: &mut Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

fn normal(rng: &mut Rng) -> f64 {
    // Box–Muller.
    let (u, v) = (uniform(rng), uniform(rng));
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// A draw with standard deviation 1: normal, or t₃ / √3.
fn noise(rng: &mut Rng, heavy: bool) -> f64 {
    if heavy {
        let z = normal(rng);
        let chi2: f64 = (0..3).map(|_| normal(rng).powi(2)).sum();
        z / (chi2 / 3.0).sqrt() / 3f64.sqrt()
    } else {
        normal(rng)
    }
}

/// One contender's trials in one run, true median `truth`.
fn party(
    rng: &mut Rng,
    cell: &Cell,
    truth: f64,
) -> (f64, Option<crate::stats::interval::Interval>, usize) {
    let sigma_b = SIGMA_WITHIN * cell.between_over_within;
    let run = sigma_b * noise(rng, cell.heavy);
    let values: Vec<f64> = (0..cell.trials)
        .map(|_| truth * (run + SIGMA_WITHIN * noise(rng, cell.heavy)).exp())
        .collect();
    (median(&values), median_interval(&values), values.len())
}

fn experiment(
    rng: &mut Rng,
    cell: &Cell,
    true_ratio: f64,
    band: Band,
) -> Option<(rule::Decision, bool)> {
    let runs: Vec<RunMeasure> = (0..cell.runs)
        .map(|_| {
            let a = party(rng, cell, 100.0 * true_ratio);
            let b = party(rng, cell, 100.0);
            combine(a, Some(b))
        })
        .collect::<Option<_>>()?;
    let d = rule::decide(&runs, 1.0, true, band)?;
    // The interval the rule decided by: over runs, or the band around the
    // measure together with every run's within-run interval.
    let covered = match d.by {
        By::Runs => d
            .interval
            .is_some_and(|i| i.low <= true_ratio && true_ratio <= i.high),
        _ => {
            let (mut low, mut high) = band.around(d.measure);
            for w in runs.iter().filter_map(|r| r.within) {
                low = low.min(w.low);
                high = high.max(w.high);
            }
            low <= true_ratio && true_ratio <= high
        }
    };
    Some((d, covered))
}

/// Runs `experiments` simulated experiments of `cell`.
pub fn simulate(cell: Cell, experiments: usize, seed: u64) -> Figures {
    let spec = MetricKey::of(Metric::RequestsPerS).spec();
    let band = Band::Log(spec.log_band()).of_ratio();
    let mut rng = Rng::new(seed);
    let (mut covered, mut decided, mut supported, mut by) = (0, 0, 0, "band");
    for _ in 0..experiments {
        if let Some((d, c)) = experiment(&mut rng, &cell, 1.0, band) {
            covered += usize::from(c);
            decided += usize::from(d.verdict != ClaimVerdict::Inconclusive);
            if d.by == By::Runs {
                by = "runs";
            }
        }
        if let Some((d, _)) = experiment(&mut rng, &cell, 1.25, band) {
            supported += usize::from(d.verdict == ClaimVerdict::Supported);
        }
    }
    let share = |n: usize| n as f64 / experiments as f64;
    Figures {
        cell,
        experiments,
        coverage: share(covered),
        false_decisions: share(decided),
        power_at_1_25: share(supported),
        by,
    }
}

/// The figures as a Markdown table.
pub fn table(figures: &[Figures]) -> String {
    let mut out = String::from(
        "| distribution | runs | trials | σb/σw | decided by | coverage | decided at the threshold | SUPPORTED at 1.25× |\n|---|---|---|---|---|---|---|---|\n",
    );
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.1}% | {:.1}% | {:.1}% |\n",
            if f.cell.heavy {
                "t₃ (log)"
            } else {
                "lognormal"
            },
            f.cell.runs,
            f.cell.trials,
            f.cell.between_over_within,
            f.by,
            f.coverage * 100.0,
            f.false_decisions * 100.0,
            f.power_at_1_25 * 100.0
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small version of `bench/calibrate.sh`: 400 experiments per cell of
    /// the lognormal half of the grid. The bench's goals are ≥ 93% coverage
    /// and ≤ 5% decisions at the threshold; with 400 experiments a cell's
    /// share has a standard error of about 1.2%, so the bounds here leave
    /// three of those.
    #[test]
    fn the_rule_is_calibrated_on_a_small_grid() {
        for (i, cell) in grid().into_iter().filter(|c| !c.heavy).enumerate() {
            let f = simulate(cell, 400, 100 + i as u64);
            assert!(f.coverage >= 0.90, "{}", table(&[f]));
            assert!(f.false_decisions <= 0.085, "{}", table(&[f]));
        }
    }

    #[test]
    fn heavy_tails_have_the_scale_of_the_normal() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let var = (0..n).map(|_| noise(&mut rng, true).powi(2)).sum::<f64>() / n as f64;
        // t₃ has infinite fourth moment: its sample variance is noisy.
        assert!((0.6..1.6).contains(&var), "{var}");
    }
}
