//! A ledger as a command reads it: the file (one named and missing is an
//! error), then every scenario and contender it names checked against
//! those that exist, so a typo fails before anything is judged.

use std::path::Path;

use crate::suite::claims::Ledger;
use crate::suite::ledger_names::{self, KnownNames};
use crate::suite::results::Results;
use crate::suite::scenario::{self, Mode, Scenario};

/// The ledger shootout judges when none is named.
pub(super) const DEFAULT_LEDGER: &str = "claims/go-vs-node.toml";

/// The names a results file holds, plus the scenario files under
/// `scenarios/` and the contenders under `$SHOOTOUT_CONTENDERS` (else
/// `contenders/`) when those folders are there: a ledger may name a
/// scenario this run did not measure (its claim is INCONCLUSIVE, no data),
/// never one that does not exist.
pub(super) fn known_for(results: &Results) -> KnownNames {
    let mut known = KnownNames::default();
    known.add_scenarios(results.scenarios.iter().map(|s| s.config.name.as_str()));
    known.add_contenders(results.contenders.iter().map(|c| c.name.as_str()));
    if let Ok(found) = scenario::discover(Path::new("scenarios"), Mode::Default) {
        known.add_scenarios(found.iter().map(|s| s.name.as_str()));
    }
    let dir = std::env::var_os("SHOOTOUT_CONTENDERS").unwrap_or_else(|| "contenders".into());
    if let Ok(found) = crate::contenders::discover(Path::new(&dir)) {
        known.add_contenders(found.iter().map(|c| c.name.as_str()));
    }
    known
}

/// Reads `path` and refuses it if a check names a scenario or contender
/// `known` lacks, or a metric its scenario cannot produce.
pub(super) fn load_checked(
    path: &Path,
    scenarios: &[Scenario],
    known: &KnownNames,
) -> anyhow::Result<Ledger> {
    let ledger = Ledger::load(path)?;
    ledger.check_against(scenarios, false)?;
    ledger_names::check(&ledger, known)?;
    Ok(ledger)
}

/// For `claims` and `report`: the ledger checked against a results file.
/// A metric is checked against the scenario as `scenarios/` defines it now
/// when the file is there, else as the results recorded it: results made
/// before a scenario learnt a metric are judged INCONCLUSIVE (no data) on
/// it, not refused.
pub(super) fn load_for_results(path: &Path, results: &Results) -> anyhow::Result<Ledger> {
    let current = scenario::discover(Path::new("scenarios"), Mode::Default).unwrap_or_default();
    let mut scenarios = current.clone();
    scenarios.extend(
        results
            .scenarios
            .iter()
            .filter(|s| !current.iter().any(|c| c.name == s.config.name))
            .map(|s| s.config.clone()),
    );
    load_checked(path, &scenarios, &known_for(results))
}
