//! Progress of `shootout run` on stderr: an overall bar with an ETA from
//! the remaining cells' expected lengths (scaled by how the finished ones
//! compared), and a bar for the current cell, redrawn on a terminal; plain
//! lines otherwise.

use std::time::{Duration, Instant};

use super::scenario::{Kind, LoadSpec, Scenario};

/// How long a trial of `s` should take, for progress and ETA; `None` when it
/// depends on the contender (cold start, footprint).
pub(super) fn expected(s: &Scenario) -> Option<Duration> {
    let phase = s.warmup + s.duration;
    let startup = Duration::from_millis(500);
    Some(
        startup
            + match &s.kind {
                Kind::Load { load, .. } => match load {
                    LoadSpec::Sweep { concurrency } => phase * concurrency.len() as u32,
                    LoadSpec::OpenFraction { .. } => phase + Duration::from_millis(2500),
                    _ => phase,
                },
                Kind::HeadOfLine { long_n, .. } => {
                    let levels = if long_n.is_some() { 2 } else { 1 };
                    s.warmup.min(Duration::from_millis(500)) + s.duration + phase * levels
                }
                Kind::Coldstart { .. }
                | Kind::Footprint { .. }
                | Kind::Torture { .. }
                | Kind::Drain { .. }
                | Kind::Mutate { .. } => {
                    return None;
                }
            },
    )
}

/// A guess for trials whose length depends on the contender.
pub(super) const UNKNOWN_TRIAL: Duration = Duration::from_secs(8);

/// The run's progress display.
#[derive(Clone)]
pub(super) struct RunProgress {
    pub tty: bool,
    pub started: Instant,
    pub total: usize,
    pub done: usize,
    /// Expected seconds of the cells still to run, and of those run so far.
    pub remaining_s: f64,
    pub ran_expected_s: f64,
    pub ran_actual_s: f64,
}

fn bar(frac: f64, width: usize) -> String {
    let filled = ((frac.clamp(0.0, 1.0)) * width as f64) as usize;
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

impl RunProgress {
    /// Seconds left: the remaining cells' expected lengths, less what the
    /// current cell has already run, scaled by how long finished cells took
    /// against their expectation.
    fn eta_s(&self, in_cell: f64) -> f64 {
        let scale = if self.ran_expected_s > 0.0 {
            self.ran_actual_s / self.ran_expected_s
        } else {
            1.0
        };
        (self.remaining_s - in_cell).max(0.0) * scale
    }

    fn line(&self, what: &str, cell: Option<(f64, Option<f64>)>) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let overall = bar(self.done as f64 / self.total.max(1) as f64, 20);
        let (cell, in_cell) = match cell {
            Some((t, Some(expect))) => (
                format!(" {} {t:.0}/{expect:.0}s", bar(t / expect, 10)),
                t.min(expect),
            ),
            Some((t, None)) => (format!(" {t:.0}s"), t.min(UNKNOWN_TRIAL.as_secs_f64())),
            None => (String::new(), 0.0),
        };
        format!(
            "{overall} {}/{} cells, {elapsed:.0}s, ETA {:.0}s | {what}{cell}",
            self.done,
            self.total,
            self.eta_s(in_cell)
        )
    }

    /// Announces a cell; on a terminal, keeps redrawing its bar until the
    /// returned task is aborted.
    pub fn start_cell(
        &self,
        what: String,
        expect: Option<f64>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if !self.tty {
            eprintln!("shootout: {}", self.line(&what, None));
            return None;
        }
        let me = self.clone();
        Some(tokio::spawn(async move {
            let began = Instant::now();
            loop {
                eprint!(
                    "\r\x1b[2K{}",
                    me.line(&what, Some((began.elapsed().as_secs_f64(), expect)))
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }))
    }

    /// Clears the bar a terminal shows, so that other output can follow.
    pub fn clear_line(&self) {
        if self.tty {
            eprint!("\r\x1b[2K");
        }
    }

    pub fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}
