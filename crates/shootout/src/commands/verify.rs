//! `shootout verify`: every contender through the gate, with the contract
//! checked in full, and a verdict each.

use std::time::{Duration, Instant};

use super::{in_ci, print_json_or_text, seed_or_clock, service_cpus};
use crate::cli::VerifyArgs;
use crate::contenders::{self, Contender};
use crate::gate::{self, Launch, UpstreamPlan};
use crate::supervise::CpuSet;
use crate::verify::report::{ContenderVerdict, Outcome, Report, SCHEMA, render};
use crate::verify::{Failure, Group};

pub async fn verify(args: VerifyArgs) -> anyhow::Result<bool> {
    let ci = in_ci();
    let seed = seed_or_clock(args.seed);
    let cpus = service_cpus(&args.common)?;
    let all = contenders::discover(&args.common.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders)?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no contenders found in {}\nhint: each contender is a folder with a contender.toml",
        args.common.contenders_dir.display()
    );
    let mut verdicts = Vec::new();
    for contender in &chosen {
        verdicts.push(verify_one(contender, &cpus, args.common.ready_timeout, seed, ci).await);
    }
    let report = Report {
        schema: SCHEMA,
        seed,
        contenders: verdicts,
    };
    print_json_or_text(args.json, &report, || render(&report))?;
    Ok(report.success(ci))
}

fn verdict(c: &Contender, outcome: Outcome) -> ContenderVerdict {
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

async fn verify_one(
    contender: &Contender,
    cpus: &CpuSet,
    ready_timeout: Duration,
    seed: u64,
    ci: bool,
) -> ContenderVerdict {
    let mut v = verdict(contender, Outcome::Error);
    let name = &contender.name;
    let prepared = match gate::prepare(contender).await {
        Ok(p) => p,
        Err(e) => {
            if e.is_missing_toolchain() && !ci {
                v.outcome = Outcome::Skipped;
            }
            v.hint = e.hint().map(str::to_owned);
            v.reason = Some(e.to_string());
            eprintln!("shootout: {name}: {e}");
            return v;
        }
    };
    v.runtime = Some(prepared.runtime.clone());
    v.build_seconds = Some(prepared.built.wall.as_secs_f64());
    eprintln!("shootout: verifying {name} (CPUs {cpus})…");
    let running = match prepared
        .start(&Launch {
            cpus: cpus.clone(),
            port: None,
            ready_timeout,
            upstream: UpstreamPlan::InProcess,
            trace_gc: false,
        })
        .await
    {
        Ok(r) => r,
        Err(e) => {
            v.reason = Some(e.to_string());
            return v;
        }
    };
    v.ready_ms = Some(running.ready_after.as_secs_f64() * 1e3);
    v.conditions = Some(running.conditions.clone());

    let started = Instant::now();
    let checked = running.verify(seed).await;
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
    eprintln!(
        "shootout: {name}: {} checks in {:.1} s",
        groups.iter().map(|g| g.passed + g.failed).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    v.outcome = if failures.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    v.groups = groups;
    v.failures = failures;
    v
}
