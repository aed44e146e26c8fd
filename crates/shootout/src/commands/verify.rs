//! `shootout verify`: every contender through the gate, with the contract
//! checked in full, and a verdict each.

use std::time::{Duration, Instant};

use super::{in_ci, print_json_or_text, seed_or_clock, service_cpus};
use crate::cli::VerifyArgs;
use crate::contenders::{self, Contender};
use crate::database::Database;
use crate::gate::{self, Launch, Prepared};
use crate::remote::Target;
use crate::supervise::CpuSet;
use crate::verify::outcome::{ContenderVerdict, SCHEMA, VerifyOutcome, VerifyReport};
use crate::verify::{Failure, Group};

pub async fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let ci = in_ci();
    let seed = seed_or_clock(args.seed);
    if !args.target.is_empty() {
        return verify_targets(&args, seed, ci).await;
    }
    let cpus = service_cpus(&args.common)?;
    let all = super::discover_contenders(&args.common.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no contenders found in {}\nhint: each contender is a folder with a contender.toml",
        args.common.dir.contenders_dir.display()
    );
    let database = match args.database.plan() {
        Some(plan) if chosen.iter().any(|c| c.database.is_some()) => {
            eprintln!("shootout: starting PostgreSQL for the database group…");
            let db = Database::start(&plan, None).await?;
            eprintln!(
                "shootout: PostgreSQL {} ({})",
                db.info.version, db.info.source
            );
            Some(db)
        }
        _ => None,
    };
    let mut verdicts = Vec::new();
    for contender in &chosen {
        let db = database.as_ref().filter(|_| contender.database.is_some());
        let checked = verify_contender(contender, &cpus, args.common.ready_timeout, seed, ci, db);
        verdicts.extend(checked.await?);
    }
    if let Some(db) = database {
        db.stop().await;
    }
    print_report(verdicts, seed, args.output.json, ci)
}

/// Prints the verdicts (text or `--json`); whether they all passed.
fn print_report(
    contenders: Vec<ContenderVerdict>,
    seed: u64,
    json: bool,
    ci: bool,
) -> anyhow::Result<bool> {
    let report = VerifyReport {
        schema: SCHEMA,
        seed,
        contenders,
    };
    print_json_or_text(json, &report)?;
    Ok(report.success(ci))
}

fn verdict(c: &Contender, outcome: VerifyOutcome) -> ContenderVerdict {
    ContenderVerdict {
        name: c.name.clone(),
        language: c.language.clone(),
        framework: c.framework.clone(),
        outcome,
        reason: None,
        hint: None,
        runtime: None,
        build_seconds: None,
        ready_ms: None,
        conditions: None,
        groups: Vec::new(),
        failures: Vec::new(),
        not_run: 0,
    }
}

/// Builds `contender` once and checks it in each mode it will be measured
/// in: in memory, then (with a database) on PostgreSQL, as "NAME (database)".
async fn verify_contender(
    contender: &Contender,
    cpus: &CpuSet,
    ready_timeout: Duration,
    seed: u64,
    ci: bool,
    database: Option<&Database>,
) -> anyhow::Result<Vec<ContenderVerdict>> {
    let mut v = verdict(contender, VerifyOutcome::Error);
    let prepared = match gate::prepare(contender).await {
        Ok(p) => p,
        Err(e) => {
            if e.is_missing_toolchain() && !ci {
                v.outcome = VerifyOutcome::Skipped;
            }
            v.hint = e.hint().map(str::to_owned);
            v.reason = Some(e.to_string());
            eprintln!("shootout: {}: {e}", contender.name);
            return Ok(vec![v]);
        }
    };
    v.runtime = Some(prepared.runtime.clone());
    v.build_seconds = Some(prepared.built.wall.as_secs_f64());
    let mut verdicts =
        vec![check_mode(&prepared, v.clone(), cpus, ready_timeout, seed, None).await];
    if let Some(db) = database {
        // Same seed, same customers: each contender starts from empty tables.
        db.reset().await?;
        v.name = format!("{} (database)", contender.name);
        verdicts.push(check_mode(&prepared, v, cpus, ready_timeout, seed, Some(db)).await);
    }
    Ok(verdicts)
}

/// Starts the prepared contender, checks the whole contract, stops it.
async fn check_mode(
    prepared: &Prepared,
    mut v: ContenderVerdict,
    cpus: &CpuSet,
    ready_timeout: Duration,
    seed: u64,
    database: Option<&Database>,
) -> ContenderVerdict {
    let name = &prepared.contender.name;

    eprintln!("shootout: verifying {name} (CPUs {cpus})…");
    let how =
        Launch::new(cpus.clone(), ready_timeout).with_database(database.map(|d| d.url.clone()));
    let running = match prepared.start(&how).await {
        Ok(r) => r,
        Err(e) => {
            v.reason = Some(e.to_string());
            return v;
        }
    };
    v.ready_ms = Some(running.ready_after.as_secs_f64() * 1e3);
    v.conditions = Some(running.conditions.clone());

    let started = Instant::now();
    let checked = running.verify(seed, database).await;
    let (mut groups, mut failures) = (checked.groups, checked.failures);
    v.not_run = checked.not_run;
    let stopped = running.stop().await;
    let survival = groups
        .iter_mut()
        .find(|g| g.group == Group::Survival)
        .expect("every group is reported");
    let mut fail = |rule: String| {
        survival.failed += 1;
        failures.push(Failure {
            group: Group::Survival,
            rule,
            request: String::new(),
            response: format!("last output:\n{}", stopped.tail),
        });
    };
    match (&stopped.crashed, stopped.exit.code) {
        (Some(exit), _) => fail(format!(
            "the service stays up through verification (it ended: {exit})"
        )),
        (None, Some(0)) => survival.passed += 1,
        (None, _) => fail(format!(
            "on SIGTERM the service exits 0 within 5 s (got {})",
            stopped.exit
        )),
    }
    if database.is_some() && stopped.crashed.is_none() {
        let db_group = groups
            .iter_mut()
            .find(|g| g.group == Group::Database)
            .expect("every group is reported");
        match prepared.check_persistence(&how, seed).await {
            Ok(()) => db_group.passed += 1,
            Err(f) => {
                db_group.failed += 1;
                failures.push(*f);
            }
        }
    }
    eprintln!(
        "shootout: {name}: {} checks in {:.1} s",
        groups.iter().map(|g| g.passed + g.failed).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    v.outcome = if failures.is_empty() {
        VerifyOutcome::Passed
    } else {
        VerifyOutcome::Failed
    };
    v.groups = groups;
    v.failures = failures;
    v
}

/// `--target`: services running elsewhere, checked over the network.
async fn verify_targets(args: &VerifyArgs, seed: u64, ci: bool) -> anyhow::Result<bool> {
    let mut verdicts = Vec::new();
    for spec in &args.target {
        let target = Target::parse(spec, args.target_upstream.as_deref())?;
        eprintln!("shootout: verifying {} at {}…", target.name, target.url);
        let checked = target.verify(seed).await;
        verdicts.push(ContenderVerdict {
            name: target.name.clone(),
            language: "remote".to_owned(),
            framework: target.url.clone(),
            outcome: if checked.failures.is_empty() {
                VerifyOutcome::Passed
            } else {
                VerifyOutcome::Failed
            },
            reason: None,
            hint: None,
            runtime: None,
            build_seconds: None,
            ready_ms: None,
            conditions: None,
            groups: checked.groups,
            failures: checked.failures,
            not_run: checked.not_run,
        });
    }
    print_report(verdicts, seed, args.output.json, ci)
}
