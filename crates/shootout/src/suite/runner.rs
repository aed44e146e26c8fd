//! `shootout run`: build and verify every contender, then run the matrix of
//! scenarios × contenders × trials, rotating the contender order each trial
//! so that machine drift does not favour anyone, and saving `results.json`
//! after every cell.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;

use super::cell::{Setup, run_trial};
use super::machine::{Machine, now_rfc3339};
use super::results::{Cell, ContenderInfo, Results, SCHEMA, ScenarioResult};
use super::scenario::{Kind, LoadSpec, Mode, Scenario};
use crate::contenders::toolchain::Runtime;
use crate::contenders::{self, Contender};
use crate::supervise::launch::launch;
use crate::supervise::{CpuSet, free_port};
use crate::upstream::{self, Upstream};
use crate::verify;

/// What `shootout run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub contenders: Vec<Contender>,
    pub scenarios: Vec<Scenario>,
    pub out: PathBuf,
    pub resume: bool,
    pub seed: u64,
    pub setup: Setup,
    pub ci: bool,
}

/// Contender order for trial `k`: rotated by `k` (A B C, B C A, C A B…).
pub fn rotation<T: Clone>(items: &[T], k: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let k = k % items.len();
    items[k..].iter().chain(&items[..k]).cloned().collect()
}

/// How long a trial of `s` should take, for progress and ETA; `None` when it
/// depends on the contender (cold start, footprint).
fn expected(s: &Scenario) -> Option<Duration> {
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
                Kind::HeadOfLine { .. } => phase + s.duration + Duration::from_secs(1),
                Kind::Coldstart { .. } | Kind::Footprint { .. } => return None,
            },
    )
}

/// A guess for trials whose length depends on the contender.
const UNKNOWN_TRIAL: Duration = Duration::from_secs(8);

/// Progress on stderr: an overall bar with an ETA from the remaining cells'
/// expected lengths (scaled by how the finished ones compared), and a bar
/// for the current cell, redrawn on a terminal; plain lines otherwise.
#[derive(Clone)]
struct Progress {
    tty: bool,
    started: Instant,
    total: usize,
    done: usize,
    /// Expected seconds of the cells still to run, and of those run so far.
    remaining_s: f64,
    ran_expected_s: f64,
    ran_actual_s: f64,
}

fn bar(frac: f64, width: usize) -> String {
    let filled = ((frac.clamp(0.0, 1.0)) * width as f64) as usize;
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

impl Progress {
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
    fn start_cell(&self, what: String, expect: Option<f64>) -> Option<tokio::task::JoinHandle<()>> {
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

    fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

/// Builds and verifies one contender; `Err` says why it is skipped.
async fn prepare(
    contender: &Contender,
    setup: &Setup,
    seed: u64,
) -> Result<(Runtime, ContenderInfo), String> {
    let c = contender.clone();
    let (runtime, _) = tokio::task::spawn_blocking(move || contenders::prepare(&c))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{:#}", e.with_hint()))?;
    let state = Upstream::new(Duration::from_millis(2));
    let up = upstream::start(([127, 0, 0, 1], 0).into(), state.clone())
        .await
        .map_err(|e| e.to_string())?;
    let port = free_port().map_err(|e| e.to_string())?;
    let mut launched = launch(
        contender,
        &runtime,
        port,
        &up.url(),
        &setup.service_cpus,
        setup.ready_timeout,
    )
    .await
    .map_err(|e| e.to_string())?;
    eprintln!(
        "shootout: verifying {} against the contract…",
        contender.name
    );
    let checked = verify::check_contract(launched.addr, state, seed).await;
    let exit = launched.service.try_exit();
    launched.service.stop(Duration::from_secs(5)).await;
    if let Some(exit) = exit {
        return Err(format!("crashed during verification ({exit})"));
    }
    if let Some(f) = checked.failures.first() {
        return Err(format!(
            "failed verification: {} rule(s) broken, first: [{}] {}",
            checked.failures.len(),
            f.group.name(),
            f.rule
        ));
    }
    let info = ContenderInfo {
        name: contender.name.clone(),
        language: contender.language.clone(),
        framework: contender.framework.clone(),
        runtime: serde_json::to_value(&runtime).unwrap_or_default(),
        told: launched.conditions.env.clone(),
        verified: true,
        skipped: None,
    };
    Ok((runtime, info))
}

fn fresh(opts: &Options) -> Results {
    let now = now_rfc3339();
    Results {
        schema: SCHEMA.to_owned(),
        started_at: now.clone(),
        updated_at: now,
        complete: false,
        mode: serde_json::to_value(opts.mode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        trials: opts.mode.trials(),
        seed: opts.seed,
        machine: serde_json::to_value(Machine::read()).unwrap_or_default(),
        service_cpus: opts.setup.service_cpus.to_string(),
        generator_cpus: opts.setup.generator_cpus.to_string(),
        contenders: Vec::new(),
        scenarios: Vec::new(),
        ledger: None,
        notes: Vec::new(),
    }
}

/// Runs everything; returns the results (also saved under `opts.out`).
pub async fn run(opts: &Options) -> anyhow::Result<Results> {
    let path = opts.out.join("results.json");
    let mut results = if opts.resume && path.exists() {
        let r = Results::load(&path)?;
        anyhow::ensure!(
            r.mode == fresh(opts).mode,
            "{} was a {} run; resume it with the same mode",
            path.display(),
            r.mode
        );
        eprintln!("shootout: resuming {}", path.display());
        r
    } else {
        fresh(opts)
    };
    let trials = results.trials;

    // Build and verify: a contender that fails is skipped with the reason.
    let mut ready: Vec<(Contender, Runtime)> = Vec::new();
    for c in &opts.contenders {
        match prepare(c, &opts.setup, opts.seed).await {
            Ok((runtime, info)) => {
                results.contenders.retain(|i| i.name != c.name);
                results.contenders.push(info);
                ready.push((c.clone(), runtime));
            }
            Err(reason) => {
                eprintln!("shootout: skipping {}: {reason}", c.name);
                results.contenders.retain(|i| i.name != c.name);
                results.contenders.push(ContenderInfo {
                    name: c.name.clone(),
                    language: c.language.clone(),
                    framework: c.framework.clone(),
                    runtime: json!(null),
                    told: Default::default(),
                    verified: false,
                    skipped: Some(reason),
                });
            }
        }
    }
    anyhow::ensure!(
        !ready.is_empty(),
        "no contender passed verification; nothing to measure"
    );
    for s in &opts.scenarios {
        if results.scenario(&s.name).is_none() {
            results.scenarios.push(ScenarioResult {
                name: s.name.clone(),
                description: s.description.clone(),
                claims: s.claims.clone(),
                config: serde_json::to_value(s)?,
                cells: Vec::new(),
            });
        }
    }
    results.save(&path)?;

    let total = opts
        .scenarios
        .iter()
        .map(|s| trials_for(s, trials) * ready.len())
        .sum();
    let mut progress = Progress {
        tty: std::io::stderr().is_terminal(),
        started: Instant::now(),
        total,
        done: 0,
        remaining_s: 0.0,
        ran_expected_s: 0.0,
        ran_actual_s: 0.0,
    };
    for scenario in &opts.scenarios {
        for trial in 0..trials_for(scenario, trials) {
            for (contender, _) in &ready {
                if !results.has_trial(&scenario.name, &contender.name, trial) {
                    progress.remaining_s +=
                        expected(scenario).unwrap_or(UNKNOWN_TRIAL).as_secs_f64();
                }
            }
        }
    }
    for scenario in &opts.scenarios {
        for trial in 0..trials_for(scenario, trials) {
            for (position, (contender, runtime)) in rotation(&ready, trial).iter().enumerate() {
                if results.has_trial(&scenario.name, &contender.name, trial) {
                    progress.done += 1;
                    continue;
                }
                let expect = expected(scenario);
                let ticker = progress.start_cell(
                    format!(
                        "{} / {} / trial {}",
                        scenario.name,
                        contender.name,
                        trial + 1
                    ),
                    expect.map(|d| d.as_secs_f64()),
                );
                let began = Instant::now();
                let t = run_trial(scenario, contender, runtime, &opts.setup, trial, position).await;
                if let Some(ticker) = ticker {
                    ticker.abort();
                }
                let expect_s = expect.unwrap_or(UNKNOWN_TRIAL).as_secs_f64();
                progress.remaining_s = (progress.remaining_s - expect_s).max(0.0);
                progress.ran_expected_s += expect_s;
                progress.ran_actual_s += began.elapsed().as_secs_f64();
                progress.done += 1;
                if let Some(e) = &t.error {
                    let first = e.lines().next().unwrap_or("");
                    eprintln!(
                        "\nshootout: {} / {} trial {}: {first}",
                        scenario.name,
                        contender.name,
                        trial + 1
                    );
                }
                let s = results
                    .scenarios
                    .iter_mut()
                    .find(|s| s.name == scenario.name)
                    .expect("added above");
                let cell = match s.cells.iter().position(|c| c.contender == contender.name) {
                    Some(i) => &mut s.cells[i],
                    None => {
                        s.cells.push(Cell::new(&contender.name));
                        s.cells.last_mut().expect("just pushed")
                    }
                };
                cell.trials.retain(|old| old.trial != t.trial);
                cell.trials.push(t);
                cell.trials.sort_by_key(|t| t.trial);
                cell.summarize(opts.seed);
                results.updated_at = now_rfc3339();
                results.save(&path)?;
            }
        }
    }
    progress.finish();
    results.complete = true;
    results.updated_at = now_rfc3339();
    results.save(&path)?;
    Ok(results)
}

/// Footprint is deterministic: one trial is enough.
fn trials_for(s: &Scenario, trials: usize) -> usize {
    if matches!(s.kind, Kind::Footprint { .. }) {
        1
    } else {
        trials
    }
}

/// The CPU split: the service's, and the generator's (also the upstream's).
pub fn split(service: Option<CpuSet>) -> anyhow::Result<(CpuSet, CpuSet)> {
    let available = CpuSet::available();
    let service = match service {
        Some(s) => s,
        None => available.split_default().0,
    };
    let rest = available.without(&service);
    if rest == service {
        eprintln!(
            "shootout: warning: only {} CPU(s): the service and the load generator share them",
            available.len()
        );
    }
    Ok((service, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_trial_rotates_the_order() {
        let c = ["a", "b", "c"];
        assert_eq!(rotation(&c, 0), ["a", "b", "c"]);
        assert_eq!(rotation(&c, 1), ["b", "c", "a"]);
        assert_eq!(rotation(&c, 2), ["c", "a", "b"]);
        assert_eq!(rotation(&c, 3), ["a", "b", "c"]);
        // Over K = n trials every contender takes every position once.
        for pos in 0..3 {
            let mut seen: Vec<&str> = (0..3).map(|k| rotation(&c, k)[pos]).collect();
            seen.sort_unstable();
            assert_eq!(seen, c);
        }
        assert!(rotation::<u8>(&[], 2).is_empty());
    }
}
