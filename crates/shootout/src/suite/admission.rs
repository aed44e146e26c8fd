//! Admission to `shootout run`: every contender built at once, each
//! verified through the [gate](crate::gate) as soon as its build ends (its
//! database mode too, when a scenario will measure it) while the others
//! still build, and every remote target verified over the network. One
//! that fails is skipped with the reason, kept in the results. Nothing is
//! measured before admission ends, so a build never shares the CPU with a
//! measurement; verification only checks answers.

use std::time::Instant;

use super::results::{ContenderInfo, Results};
use super::trial::{Setup, Subject};
use crate::contenders::Contender;
use crate::gate::{self, Launch, Prepared};

/// Builds and verifies every contender, and verifies every target: one
/// that fails is skipped with the reason. The subjects to measure.
/// `uses_database(name)` says whether a scenario of this run will measure
/// that contender in its database mode (only then is that mode verified).
pub(super) async fn admit_all(
    contenders: &[Contender],
    targets: &[crate::remote::Target],
    setup: &Setup,
    seed: u64,
    uses_database: &(dyn Fn(&str) -> bool + Sync),
    results: &mut Results,
) -> anyhow::Result<Vec<Subject>> {
    let mut ready: Vec<Subject> = Vec::new();
    let admitted = build_and_admit(contenders, setup, seed, uses_database).await;
    for (c, admitted) in contenders.iter().zip(admitted) {
        results.contenders.retain(|i| i.name != c.name);
        match admitted {
            Ok((prepared, info)) => {
                results.contenders.push(info);
                ready.push(Subject::Local(Box::new(prepared)));
            }
            Err(e) => {
                let reason = match e.hint() {
                    Some(hint) => format!("{e} (hint: {hint})"),
                    None => e.to_string(),
                };
                eprintln!("shootout: skipping {}: {reason}", c.name);
                results.contenders.push(skipped(c, reason));
            }
        }
    }
    for t in targets {
        results.contenders.retain(|i| i.name != t.name);
        let info = admit_target(t, seed).await;
        match &info.skipped {
            Some(why) => eprintln!("shootout: skipping {}: {why}", t.name),
            None => {
                results.note(t.unavailable());
                ready.push(Subject::Remote(t.clone()));
            }
        }
        results.contenders.push(info);
    }
    anyhow::ensure!(
        !ready.is_empty(),
        "no contender passed verification; nothing to measure"
    );
    Ok(ready)
}

/// A contender that did not pass the gate, and why.
fn skipped(c: &Contender, reason: String) -> ContenderInfo {
    ContenderInfo {
        name: c.name.clone(),
        language: c.language.clone(),
        framework: c.framework.clone(),
        runtime: None,
        told: Default::default(),
        verified: false,
        skipped: Some(reason),
        database_driver: c.database.as_ref().map(|d| d.driver.clone()),
        database_skipped: None,
        remote: None,
        source_hash: None,
    }
}

type Admitted = Result<(Prepared, ContenderInfo), gate::GateError>;

/// Builds every contender at once (a build waits on the network or one
/// toolchain while another compiles), each reused when its sources have not
/// changed, and verifies each as soon as its build ends, one at a time (they
/// share the pinned service CPUs and the database); in `contenders`' order.
/// On a fresh machine the longest build hides the others' verification.
async fn build_and_admit(
    contenders: &[Contender],
    setup: &Setup,
    seed: u64,
    uses_database: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<Admitted> {
    let started = Instant::now();
    let mut builds = tokio::task::JoinSet::new();
    for (i, c) in contenders.iter().enumerate() {
        if c.variant.is_some() {
            continue;
        }
        let c = c.clone();
        builds.spawn(async move { (i, gate::prepare(&c).await) });
    }
    let mut done: Vec<(usize, Admitted)> = Vec::with_capacity(contenders.len());
    while let Some(joined) = builds.join_next().await {
        let (i, prepared) = joined.expect("a build task does not panic");
        let database = uses_database(&contenders[i].name);
        done.push((i, admit(prepared, setup, seed, database).await));
    }
    // A variant shares its base's folder and build: prepared (its build
    // found current) once every build has ended, never beside its base's.
    for (i, c) in contenders.iter().enumerate() {
        if c.variant.is_some() {
            let database = uses_database(&c.name);
            done.push((
                i,
                admit(gate::prepare(c).await, setup, seed, database).await,
            ));
        }
    }
    done.sort_by_key(|(i, _)| *i);
    if !contenders.is_empty() {
        eprintln!(
            "shootout: {} contender(s) built and verified after {:.1} s",
            contenders.len(),
            started.elapsed().as_secs_f64()
        );
    }
    done.into_iter().map(|(_, a)| a).collect()
}

/// Verifies one built contender; `Err` says why it is skipped.
async fn admit(
    prepared: Result<Prepared, gate::GateError>,
    setup: &Setup,
    seed: u64,
    uses_database: bool,
) -> Admitted {
    let prepared = prepared?;
    let contender = &prepared.contender;
    let how =
        Launch::new(setup.service_cpus.clone(), setup.ready_timeout).with_limits(setup.limits);
    let conditions = prepared.admit(&how, seed, None).await?;
    // Its database mode is verified too when a scenario will measure it.
    let database_skipped = match (&setup.database, &contender.database) {
        (Some(_), Some(_)) if !uses_database => Some(
            "no scenario of this run measures its database mode, so it was not verified".to_owned(),
        ),
        (Some(db), Some(_)) => {
            let how = how.with_database(Some(db.url.clone()));
            // Same seed, same customers: each contender starts from empty tables.
            let admitted = match db.reset().await {
                Ok(()) => prepared.admit(&how, seed, Some(db)).await.map(|_| ()),
                Err(e) => Err(gate::GateError::Database(e)),
            };
            match admitted {
                Ok(_) => None,
                Err(e) => {
                    eprintln!(
                        "shootout: {}: its database mode failed verification: {e}",
                        contender.name
                    );
                    Some(format!("database mode failed verification: {e}"))
                }
            }
        }
        (None, Some(_)) => Some("no database was started for this run".to_owned()),
        (_, None) => None,
    };
    let info = ContenderInfo {
        name: contender.name.clone(),
        language: contender.language.clone(),
        framework: contender.framework.clone(),
        runtime: Some(prepared.runtime.clone()),
        told: conditions.env,
        verified: true,
        skipped: None,
        database_driver: contender.database.as_ref().map(|d| d.driver.clone()),
        database_skipped,
        remote: None,
        source_hash: Some(prepared.built.source_hash.clone()).filter(|h| !h.is_empty()),
    };
    Ok((prepared, info))
}

/// Verifies a remote target over the network; its info either way.
async fn admit_target(target: &crate::remote::Target, seed: u64) -> ContenderInfo {
    eprintln!(
        "shootout: verifying {} at {} against the contract…",
        target.name, target.url
    );
    let checked = target.verify(seed).await;
    let skipped = checked.failures.first().map(|f| {
        format!(
            "{} contract rule(s) broken, first in {}: {}",
            checked.failures.len(),
            f.group.name(),
            f.rule
        )
    });
    ContenderInfo {
        name: target.name.clone(),
        language: "remote".to_owned(),
        framework: target.url.clone(),
        runtime: None,
        told: Default::default(),
        verified: skipped.is_none(),
        skipped,
        database_driver: None,
        database_skipped: None,
        remote: Some(target.url.clone()),
        source_hash: None,
    }
}
