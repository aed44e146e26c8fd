//! `kind = "mutate"`: the refactoring experiment (`crate::mutate`) as a
//! scenario. With `run` (`--full`) it is repeated for the contender;
//! otherwise the last scorecard of the same sources is shown and the
//! warning says so, or, without one, the cell says it was not measured.
//! Deterministic: one trial.

use std::path::Path;

use super::super::detail::TrialDetail;
use super::super::{Record, Setup};
use crate::gate::Prepared;
use crate::mutate::{self, Catalogue, Patches, cache};
use crate::suite::metric::Metric;

/// The contract checks' seed: the outcome must not depend on the run.
const SEED: u64 = 1;

pub(super) async fn run(
    prepared: &Prepared,
    setup: &Setup,
    run: bool,
    r: &mut Record,
) -> anyhow::Result<()> {
    let contender = &prepared.contender;
    if !mutate::has_patches(contender) {
        r.warnings
            .push("not measured: it has no mutations.toml (docs/mutate.md)".to_owned());
        return Ok(());
    }
    let hash = crate::contenders::sources::hash(&contender.dir).unwrap_or_default();
    let card = if run {
        let path = contender
            .dir
            .join(Path::new("../../contract/mutations.toml"));
        let catalogue = Catalogue::load(&path)?;
        let patches = Patches::load(&contender.name, &contender.dir, &catalogue)?;
        let card =
            mutate::measure(&catalogue, contender, &patches, &setup.service_cpus, SEED).await?;
        cache::save(&card);
        card
    } else if let Some(card) = cache::load(&contender.name, &hash) {
        r.warnings.push(
            "not repeated in this run: the scorecard of the last `shootout mutate` of the same sources".to_owned(),
        );
        card
    } else {
        r.warnings.push(
            "not measured in this run (only --full repeats the experiment; `shootout mutate` keeps a scorecard for later runs)".to_owned(),
        );
        return Ok(());
    };
    let s = &card.summary;
    r.put(Metric::MutateWritten, s.written as f64);
    r.put(
        Metric::MutateCaughtBeforeRunningPct,
        s.caught_before_running_pct,
    );
    r.put(Metric::MutateReachedRunningPct, s.reached_running_pct);
    r.put(Metric::MutateSlippedPct, s.slipped_pct);
    if let Some(p) = s.errors_caught_before_running_pct {
        r.put(Metric::MutateErrorsCaughtBeforeRunningPct, p);
    }
    r.detail = Some(TrialDetail::Mutate(Box::new(card)));
    Ok(())
}
