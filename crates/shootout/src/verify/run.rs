//! Verifying contenders end to end: find the runtime, build, start with a
//! private upstream, check the contract, stop, and collect a verdict each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Failure, GroupResult, check_contract};
use crate::contenders::toolchain::{self, Runtime, ToolchainError};
use crate::contenders::{Contender, build};
use crate::supervise::launch::{Conditions, launch};
use crate::supervise::{CpuSet, free_port};
use crate::upstream::{self, Upstream};

/// Version of the `--json` document.
pub const SCHEMA: &str = "shootout.verify/1";

/// What `shootout verify` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub contenders_dir: PathBuf,
    /// Names to verify; all when empty.
    pub names: Vec<String>,
    pub service_cpus: CpuSet,
    /// Seed of the random inputs.
    pub seed: u64,
    /// In CI a missing toolchain is a failure, not a skip.
    pub ci: bool,
    /// How long a contender may take to answer /health after spawn.
    pub ready_timeout: Duration,
}

/// How verification of one contender ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every check passed.
    Passed,
    /// At least one contract rule is broken.
    Failed,
    /// Its toolchain is missing (outside CI).
    Skipped,
    /// It could not be built or started.
    Error,
}

/// The verdict on one contender. Part of the `--json` schema.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub name: String,
    pub language: String,
    pub framework: String,
    pub outcome: Outcome,
    /// Why it was skipped or errored.
    pub reason: Option<String>,
    /// What the user can do about it.
    pub hint: Option<String>,
    /// The runtime used, with its exact version.
    pub runtime: Option<Runtime>,
    /// Build wall time in seconds (an incremental build when already built).
    pub build_seconds: Option<f64>,
    /// Spawn to first 200 on /health, in milliseconds.
    pub ready_ms: Option<f64>,
    /// CPUs and environment it was started with.
    pub conditions: Option<Conditions>,
    pub groups: Vec<GroupResult>,
    pub failures: Vec<Failure>,
    /// Checks not sent because the service stopped answering.
    pub not_run: usize,
}

/// The whole `shootout verify --json` document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub seed: u64,
    pub contenders: Vec<Verdict>,
}

impl Report {
    /// Whether the run should exit zero.
    pub fn success(&self, ci: bool) -> bool {
        self.contenders.iter().all(|v| match v.outcome {
            Outcome::Passed => true,
            Outcome::Skipped => !ci,
            Outcome::Failed | Outcome::Error => false,
        })
    }
}

/// Selects contenders by name; an unknown name is an error listing the known ones.
pub fn select(all: Vec<Contender>, names: &[String]) -> anyhow::Result<Vec<Contender>> {
    if names.is_empty() {
        return Ok(all);
    }
    let known: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
    let mut chosen = Vec::new();
    for name in names {
        match all.iter().find(|c| &c.name == name) {
            Some(c) => chosen.push(c.clone()),
            None => anyhow::bail!(
                "no contender named {name:?}\nhint: known contenders: {}",
                known.join(", ")
            ),
        }
    }
    Ok(chosen)
}

fn verdict(c: &Contender, outcome: Outcome) -> Verdict {
    Verdict {
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

/// Verifies each selected contender in turn.
pub async fn verify(opts: &Options) -> anyhow::Result<Report> {
    let all = crate::contenders::discover(&opts.contenders_dir)?;
    let chosen = select(all, &opts.names)?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no contenders found in {}\nhint: each contender is a folder with a contender.toml",
        opts.contenders_dir.display()
    );
    let cache = toolchain::cache_dir();
    let mut verdicts = Vec::new();
    for contender in &chosen {
        verdicts.push(verify_one(contender, opts, &cache).await);
    }
    Ok(Report {
        schema: SCHEMA,
        seed: opts.seed,
        contenders: verdicts,
    })
}

async fn verify_one(contender: &Contender, opts: &Options, cache: &std::path::Path) -> Verdict {
    let mut v = verdict(contender, Outcome::Error);
    let name = &contender.name;

    let req = contender.runtime.clone();
    let cache_owned = cache.to_owned();
    let runtime = tokio::task::spawn_blocking(move || toolchain::resolve(&req, &cache_owned)).await;
    let runtime = match runtime {
        Ok(Ok(rt)) => rt,
        Ok(Err(e)) => {
            let missing = matches!(
                e,
                ToolchainError::Missing { .. } | ToolchainError::TooOld { .. }
            );
            v.outcome = if missing && !opts.ci {
                Outcome::Skipped
            } else {
                Outcome::Error
            };
            v.hint = e.hint().map(str::to_owned);
            v.reason = Some(e.to_string());
            eprintln!("shootout: {name}: {e}");
            return v;
        }
        Err(e) => {
            v.reason = Some(format!("toolchain lookup panicked: {e}"));
            return v;
        }
    };
    v.runtime = Some(runtime.clone());

    eprintln!(
        "shootout: building {name} ({} {})…",
        runtime.name, runtime.version
    );
    let (c, rt) = (contender.clone(), runtime.clone());
    match tokio::task::spawn_blocking(move || build::build(&c, &rt)).await {
        Ok(Ok(built)) => v.build_seconds = Some(built.wall.as_secs_f64()),
        Ok(Err(e)) => {
            v.reason = Some(format!("build failed: {e}"));
            return v;
        }
        Err(e) => {
            v.reason = Some(format!("build panicked: {e}"));
            return v;
        }
    }

    let upstream_state = Upstream::new(Duration::from_millis(2));
    let upstream = match upstream::start(([127, 0, 0, 1], 0).into(), upstream_state.clone()).await {
        Ok(u) => u,
        Err(e) => {
            v.reason = Some(format!("could not start the upstream simulator: {e}"));
            return v;
        }
    };
    let port = match free_port() {
        Ok(p) => p,
        Err(e) => {
            v.reason = Some(format!("no free port: {e}"));
            return v;
        }
    };
    eprintln!(
        "shootout: verifying {name} on 127.0.0.1:{port} (CPUs {})…",
        opts.service_cpus
    );
    let mut launched = match launch(
        contender,
        &runtime,
        port,
        &upstream.url(),
        &opts.service_cpus,
        opts.ready_timeout,
    )
    .await
    {
        Ok(l) => l,
        Err(e) => {
            v.reason = Some(format!("could not start: {e}"));
            return v;
        }
    };
    v.ready_ms = Some(launched.ready_after.as_secs_f64() * 1e3);
    v.conditions = Some(launched.conditions.clone());

    let started = Instant::now();
    let checked = check_contract(launched.addr, upstream_state, opts.seed).await;
    let (mut groups, mut failures) = (checked.groups, checked.failures);
    v.not_run = checked.not_run;
    let alive = launched.service.try_exit();
    let stop = launched.service.stop(Duration::from_secs(5)).await;
    let survival = groups
        .iter_mut()
        .find(|g| g.group == super::Group::Survival)
        .expect("every group is reported");
    let mut fail = |rule: String| {
        survival.failed += 1;
        failures.push(Failure {
            group: super::Group::Survival,
            rule,
            request: String::new(),
            response: format!("last output:\n{}", launched.service.tail()),
        });
    };
    match (alive, stop.code) {
        (Some(exit), _) => fail(format!(
            "the service stays up through verification (it ended: {exit})"
        )),
        (None, Some(0)) => survival.passed += 1,
        (None, _) => fail(format!(
            "on SIGTERM the service exits 0 within 5 s (got {stop})"
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
