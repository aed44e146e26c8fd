//! `shootout run`: the main job.

use std::io::Write;

use super::{seed_or_clock, split};
use crate::cli::RunArgs;
use crate::contenders;
use crate::report::{self, terminal::Style};
use crate::suite::claims::Ledger;
use crate::suite::runner;
use crate::suite::scenario::{self, Mode};
use crate::suite::trial::Setup;

pub async fn run(args: RunArgs) -> anyhow::Result<bool> {
    let mode = if args.quick {
        Mode::Quick
    } else if args.full {
        Mode::Full
    } else {
        Mode::Default
    };
    let all = contenders::discover(&args.common.contenders_dir)?;
    let mut scenarios = scenario::discover(&args.scenarios_dir, mode)?;
    // Read the ledger before measuring: a typo should not cost a whole run.
    let ledger = if args.ledger.exists() {
        let ledger = Ledger::load(&args.ledger)?;
        ledger.check_against(&scenarios, false)?;
        Some(ledger)
    } else {
        None
    };
    let chosen = match (args.contenders.as_slice(), &ledger) {
        ([all_of_them], _) if all_of_them == "all" => all,
        ([], Some(ledger)) if mode == Mode::Quick => {
            let named = ledger.contenders();
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
    if !args.scenarios.is_empty() {
        let known: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
        for name in &args.scenarios {
            anyhow::ensure!(
                known.contains(name),
                "no scenario named {name:?}\nhint: known scenarios: {}",
                known.join(", ")
            );
        }
        scenarios.retain(|s| args.scenarios.contains(&s.name));
    }
    let fitted = runner::fit_to_machine(&mut scenarios, crate::sys::open_files_limit());
    for note in &fitted {
        eprintln!("shootout: {note}");
    }
    let (service, generator) = split(&args.common)?;
    let seed = seed_or_clock(args.seed);
    let estimate = runner::estimate(&scenarios, chosen.len(), mode.trials());
    eprintln!(
        "shootout: {mode} run: {} scenario(s) × {} contender(s) × {} trial(s); about {} min plus builds",
        scenarios.len(),
        chosen.len(),
        mode.trials(),
        (estimate.as_secs_f64() / 60.0).ceil()
    );
    let opts = runner::Options {
        mode,
        contenders: chosen,
        scenarios,
        out: args.out.clone(),
        resume: args.resume,
        seed,
        setup: Setup {
            service_cpus: service,
            generator_cpus: generator,
            ready_timeout: args.common.ready_timeout,
            images_dir: args.out.join("images"),
        },
    };
    let started = std::time::Instant::now();
    let mut results = runner::run(&opts).await?;
    for note in fitted {
        if !results.notes.contains(&note) {
            results.notes.push(note);
        }
    }
    let path = args.out.join("results.json");
    let style = Style::detect();
    let mut out = report::table::render(&results, &args.baseline, &style);
    let evaluation = ledger.map(|l| l.evaluate(&results));
    if let Some(evaluation) = &evaluation {
        out.push_str(&report::ledger::text(evaluation, &style));
        results.ledger = Some(evaluation.clone());
    }
    results.save(&path)?;
    let (html, md) = (args.out.join("report.html"), args.out.join("report.md"));
    report::write(&results, evaluation.as_ref(), &args.baseline, &html, &md)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{out}")?;
    writeln!(stdout, "\nresults: {}", path.display())?;
    writeln!(stdout, "report:  {} and {}", html.display(), md.display())?;
    writeln!(stdout, "took {:.0} s", started.elapsed().as_secs_f64())?;
    Ok(true)
}
