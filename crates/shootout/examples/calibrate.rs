//! The calibration bench of the claims' decision rule (bench/calibrate.sh):
//! every cell of the grid, EXPERIMENTS simulated experiments each (default
//! 2000), as a Markdown table.
//!
//!   cargo run --release -p shootout --example calibrate -- 2000

use shootout::suite::claims::calibrate::{grid, simulate, table};

fn main() {
    let experiments = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let figures: Vec<_> = grid()
        .into_iter()
        .enumerate()
        .map(|(i, cell)| simulate(cell, experiments, 1 + i as u64))
        .collect();
    print!("{}", table(&figures));
    let worst_cov = figures.iter().map(|f| f.coverage).fold(1.0, f64::min);
    let worst_false = figures
        .iter()
        .map(|f| f.false_decisions)
        .fold(0.0, f64::max);
    println!(
        "\n{experiments} experiments per cell; worst coverage {:.1}% (goal ≥ 93%), most decisions at the threshold {:.1}% (goal ≤ 5%)",
        worst_cov * 100.0,
        worst_false * 100.0
    );
}
