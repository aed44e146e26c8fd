//! The subcommands, wiring options to the library.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;

use crate::cli::{
    ClaimsArgs, ColdstartArgs, ContenderArgs, FootprintArgs, LoadArgs, ReportArgs, RunArgs,
    TestArgs, UpArgs, UpstreamArgs, VerifyArgs,
};
use crate::contenders::{self, build, toolchain};
use crate::supervise::{CpuSet, launch::launch};
use crate::upstream::{self, Upstream};
use crate::verify;

/// Prints `value` as pretty JSON with `--json`, else the human rendering.
fn print_json_or_text(
    json: bool,
    value: &impl serde::Serialize,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut stdout, value)?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", text())?;
    }
    Ok(())
}

fn service_cpus(args: &ContenderArgs) -> anyhow::Result<CpuSet> {
    let available = CpuSet::available();
    match &args.service_cpus {
        None => Ok(available.split_default().0),
        Some(set) => {
            if let Some(bad) = set.cpus().iter().find(|c| !available.cpus().contains(c)) {
                anyhow::bail!(
                    "--service-cpus {set}: CPU {bad} is not available to shootout\nhint: available CPUs are {available}"
                );
            }
            Ok(set.clone())
        }
    }
}

pub async fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let opts = verify::run::Options {
        contenders_dir: args.common.contenders_dir.clone(),
        names: args.contenders,
        service_cpus: service_cpus(&args.common)?,
        seed,
        ci,
        ready_timeout: args.common.ready_timeout,
    };
    let report = verify::run::verify(&opts).await?;
    print_json_or_text(args.json, &report, || verify::report::render(&report))?;
    Ok(report.success(ci))
}

pub async fn up(args: UpArgs) -> anyhow::Result<bool> {
    let all = contenders::discover(&args.common.contenders_dir)?;
    let contender = verify::run::select(all, std::slice::from_ref(&args.contender))?.remove(0);
    let cpus = service_cpus(&args.common)?;
    let req = contender.runtime.clone();
    let runtime =
        tokio::task::spawn_blocking(move || toolchain::resolve(&req, &toolchain::cache_dir()))
            .await?
            .map_err(|e| match e.hint() {
                Some(hint) => anyhow::anyhow!("{e}\nhint: {hint}"),
                None => e.into(),
            })?;
    eprintln!(
        "shootout: building {} ({} {})…",
        contender.name, runtime.name, runtime.version
    );
    let (c, rt) = (contender.clone(), runtime.clone());
    tokio::task::spawn_blocking(move || build::build(&c, &rt)).await??;

    let (_private, upstream_url) = match &args.upstream {
        Some(url) => (None, url.trim_end_matches('/').to_owned()),
        None => {
            let up = upstream::start(
                ([127, 0, 0, 1], 0).into(),
                Upstream::new(Duration::from_millis(2)),
            )
            .await
            .context("starting the upstream simulator")?;
            let url = up.url();
            (Some(up), url)
        }
    };
    let mut launched = launch(
        &contender,
        &runtime,
        args.port,
        &upstream_url,
        &cpus,
        args.common.ready_timeout,
    )
    .await
    .with_context(|| format!("starting {}", contender.name))?;
    // Whoever reads stdout may go away; the service runs on until Ctrl-C.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{} is up at http://{}", contender.name, launched.addr);
    let _ = writeln!(out, "  upstream: {upstream_url}");
    let _ = writeln!(
        out,
        "  CPUs: {cpus}; told: {}",
        env_summary(&launched.conditions.env)
    );
    let _ = writeln!(
        out,
        "  try: curl 'http://{}/cpu/hash?seed=42&n=1000'",
        launched.addr
    );
    let _ = writeln!(out, "Ctrl-C stops it.");
    let _ = out.flush();
    drop(out);

    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if let Some(exit) = launched.service.try_exit() {
                    anyhow::bail!("{} stopped on its own ({exit}); last output:\n{}", contender.name, launched.service.tail());
                }
            }
        }
    }
    let exit = launched.service.stop(Duration::from_secs(5)).await;
    eprintln!("shootout: stopped {} ({exit})", contender.name);
    Ok(true)
}

fn env_summary(env: &std::collections::BTreeMap<String, String>) -> String {
    env.iter()
        .filter(|(k, _)| k.as_str() != "PORT" && k.as_str() != "UPSTREAM_URL")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn upstream(args: UpstreamArgs) -> anyhow::Result<bool> {
    let state = Upstream::new(Duration::from_millis(args.authorize_ms));
    let running = upstream::start(([127, 0, 0, 1], args.port).into(), state)
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    println!("upstream simulator listening on {}", running.url());
    let _ = std::io::stdout().flush();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    let counters = running.state.counters();
    eprintln!(
        "shootout: upstream served {} /delay and {} /authorize",
        counters.delay, counters.authorize
    );
    Ok(true)
}

pub async fn test(args: TestArgs) -> anyhow::Result<bool> {
    let all = contenders::discover(&args.contenders_dir)?;
    let chosen = verify::run::select(all, &args.contenders)?;
    let mut failed = Vec::new();
    for contender in chosen {
        let Some(test) = contender.test.clone() else {
            eprintln!("shootout: {} has no test command", contender.name);
            continue;
        };
        let name = contender.name.clone();
        let ok = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let runtime = toolchain::resolve(&contender.runtime, &toolchain::cache_dir()).map_err(
                |e| match e.hint() {
                    Some(hint) => anyhow::anyhow!("{e}\nhint: {hint}"),
                    None => e.into(),
                },
            )?;
            build::build(&contender, &runtime)?;
            eprintln!(
                "shootout: testing {} ({} {}): {}",
                contender.name,
                runtime.name,
                runtime.version,
                test.join(" ")
            );
            let status = build::command(&contender, &runtime, &test)
                .status()
                .with_context(|| format!("running {}", test.join(" ")))?;
            Ok(status.success())
        })
        .await?
        .with_context(|| format!("testing {name}"))?;
        if !ok {
            failed.push(name);
        }
    }
    if failed.is_empty() {
        Ok(true)
    } else {
        eprintln!("shootout: tests failed for {}", failed.join(", "));
        Ok(false)
    }
}

pub async fn load(args: LoadArgs) -> anyhow::Result<bool> {
    use crate::load::{self, LoadConfig, Mix, Model, Stop, Target, Template};
    let target = Target::parse(&args.url)?;
    let body = match &args.body {
        Some(path) => Some(
            std::fs::read(path).with_context(|| format!("reading --body {}", path.display()))?,
        ),
        None => None,
    };
    let method = args.method.to_ascii_uppercase();
    anyhow::ensure!(
        !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic()),
        "--method {:?} is not an HTTP method",
        args.method
    );
    let threads = args.threads.unwrap_or_else(|| {
        args.cpus
            .as_ref()
            .map_or_else(|| CpuSet::available().len(), CpuSet::len)
    });
    let model = match args.rate {
        Some(rate) => Model::Open {
            rate,
            connections: args.connections,
        },
        None => Model::Closed {
            connections: args.connections,
        },
    };
    let config = LoadConfig {
        mix: Mix::single(Template::fixed(
            &method,
            &target.path,
            args.headers.clone(),
            body,
        )),
        target,
        model,
        stop: args
            .requests
            .map_or(Stop::Duration(args.duration), Stop::Requests),
        warmup: args.warmup,
        timeout: args.timeout,
        keepalive: !args.no_keepalive,
        threads,
        cpus: args.cpus.clone(),
        check_every: 1,
        progress: !args.json,
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let report = tokio::task::spawn_blocking(move || load::run(config, stop)).await??;
    print_json_or_text(args.json, &report, || load::report::render(&report))?;
    Ok(report.aborted.is_none())
}

pub async fn coldstart(args: ColdstartArgs) -> anyhow::Result<bool> {
    use crate::ops::coldstart;
    let all = contenders::discover(&args.common.contenders_dir)?;
    let chosen = verify::run::select(all, &args.contenders)?;
    let cpus = service_cpus(&args.common)?;
    let (runs, drop, timeout) = (
        args.runs as usize,
        args.drop_caches,
        args.common.ready_timeout,
    );
    if drop {
        coldstart::drop_caches().context("--drop-caches")?;
    }
    let results =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<coldstart::Coldstart>> {
            let mut results = Vec::new();
            for contender in &chosen {
                let (runtime, _) =
                    contenders::prepare(contender).map_err(contenders::PrepareError::with_hint)?;
                let name = contender.name.clone();
                let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let result =
                    coldstart::measure(contender, &runtime, &cpus, runs, drop, timeout, |done| {
                        if tty {
                            eprint!("\rshootout: cold-starting {name}: {done}/{runs}   ");
                        }
                    })
                    .with_context(|| format!("cold start of {}", contender.name))?;
                eprintln!(
                    "{}shootout: cold-started {name} {runs} times",
                    if tty { "\r" } else { "" }
                );
                results.push(result);
            }
            Ok(results)
        })
        .await??;
    print_json_or_text(args.json, &results, || {
        crate::ops::render::coldstart(&results)
    })?;
    Ok(true)
}

pub async fn footprint(args: FootprintArgs) -> anyhow::Result<bool> {
    use crate::ops::footprint;
    let all = contenders::discover(&args.contenders_dir)?;
    let chosen = verify::run::select(all, &args.contenders)?;
    let (images, clean) = (args.images_dir.clone(), !args.no_clean_build);
    let results =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<footprint::Footprint>> {
            let mut results = Vec::new();
            for contender in &chosen {
                let (runtime, _) =
                    contenders::prepare(contender).map_err(contenders::PrepareError::with_hint)?;
                let result =
                    footprint::measure(contender, &runtime, &images.join(&contender.name), clean)
                        .map_err(|e| anyhow::anyhow!("footprint of {}: {e}", contender.name))?;
                results.push(result);
            }
            Ok(results)
        })
        .await??;
    print_json_or_text(args.json, &results, || {
        crate::ops::render::footprint(&results)
    })?;
    Ok(true)
}

pub async fn run(args: RunArgs) -> anyhow::Result<bool> {
    use crate::report::{self, terminal::Style};
    use crate::suite::{claims::Ledger, runner, scenario};
    let mode = if args.quick {
        scenario::Mode::Quick
    } else if args.full {
        scenario::Mode::Full
    } else {
        scenario::Mode::Default
    };
    let all = contenders::discover(&args.common.contenders_dir)?;
    let chosen = verify::run::select(all, &args.contenders)?;
    let mut scenarios = scenario::discover(&args.scenarios_dir, mode)?;
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
    // Read the ledger before measuring: a typo should not cost a whole run.
    let ledger = if args.ledger.exists() {
        Some(Ledger::load(&args.ledger)?)
    } else {
        None
    };
    let (service, generator) = runner::split(match args.common.service_cpus.clone() {
        Some(s) => Some(s),
        None => Some(service_cpus(&args.common)?),
    })?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    let opts = runner::Options {
        mode,
        contenders: chosen,
        scenarios,
        out: args.out.clone(),
        resume: args.resume,
        seed,
        setup: crate::suite::cell::Setup {
            service_cpus: service,
            generator_cpus: generator,
            ready_timeout: args.common.ready_timeout,
            images_dir: args.out.join("images"),
        },
        ci: std::env::var("CI").is_ok_and(|v| v == "true"),
    };
    let started = std::time::Instant::now();
    let mut results = runner::run(&opts).await?;
    let path = args.out.join("results.json");
    let style = Style::detect();
    let mut out = report::table::render(&results, &args.baseline, &style);
    let evaluation = ledger.map(|l| l.evaluate(&results));
    if let Some(evaluation) = &evaluation {
        out.push_str(&report::ledger::text(evaluation, &style));
        results.ledger = Some(serde_json::to_value(evaluation)?);
        results.save(&path)?;
    }
    let (html, md) = (args.out.join("report.html"), args.out.join("report.md"));
    report::write(&results, evaluation.as_ref(), &args.baseline, &html, &md)?;
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{out}")?;
    writeln!(stdout, "\nresults: {}", path.display())?;
    writeln!(stdout, "report:  {} and {}", html.display(), md.display())?;
    writeln!(stdout, "took {:.0} s", started.elapsed().as_secs_f64())?;
    Ok(true)
}

pub fn claims(args: ClaimsArgs) -> anyhow::Result<bool> {
    use crate::suite::{claims::Ledger, results::Results};
    let results = Results::load(&args.results)
        .with_context(|| format!("reading {}", args.results.display()))?;
    let evaluation = Ledger::load(&args.ledger)?.evaluate(&results);
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &evaluation)?;
        writeln!(stdout)?;
    } else {
        let style = crate::report::terminal::Style::detect();
        write!(
            stdout,
            "{}",
            crate::report::ledger::text(&evaluation, &style)
        )?;
    }
    Ok(true)
}

pub fn report(args: ReportArgs) -> anyhow::Result<bool> {
    use crate::report::{self, terminal::Style};
    use crate::suite::{claims::Evaluation, claims::Ledger, results::Results};
    let results = Results::load(&args.results)
        .with_context(|| format!("reading {}", args.results.display()))?;
    let evaluation: Option<Evaluation> =
        match &args.ledger {
            Some(path) => Some(Ledger::load(path)?.evaluate(&results)),
            None => match &results.ledger {
                Some(v) => Some(serde_json::from_value(v.clone()).context(
                    "the ledger stored in the results file is unreadable; pass --ledger",
                )?),
                None => None,
            },
        };
    let dir = args.results.parent().unwrap_or(std::path::Path::new("."));
    let html = args.html.clone().unwrap_or_else(|| dir.join("report.html"));
    let md = args.md.clone().unwrap_or_else(|| dir.join("report.md"));
    report::write(&results, evaluation.as_ref(), &args.baseline, &html, &md)
        .with_context(|| format!("writing {} and {}", html.display(), md.display()))?;
    let style = Style::detect();
    let mut stdout = std::io::stdout().lock();
    write!(
        stdout,
        "{}",
        report::table::render(&results, &args.baseline, &style)
    )?;
    if let Some(e) = &evaluation {
        write!(stdout, "{}", report::ledger::text(e, &style))?;
    }
    writeln!(stdout, "\nreport: {} and {}", html.display(), md.display())?;
    Ok(true)
}
