//! `shootout run`: the main job.

use std::io::Write;
use std::sync::Arc;

use super::{seed_or_clock, split};
use crate::cli::RunArgs;
use crate::contenders::{self, Contender};
use crate::database::Database;
use crate::remote::{Target, TargetError};
use crate::report::{self, terminal::Style};
use crate::suite::claims::Ledger;
use crate::suite::focus::Focus;
use crate::suite::runner;
use crate::suite::scenario::Scenario;
use crate::suite::scenario::{self, Mode};
use crate::suite::trial::Setup;
use crate::supervise::CpuSet;

pub async fn run(args: RunArgs) -> anyhow::Result<bool> {
    let mode = if args.quick {
        Mode::Quick
    } else if args.full {
        Mode::Full
    } else {
        Mode::Default
    };
    let all = super::discover_contenders(&args.common.dir.contenders_dir)?;
    if let Some(limits) = args.limits {
        // Refuse before building anything when the cgroups cannot be made.
        drop(crate::supervise::cgroup::Cgroup::create("probe", limits)?);
    }
    if !args.scenarios_dir.is_dir() {
        anyhow::bail!(
            "no scenarios folder at {}\nhint: run shootout from the repository root, or pass --scenarios-dir DIR",
            args.scenarios_dir.display()
        );
    }
    let mut scenarios = scenario::discover(&args.scenarios_dir, mode)?;
    let targets = args
        .target
        .iter()
        .map(|spec| Target::parse(spec, args.target_upstream.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    // Read the ledger before measuring: a typo should not cost a whole run.
    let ledger = read_ledger(&args, &scenarios, &all, &targets)?;
    let chosen = choose(&args, all, &targets, ledger.as_ref(), (mode, &scenarios))?;
    let measured: Vec<&str> = chosen
        .iter()
        .map(|c| c.name.as_str())
        .chain(targets.iter().map(|t| t.name.as_str()))
        .collect();
    let reference = super::reference(&args.reference, &measured)?;
    select_scenarios(&args.scenarios, &mut scenarios)?;
    let fitted = runner::fit_to_machine(&mut scenarios, crate::sys::open_files_limit());
    for note in &fitted {
        eprintln!("shootout: {note}");
    }
    let (service, generator) = split(&args.common)?;
    let seed = seed_or_clock(args.seed);
    let focus = focus(&args, ledger.as_ref(), &scenarios, &chosen, mode);
    let estimate = runner::estimate(&scenarios, &chosen, focus.as_ref(), mode.trials());
    eprintln!(
        "shootout: {mode} run: {} scenario(s) × {} contender(s) × {} trial(s); about {} min plus builds",
        scenarios.len(),
        chosen.len(),
        mode.trials(),
        (estimate.as_secs_f64() / 60.0).ceil()
    );
    let database = start_database(&args, &scenarios, &chosen, &generator).await;
    let database_info = database.as_ref().map(|d| d.info.clone());
    let opts = runner::Options {
        mode,
        contenders: chosen,
        targets,
        scenarios,
        out: args.out.clone(),
        resume: args.resume,
        seed,
        on_scenario_done: (!args.output.json).then(|| tables_as_they_finish(&reference)),
        focus: focus.clone(),
        setup: Setup {
            service_cpus: service,
            generator_cpus: generator,
            ready_timeout: args.common.ready_timeout,
            images_dir: args.out.join("images"),
            database: database.map(Arc::new),
            acks: None,
            limits: args.limits,
        },
    };
    let started = std::time::Instant::now();
    let outcome = runner::run(&opts).await;
    // The database goes before anything else can fail: its schema dropped,
    // a private server stopped and its files removed.
    let runner::Options { setup, .. } = opts;
    if let Some(db) = setup.database.and_then(|d| Arc::try_unwrap(d).ok()) {
        db.stop().await;
    }
    let mut results = outcome?;
    if results.database.is_none() {
        results.database = database_info;
    }
    let focus_note = focus.map(|f| {
        format!(
            "quick: each scenario measured only the contenders its checks read ({}); `--contenders` measures the whole matrix",
            f.describe().join("; ")
        )
    });
    for note in fitted.into_iter().chain(focus_note) {
        if !results.notes.contains(&note) {
            results.notes.push(note);
        }
    }
    let evaluation = write_reports(&args, &reference, results, ledger, started)?;
    Ok(evaluation.as_ref().is_none_or(|e| args.fail_on.passes(e)))
}

/// The ledger to judge: `--ledger` (which must exist), else the default
/// one when it is there; every name it uses checked against the scenario
/// files, the contenders and the targets.
fn read_ledger(
    args: &RunArgs,
    scenarios: &[Scenario],
    all: &[Contender],
    targets: &[Target],
) -> anyhow::Result<Option<Ledger>> {
    if args.no_ledger {
        return Ok(None);
    }
    let (path, named) = match &args.ledger {
        Some(path) => (path.clone(), true),
        None if std::path::Path::new(super::ledger_input::DEFAULT_LEDGER).is_file() => {
            (super::ledger_input::DEFAULT_LEDGER.into(), false)
        }
        None => {
            anyhow::ensure!(
                args.fail_on.fail_on.is_empty(),
                "--fail-on needs a ledger to judge, and {} is not here\nhint: pass --ledger FILE",
                super::ledger_input::DEFAULT_LEDGER
            );
            eprintln!(
                "shootout: no ledger ({} is not here): the claims are not judged; --ledger FILE names one",
                super::ledger_input::DEFAULT_LEDGER
            );
            return Ok(None);
        }
    };
    let mut known = crate::suite::ledger_names::KnownNames::default();
    known.add_scenarios(scenarios.iter().map(|s| s.name.as_str()));
    // A ledger may name a scenario this run does not measure (its claim is
    // INCONCLUSIVE, no data) if the repository's scenarios/ has it.
    if let Ok(found) =
        crate::suite::scenario::discover(std::path::Path::new("scenarios"), Mode::Default)
    {
        known.add_scenarios(found.iter().map(|s| s.name.as_str()));
    }
    known.add_contenders(all.iter().map(|c| c.name.as_str()));
    known.add_contenders(targets.iter().map(|t| t.name.as_str()));
    match super::ledger_input::load_checked(&path, scenarios, &known) {
        Ok(ledger) => Ok(Some(ledger)),
        // The default ledger is judged when it fits this run's scenarios and
        // contenders (your own --scenarios-dir need not have its scenarios);
        // a ledger you name must fit.
        Err(e) if !named && args.fail_on.fail_on.is_empty() => {
            eprintln!(
                "shootout: the default ledger is not judged: {}\nhint: --ledger FILE names one that fits this run",
                super::error_text(&e)
            );
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The contenders to measure: those named, `all`, or in a quick run the
/// ones the ledger's claims name; none but the targets when only targets
/// are given. A target may not share a local contender's name.
fn choose(
    args: &RunArgs,
    all: Vec<Contender>,
    targets: &[Target],
    ledger: Option<&Ledger>,
    (mode, scenarios): (Mode, &[Scenario]),
) -> anyhow::Result<Vec<Contender>> {
    let chosen = match (args.contenders.as_slice(), ledger) {
        // Only the targets, unless --contenders names local ones too.
        ([], _) if !targets.is_empty() => Vec::new(),
        ([all_of_them], _) if all_of_them == "all" => all,
        ([], Some(ledger)) if mode == Mode::Quick => {
            // A scenario that only shows a kept scorecard in a quick run
            // (mutate) brings no contender of its own into it.
            let kept: Vec<&str> = scenarios
                .iter()
                .filter(|s| matches!(s.kind, scenario::Kind::Mutate { run: false }))
                .map(|s| s.name.as_str())
                .collect();
            let named = ledger.contenders_outside(&kept);
            let set: Vec<_> = all
                .into_iter()
                .filter(|c| named.contains(&c.name))
                .collect();
            eprintln!(
                "shootout: --quick measures the contenders the ledger's claims name: {} (--contenders all for every one)",
                set.iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            set
        }
        (names, _) => contenders::select(all, names)?,
    };
    let mut names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
    for t in targets {
        anyhow::ensure!(
            !names.contains(&t.name.as_str()),
            TargetError::Duplicate(t.name.clone())
        );
        names.push(&t.name);
    }
    Ok(chosen)
}

/// A quick run's focus: in each scenario, the contenders the ledger's
/// checks on it read (`suite::focus`), unless `--contenders` chose them.
fn focus(
    args: &RunArgs,
    ledger: Option<&Ledger>,
    scenarios: &[Scenario],
    chosen: &[Contender],
    mode: Mode,
) -> Option<Focus> {
    if mode != Mode::Quick || !args.contenders.is_empty() {
        return None;
    }
    let names: Vec<String> = chosen.iter().map(|c| c.name.clone()).collect();
    let focus = Focus::from_ledger(ledger?, scenarios, &names);
    let (kept, all) = focus.cells(names.len());
    if kept < all {
        eprintln!(
            "shootout: --quick measures in each scenario the contenders its checks read: {kept} of {all} cells per trial (--contenders {} for all of them)",
            names.join(",")
        );
    }
    Some(focus)
}

/// Keeps the scenarios `--scenarios` names (every one when empty); an
/// unknown name is an error listing the known ones.
fn select_scenarios(wanted: &[String], scenarios: &mut Vec<Scenario>) -> anyhow::Result<()> {
    if wanted.is_empty() {
        return Ok(());
    }
    let known: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    for name in wanted {
        anyhow::ensure!(
            known.contains(name),
            "no scenario named {name:?}\nhint: known scenarios: {}",
            known.join(", ")
        );
    }
    scenarios.retain(|s| wanted.contains(&s.name));
    Ok(())
}

/// Judges the ledger, saves the results, writes the reports and prints
/// the tables and verdicts.
fn write_reports(
    args: &RunArgs,
    reference: &str,
    mut results: crate::suite::results::Results,
    ledger: Option<Ledger>,
    started: std::time::Instant,
) -> anyhow::Result<Option<crate::suite::verdict::Evaluation>> {
    let path = args.out.join("results.json");
    let style = Style::detect();
    let mut out = report::table::render(&results, reference, &style);
    let evaluation = ledger.map(|l| l.evaluate(&results));
    if let Some(evaluation) = &evaluation {
        out.push_str(&report::ledger::text(evaluation, &style));
        results.ledger = Some(evaluation.clone());
    }
    results.save(&path)?;
    let (html, md) = (args.out.join("report.html"), args.out.join("report.md"));
    report::write(&results, evaluation.as_ref(), reference, &html, &md)?;
    let mut stdout = std::io::stdout().lock();
    if args.output.json {
        serde_json::to_writer_pretty(&mut stdout, &results)?;
        writeln!(stdout)?;
        eprintln!(
            "shootout: results {}, report {} and {}",
            path.display(),
            html.display(),
            md.display()
        );
        return Ok(evaluation);
    }
    write!(stdout, "{out}")?;
    writeln!(stdout, "\nresults: {}", path.display())?;
    writeln!(stdout, "report:  {} and {}", html.display(), md.display())?;
    writeln!(stdout, "took {:.0} s", started.elapsed().as_secs_f64())?;
    Ok(evaluation)
}

/// Each scenario's table on stderr as soon as its last cell is done; the
/// whole report still goes to stdout at the end.
fn tables_as_they_finish(reference: &str) -> runner::ScenarioDone {
    let reference = reference.to_owned();
    let style = Style::detect();
    runner::ScenarioDone(Arc::new(move |s| {
        eprintln!("\n{}", report::table::scenario_text(s, &reference, &style));
    }))
}

/// The run's PostgreSQL, on the generator's CPUs, when a scenario needs one
/// and a chosen contender has a database mode. A database that cannot be
/// had is said, and the scenarios that need it are not run.
async fn start_database(
    args: &RunArgs,
    scenarios: &[Scenario],
    chosen: &[Contender],
    cpus: &CpuSet,
) -> Option<Database> {
    if !scenarios.iter().any(|s| s.database) || !chosen.iter().any(|c| c.database.is_some()) {
        return None;
    }
    let Some(plan) = args.database.plan() else {
        eprintln!("shootout: --no-database: the database scenarios are not run");
        return None;
    };
    eprintln!("shootout: starting PostgreSQL for the database scenarios…");
    match Database::start(&plan, Some(cpus)).await {
        Ok(db) => {
            eprintln!(
                "shootout: PostgreSQL {} ({}) on CPUs {cpus}",
                db.info.version, db.info.source
            );
            Some(db)
        }
        Err(e) => {
            eprintln!("shootout: no database for this run: {e}");
            None
        }
    }
}
