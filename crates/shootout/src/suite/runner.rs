//! `shootout run`: admit every contender through the gate (build, verify),
//! then run the matrix of scenarios × contenders × trials, rotating the
//! contender order each trial so that machine drift does not favour anyone,
//! and saving `results.json` after every cell.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::focus::Focus;
use super::machine::{Machine, now_rfc3339};
use super::progress::{RunProgress, UNKNOWN_TRIAL, expected};
use super::results::{CellResult, Results, SCHEMA, ScenarioResult, Trial};
use super::scenario::{Kind, LoadSpec, Mode, Scenario};
use super::trial::{self, Setup, Subject, run_trial};
use super::{admission, compare};
use crate::contenders::Contender;

/// What `shootout run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    pub contenders: Vec<Contender>,
    /// Services running elsewhere (`--target`).
    pub targets: Vec<crate::remote::Target>,
    pub scenarios: Vec<Scenario>,
    pub out: PathBuf,
    pub resume: bool,
    pub seed: u64,
    pub setup: Setup,
    /// Told each scenario's result as soon as its last cell is done (`run`
    /// prints its table then: the first result in minutes, not at the end).
    pub on_scenario_done: Option<ScenarioDone>,
    /// A quick run's cells: per scenario, the contenders its checks read
    /// (`None`: the whole matrix).
    pub focus: Option<Focus>,
}

impl Options {
    /// Whether the focus keeps `subject`'s cell in `scenario` (a variant's
    /// only in its own scenarios).
    fn in_focus(&self, scenario: &Scenario, subject: &Subject) -> bool {
        subject.measured_in(&scenario.name)
            && self
                .focus
                .as_ref()
                .is_none_or(|f| f.measures(&scenario.name, subject.name()))
    }
}

/// What to do with a finished scenario's result.
#[derive(Clone)]
pub struct ScenarioDone(pub std::sync::Arc<dyn Fn(&ScenarioResult) + Send + Sync>);

impl std::fmt::Debug for ScenarioDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScenarioDone(..)")
    }
}

/// Contender order for trial `k`: rotated by `k` (A B C, B C A, C A B…).
pub fn rotation<T: Clone>(items: &[T], k: usize) -> Vec<T> {
    if items.is_empty() {
        return Vec::new();
    }
    let k = k % items.len();
    items[k..].iter().chain(&items[..k]).cloned().collect()
}

fn fresh(opts: &Options) -> Results {
    let now = now_rfc3339();
    Results {
        schema: SCHEMA.to_owned(),
        started_at: now.clone(),
        updated_at: now,
        complete: false,
        mode: opts.mode,
        trials: opts.mode.trials(),
        seed: opts.seed,
        machine: Machine::read(),
        service_cpus: opts.setup.service_cpus.to_string(),
        limits: opts.setup.limits,
        generator_cpus: opts.setup.generator_cpus.to_string(),
        contenders: Vec::new(),
        scenarios: Vec::new(),
        ledger: None,
        notes: Vec::new(),
        database: opts.setup.database.as_ref().map(|d| d.info.clone()),
        contract_hash: Some(super::results::contract_hash()),
    }
}

/// The setup for `contender`'s trials: without the database when its
/// database mode was not admitted (a scenario that needs one does not run
/// it; one that can use it, torture, runs it in memory).
fn setup_for(setup: &Setup, results: &Results, contender: &str) -> Setup {
    let admitted = results.contenders.iter().any(|c| {
        c.name == contender && c.database_driver.is_some() && c.database_skipped.is_none()
    });
    let mut setup = setup.clone();
    if !admitted {
        setup.database = None;
    }
    setup
}

/// Whether `contender` is measured in `scenario`: a database scenario
/// needs a contender whose database mode passed verification. Why not,
/// otherwise.
fn takes_part(scenario: &Scenario, subject: &Subject, results: &Results) -> Result<(), String> {
    subject.can_run(scenario)?;
    let contender = subject.name();
    if !scenario.database {
        return Ok(());
    }
    let info = results.contenders.iter().find(|c| c.name == contender);
    match info {
        Some(c) if c.database_driver.is_none() => Err(format!(
            "{}: {contender} has no database mode (its contender.toml has no [database]); not measured",
            scenario.name
        )),
        Some(c) => match &c.database_skipped {
            Some(why) => Err(format!(
                "{}: {contender} not measured: {why}",
                scenario.name
            )),
            None => Ok(()),
        },
        None => Err(format!("{}: {contender} unknown", scenario.name)),
    }
}

/// Caps sweep levels at what the open-files limit allows, saying what the
/// original level would need.
pub fn fit_to_machine(scenarios: &mut [Scenario], open_files: u64) -> Vec<String> {
    let top = trial::max_level(open_files);
    let mut notes = Vec::new();
    for s in scenarios {
        if let Kind::Load {
            load: LoadSpec::Sweep { concurrency },
            ..
        } = &mut s.kind
        {
            for c in concurrency.iter_mut() {
                if *c > top {
                    notes.push(format!(
                        "{}: c{} needs about {} open files (an inbound and an upstream socket per request, a quarter more for the runtime, 512 spare); this machine allows {open_files}, so that level runs at c{top}",
                        s.name,
                        *c,
                        (2 * *c as u64) * 4 / 3 + 512
                    ));
                    *c = top;
                }
            }
            concurrency.dedup();
        }
    }
    notes
}

/// Seconds the run is expected to take, for the estimate printed before it
/// starts: `contenders` in every scenario the focus does not narrow.
pub fn estimate(
    scenarios: &[Scenario],
    contenders: &[Contender],
    focus: Option<&Focus>,
    trials: usize,
) -> Duration {
    let cells: Duration = scenarios
        .iter()
        .map(|s| {
            // A variant is measured only in its own scenarios.
            let measured = contenders
                .iter()
                .filter(|c| c.measured_in(&s.name))
                .filter(|c| focus.is_none_or(|f| f.measures(&s.name, &c.name)))
                .count();
            expected(s).unwrap_or(UNKNOWN_TRIAL)
                * (trial::trials(&s.kind, trials) * measured) as u32
        })
        .sum();
    // Admission: build (when current) and verification, about 5 s each.
    cells + Duration::from_secs(5) * contenders.len() as u32
}

/// Runs everything; returns the results (also saved under `opts.out`).
pub async fn run(opts: &Options) -> anyhow::Result<Results> {
    let path = opts.out.join("results.json");
    let mut results = open(opts, &path)?;
    let uses_database = |name: &str| {
        opts.scenarios.iter().any(|s| {
            (s.database || matches!(s.kind, Kind::Torture { .. }))
                && opts
                    .focus
                    .as_ref()
                    .is_none_or(|f| f.measures(&s.name, name))
        })
    };
    let ready = admission::admit_all(
        &opts.contenders,
        &opts.targets,
        &opts.setup,
        opts.seed,
        &uses_database,
        &mut results,
    )
    .await?;
    add_scenarios(opts, &mut results);
    results.save(&path)?;
    note_absent(opts, &ready, &mut results);
    let mut progress = plan_progress(opts, &ready, &results);
    for scenario in &opts.scenarios {
        for trial in 0..trial::trials(&scenario.kind, results.trials) {
            for (position, subject) in rotation(&ready, trial).iter().enumerate() {
                if !opts.in_focus(scenario, subject)
                    || takes_part(scenario, subject, &results).is_err()
                {
                    continue;
                }
                if results.has_trial(&scenario.name, subject.name(), trial) {
                    progress.done += 1;
                    continue;
                }
                let cell = Cell {
                    scenario,
                    subject,
                    trial,
                    position,
                };
                let t = cell.run(opts, &results, &mut progress).await;
                record(&mut results, scenario, subject.name(), t, opts.seed);
                results.save(&path)?;
            }
        }
        if let (Some(done), Some(result)) =
            (&opts.on_scenario_done, results.scenario(&scenario.name))
        {
            progress.clear_line();
            (done.0)(result);
        }
    }
    progress.finish();
    results.complete = true;
    results.updated_at = now_rfc3339();
    results.save(&path)?;
    Ok(results)
}

/// The results to fill in: the ones at `path` when resuming, else fresh.
fn open(opts: &Options, path: &std::path::Path) -> anyhow::Result<Results> {
    if !(opts.resume && path.exists()) {
        return Ok(fresh(opts));
    }
    let r = Results::load(path)?;
    anyhow::ensure!(
        r.mode == opts.mode,
        "{} was a {} run; resume it with the same mode",
        path.display(),
        r.mode
    );
    eprintln!("shootout: resuming {}", path.display());
    Ok(r)
}

/// A result for each scenario not in the results yet.
fn add_scenarios(opts: &Options, results: &mut Results) {
    for s in &opts.scenarios {
        if results.scenario(&s.name).is_none() {
            results.scenarios.push(ScenarioResult {
                name: s.name.clone(),
                description: s.description.clone(),
                claims: s.claims.clone(),
                config: s.clone(),
                cells: Vec::new(),
                rankings: Vec::new(),
                ratios: Vec::new(),
            });
        }
    }
}

/// Says (and notes) which subjects a scenario does not measure, and why.
fn note_absent(opts: &Options, ready: &[Subject], results: &mut Results) {
    for s in &opts.scenarios {
        for p in ready.iter().filter(|p| opts.in_focus(s, p)) {
            if let Err(why) = takes_part(s, p, results) {
                eprintln!("shootout: {why}");
                results.note(why);
            }
        }
    }
}

/// The progress of the cells to run: how many, and the seconds expected
/// of those not run yet (a resumed run has some done).
fn plan_progress(opts: &Options, ready: &[Subject], results: &Results) -> RunProgress {
    let trials = results.trials;
    let mut progress = RunProgress {
        tty: std::io::stderr().is_terminal(),
        started: Instant::now(),
        total: 0,
        done: 0,
        remaining_s: 0.0,
        ran_expected_s: 0.0,
        ran_actual_s: 0.0,
    };
    for scenario in &opts.scenarios {
        let taking_part: Vec<&Subject> = ready
            .iter()
            .filter(|p| opts.in_focus(scenario, p) && takes_part(scenario, p, results).is_ok())
            .collect();
        let cell_trials = trial::trials(&scenario.kind, trials);
        progress.total += cell_trials * taking_part.len();
        for trial in 0..cell_trials {
            for p in &taking_part {
                if !results.has_trial(&scenario.name, p.name(), trial) {
                    progress.remaining_s +=
                        expected(scenario).unwrap_or(UNKNOWN_TRIAL).as_secs_f64();
                }
            }
        }
    }
    progress
}

/// One trial of one (scenario, subject) cell, at `position` in its trial's order.
struct Cell<'a> {
    scenario: &'a Scenario,
    subject: &'a Subject,
    trial: usize,
    position: usize,
}

impl Cell<'_> {
    /// Runs the trial with its progress line, and says when it failed.
    async fn run(&self, opts: &Options, results: &Results, progress: &mut RunProgress) -> Trial {
        let (scenario, name) = (self.scenario, self.subject.name());
        let expect = expected(scenario);
        let ticker = progress.start_cell(
            format!("{} / {name} / trial {}", scenario.name, self.trial + 1),
            expect.map(|d| d.as_secs_f64()),
        );
        let began = Instant::now();
        let setup = setup_for(&opts.setup, results, name);
        let t = run_trial(scenario, self.subject, &setup, self.trial, self.position).await;
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
                "\nshootout: {} / {name} trial {}: {first}",
                scenario.name,
                self.trial + 1
            );
        }
        t
    }
}

/// Puts trial `t` in its cell (replacing an earlier run of the same trial),
/// then summarizes the cell and ranks the scenario again.
fn record(results: &mut Results, scenario: &Scenario, name: &str, t: Trial, seed: u64) {
    let s = results
        .scenarios
        .iter_mut()
        .find(|s| s.name == scenario.name)
        .expect("added above");
    let cell = match s.cells.iter().position(|c| c.contender == name) {
        Some(i) => &mut s.cells[i],
        None => {
            s.cells.push(CellResult::new(name));
            s.cells.last_mut().expect("just pushed")
        }
    };
    cell.trials.retain(|old| old.trial != t.trial);
    cell.trials.push(t);
    cell.trials.sort_by_key(|t| t.trial);
    cell.summarize(seed);
    compare::rank(s, seed);
    results.updated_at = now_rfc3339();
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

    #[test]
    fn sweep_levels_above_the_open_files_limit_are_capped_and_noted() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let mut all = super::super::scenario::discover(&dir, Mode::Default).unwrap();
        let notes = fit_to_machine(&mut all, 20_000);
        let io = all.iter().find(|s| s.name == "io").unwrap();
        assert_eq!(io.levels().last(), Some(&7300));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("c10000 needs about 27178 open files")),
            "{notes:?}"
        );
        let mut roomy = super::super::scenario::discover(&dir, Mode::Default).unwrap();
        assert!(fit_to_machine(&mut roomy, 1 << 20).is_empty());
    }
}
