//! `kind = "torture"`: the hostile-input battery of `shootout torture`
//! (malformed input, protocol abuse, slow and vanishing clients, upstream
//! faults, overload). Deterministic: one trial.

use super::super::detail::TrialDetail;
use super::super::{Record, Setup};
use crate::gate::{Launch, Prepared};
use crate::suite::metric::Metric;

/// The hostile-input battery; the scorecard is the trial's detail.
pub(super) async fn run(
    prepared: &Prepared,
    setup: &Setup,
    overload: bool,
    r: &mut Record,
) -> anyhow::Result<()> {
    let how = Launch::new(setup.service_cpus.clone(), setup.ready_timeout);
    let generator = overload.then_some(&setup.generator_cpus);
    // In its database mode when it has one (the runner leaves the database
    // out for a contender whose database mode failed verification).
    let database = setup
        .database
        .as_deref()
        .filter(|_| prepared.contender.database.is_some());
    let card = crate::torture::battery(prepared, &how, generator, database).await?;
    r.put(Metric::TortureFailed, card.failed as f64);
    r.put(
        Metric::TortureRuntimeErrors,
        (card.server_errors + card.crashes) as f64,
    );
    r.put(Metric::TortureCrashes, card.crashes as f64);
    r.put(Metric::TortureHangs, card.hangs as f64);
    r.put(Metric::TortureOrdersLost, card.orders_lost as f64);
    if let Some(n) = card.orders_invented {
        r.put(Metric::TortureOrdersInvented, n as f64);
    }
    if let Some(o) = &card.overload {
        r.put(Metric::OverloadTimeouts, o.timeouts as f64);
        r.put(Metric::OverloadShed, o.shed as f64);
        if let Some(s) = o.recovery_s {
            r.put(Metric::OverloadRecoveryS, s as f64);
        }
    }
    for f in card.cases.iter().filter(|c| !c.passed) {
        r.warnings.push(format!(
            "torture: [{}] {}: {}",
            f.group,
            f.case,
            f.failure.as_deref().unwrap_or("")
        ));
    }
    r.detail = Some(TrialDetail::Torture(Box::new(card)));
    Ok(())
}
