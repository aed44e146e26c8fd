//! `results.json`: the one document a run produces, written after every cell
//! (atomically: a temporary file renamed over the old one), so Ctrl-C or a
//! crash keeps everything measured so far and `--resume` can finish it.
//!
//! Reading a file (and one of the previous version) is in `suite::migrate`.
//! These types *are* the schema: `docs/results.schema.json` is generated
//! from them (`shootout schema results`), and a test fails when the
//! committed file is stale. Statistics (medians, intervals, winners, ratios)
//! are computed here, once, when a cell changes; reports only format them.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::machine::Machine;
use super::measure::SanityFailure;
use super::metric::{Aggregate, MetricKey};
use super::scenario::{Mode, Scenario};
use super::trial::detail::TrialDetail;
use super::verdict::Evaluation;
use crate::contenders::toolchain::Runtime;
use crate::stats::bootstrap::{self, Estimate};

/// Version of the document.
pub const SCHEMA: &str = "shootout.results/2";
/// The previous version, which still loads (see `suite::migrate`).
pub const SCHEMA_V1: &str = "shootout.results/1";

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// The contender died during the trial.
    Crashed,
    /// The trial could not run (start-up failure, harness error).
    Failed,
}

/// One trial of one (scenario, contender) cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Trial {
    /// 0-based trial number.
    pub trial: usize,
    /// Position of the contender in this trial's rotated order.
    pub position: usize,
    pub started_at: String,
    pub status: Status,
    /// What went wrong, with the contender's last output when it crashed.
    pub error: Option<String>,
    /// The registered metrics this trial measured (`docs/results.md` lists them).
    pub metrics: BTreeMap<MetricKey, f64>,
    /// Sanity checks that failed (Little's law, saturation, errors…), in words.
    pub warnings: Vec<String>,
    /// The same failed sanity checks, typed: a claim reading a metric at a
    /// level with one is INCONCLUSIVE and names it.
    #[serde(default)]
    pub sanity: Vec<SanityFailure>,
    /// What the metrics were computed from, for charts: the load results with
    /// their latency spectra and timelines, resource summaries, sweep points,
    /// cold-start runs, the footprint. Null when the trial did not run.
    pub detail: Option<TrialDetail>,
    /// Database scenarios: the audit of acknowledged orders after the trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<crate::database::audit::Audit>,
    /// What the runtime chose by itself, from the `key=value` facts of the
    /// service's start-up line (`GOMAXPROCS=1`, `heap_limit_mb=…`,
    /// `workers=…`): under `--limits` it was told nothing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub runtime_chose: BTreeMap<String, String>,
}

/// One (scenario, contender) cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct CellResult {
    pub contender: String,
    pub trials: Vec<Trial>,
    /// Per metric, over the trials that ended `ok`: the median and its 95%
    /// bootstrap interval (a total for counts of bad events).
    pub summary: BTreeMap<MetricKey, Estimate>,
    /// The cell's trials had failures, crashes, errors, non-2xx answers or
    /// wrong answers: its numbers never decide a claim.
    pub marked: bool,
    /// Why it is marked, and the sanity checks that failed.
    pub warnings: Vec<String>,
}

/// The best cell of a column.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Ranking {
    pub metric: MetricKey,
    pub best: String,
    /// The best is inside the noise of the runner-up.
    pub tie: bool,
}

/// The ratio of one contender's median to another's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct PairRatio {
    pub metric: MetricKey,
    pub a: String,
    pub b: String,
    pub ratio: Estimate,
    /// The ratio is inside the noise of 1.
    pub same: bool,
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub claims: Vec<String>,
    /// The scenario as run (kind, load model, durations).
    pub config: Scenario,
    pub cells: Vec<CellResult>,
    /// Each metric's best cell.
    #[serde(default)]
    pub rankings: Vec<Ranking>,
    /// The headline metric's ratio between every pair of contenders.
    #[serde(default)]
    pub ratios: Vec<PairRatio>,
}

/// A contender as it took part in the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ContenderInfo {
    pub name: String,
    pub language: String,
    pub framework: String,
    /// Runtime name, exact version and where it came from; null when it was not found.
    pub runtime: Option<Runtime>,
    /// Every variable shootout set for it, including its CPU budget.
    pub told: BTreeMap<String, String>,
    pub verified: bool,
    /// Why it was left out, if it was.
    pub skipped: Option<String>,
    /// Its database driver, or null when it has no database mode.
    #[serde(default)]
    pub database_driver: Option<String>,
    /// Why it was left out of the database scenarios, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_skipped: Option<String>,
    /// The URL of a remote target (`run --target`): a service shootout
    /// did not start, whose process-side metrics are unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// The SHA-256 of its sources (every file of its folder but build
    /// outputs), as built for this run; null for a remote target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_hash: Option<String>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Results {
    /// `shootout.results/2`.
    pub schema: String,
    pub started_at: String,
    pub updated_at: String,
    /// Every planned cell ran.
    pub complete: bool,
    pub mode: Mode,
    pub trials: usize,
    pub seed: u64,
    pub machine: Machine,
    /// CPU lists: the service's, and the generator's and upstream's.
    pub service_cpus: String,
    pub generator_cpus: String,
    /// The cgroup limits every contender ran under (`--limits`) instead of
    /// being pinned to `service_cpus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<crate::supervise::limits::Limits>,
    pub contenders: Vec<ContenderInfo>,
    pub scenarios: Vec<ScenarioResult>,
    /// The claims ledger, when one was evaluated.
    pub ledger: Option<Evaluation>,
    /// Run-level notes (skipped contenders, migrated files).
    pub notes: Vec<String>,
    /// The PostgreSQL of the database scenarios: version, source, settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<crate::database::DatabaseInfo>,
    /// SHA-256 of the contract the contenders were verified against
    /// ([`contract_hash`]): runs verified against different contracts are
    /// not pooled. Null in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_hash: Option<String>,
}

/// SHA-256 (hex) of the contract as this build of shootout checks it: its
/// text (`docs/contract.md`) and the code that computes the expected answers
/// (`src/contract/`).
pub fn contract_hash() -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for text in [
        include_str!("../../../../docs/contract.md"),
        include_str!("../contract/mod.rs"),
        include_str!("../contract/checks.rs"),
        include_str!("../contract/kernels.rs"),
        include_str!("../contract/orders.rs"),
        include_str!("../contract/vectors.rs"),
    ] {
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl CellResult {
    pub fn new(contender: &str) -> Self {
        Self {
            contender: contender.to_owned(),
            trials: Vec::new(),
            summary: BTreeMap::new(),
            marked: false,
            warnings: Vec::new(),
        }
    }

    /// Recomputes the summary, the mark and the warnings from the trials.
    pub fn summarize(&mut self, seed: u64) {
        let ok: Vec<&Trial> = self
            .trials
            .iter()
            .filter(|t| t.status == Status::Ok)
            .collect();
        let mut keys: Vec<MetricKey> = ok.iter().flat_map(|t| t.metrics.keys().copied()).collect();
        keys.sort();
        keys.dedup();
        self.summary = keys
            .into_iter()
            .filter_map(|key| {
                let values = self.values(key);
                let estimate = match key.spec().aggregate {
                    Aggregate::Median => bootstrap::estimate(&values, seed),
                    Aggregate::Total => bootstrap::total(&values),
                };
                estimate.map(|e| (key, e))
            })
            .collect();
        let mut warnings: Vec<String> = self
            .trials
            .iter()
            .flat_map(|t| t.warnings.iter().cloned())
            .collect();
        for t in &self.trials {
            if let Some(e) = &t.error {
                warnings.push(format!(
                    "trial {}: {:?}: {}",
                    t.trial + 1,
                    t.status,
                    e.lines().next().unwrap_or("")
                ));
            }
        }
        for (key, e) in &self.summary {
            if e.noisy && key.level.is_none() && key.spec().headline() {
                warnings.push(format!(
                    "{key} varies by {:.1}% between trials (CV above 5%)",
                    e.cv.unwrap_or(0.0) * 100.0
                ));
            }
        }
        warnings.sort();
        warnings.dedup();
        self.marked = self
            .trials
            .iter()
            .any(|t| t.status != Status::Ok || t.had_failures());
        self.warnings = warnings;
    }

    /// The values of `key` over the trials that ended `ok`.
    pub fn values(&self, key: MetricKey) -> Vec<f64> {
        self.trials
            .iter()
            .filter(|t| t.status == Status::Ok)
            .filter_map(|t| t.metrics.get(&key).copied())
            .collect()
    }

    /// The interval of `key`'s median over the trials that ended `ok` by
    /// order statistics, with its real coverage (with 3 trials, [min, max]
    /// at 75%): what tables and charts show. `None` under 2 trials and for
    /// totals.
    pub fn median_interval(&self, key: MetricKey) -> Option<crate::stats::interval::Interval> {
        match key.spec().aggregate {
            Aggregate::Median => crate::stats::interval::median_interval(&self.values(key)),
            Aggregate::Total => None,
        }
    }
}

impl Trial {
    /// Requests that failed or were answered wrongly (at any sweep level).
    pub fn had_failures(&self) -> bool {
        super::measure::failed_answers(&self.metrics, |_| true).is_some()
    }
}

impl Results {
    /// Adds `note` to the notes, once.
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub fn scenario(&self, name: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    pub fn cell(&self, scenario: &str, contender: &str) -> Option<&CellResult> {
        self.scenario(scenario)?
            .cells
            .iter()
            .find(|c| c.contender == contender)
    }

    /// Whether trial `trial` of (scenario, contender) already has a result.
    /// A trial that failed for the harness's reasons is run again on resume;
    /// a crash is the contender's result and is kept.
    pub fn has_trial(&self, scenario: &str, contender: &str, trial: usize) -> bool {
        self.cell(scenario, contender).is_some_and(|c| {
            c.trials
                .iter()
                .any(|t| t.trial == trial && t.status != Status::Failed)
        })
    }

    /// Writes atomically: a temporary file in the same folder, then rename.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".results.json.{}.tmp", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(&tmp, path)
    }
}

/// Results with one scenario of single-metric cells, for tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub fn results_with(scenario: &str, key: MetricKey, cells: &[(&str, &[f64])]) -> Results {
        let cells: Vec<CellResult> = cells
            .iter()
            .map(|(name, values)| {
                let mut cell = CellResult::new(name);
                cell.trials = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Trial {
                        trial: i,
                        position: 0,
                        started_at: String::new(),
                        status: Status::Ok,
                        error: None,
                        metrics: [(key, *v)].into(),
                        warnings: vec![],
                        sanity: vec![],
                        detail: None,
                        audit: None,
                        runtime_chose: BTreeMap::new(),
                    })
                    .collect();
                cell.summarize(1);
                cell
            })
            .collect();
        let trials = cells
            .iter()
            .map(|c: &CellResult| c.trials.len())
            .max()
            .unwrap_or(0);
        Results {
            schema: SCHEMA.into(),
            started_at: String::new(),
            updated_at: String::new(),
            complete: true,
            mode: Mode::Default,
            trials,
            seed: 1,
            machine: Machine::default(),
            service_cpus: "1".into(),
            generator_cpus: "0".into(),
            limits: None,
            contenders: vec![],
            scenarios: vec![ScenarioResult {
                name: scenario.into(),
                description: String::new(),
                claims: vec![],
                config: Scenario::placeholder(scenario),
                cells,
                rankings: vec![],
                ratios: vec![],
            }],
            ledger: None,
            notes: vec![],
            database: None,
            contract_hash: Some(contract_hash()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::metric::Metric;

    fn trial(n: usize, status: Status, rps: f64) -> Trial {
        Trial {
            trial: n,
            position: 0,
            started_at: String::new(),
            status,
            error: None,
            metrics: [
                (MetricKey::of(Metric::RequestsPerS), rps),
                (MetricKey::of(Metric::Errors), 0.0),
            ]
            .into(),
            warnings: vec![],
            sanity: vec![],
            detail: None,
            audit: None,
            runtime_chose: BTreeMap::new(),
        }
    }

    #[test]
    fn a_crashed_trial_marks_the_cell_and_is_not_averaged() {
        let mut cell = CellResult::new("x");
        cell.trials = vec![
            trial(0, Status::Ok, 100.0),
            trial(1, Status::Crashed, 5.0),
            trial(2, Status::Ok, 110.0),
        ];
        cell.summarize(1);
        assert!(cell.marked);
        let rps = &cell.summary[&MetricKey::of(Metric::RequestsPerS)];
        assert_eq!(rps.n, 2);
        assert_eq!(rps.median, 105.0);
    }
}
