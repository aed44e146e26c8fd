//! `results.json`: the one document a run produces, written after every cell
//! (atomically: a temporary file renamed over the old one), so Ctrl-C or a
//! crash keeps everything measured so far and `--resume` can finish it.
//! The schema is `docs/results.schema.json` (`shootout.results/1`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::stats::{self, Estimate};

/// Version of the document.
pub const SCHEMA: &str = "shootout.results/1";

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Ok,
    /// The contender died during the trial.
    Crashed,
    /// The trial could not run (start-up failure, harness error).
    Failed,
}

/// One trial of one (scenario, contender) cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Trial {
    /// 0-based trial number.
    pub trial: usize,
    /// Position of the contender in this trial's rotated order.
    pub position: usize,
    pub started_at: String,
    pub status: Status,
    /// What went wrong, with the contender's last output when it crashed.
    pub error: Option<String>,
    /// Named numbers: the metrics claims and tables refer to.
    pub metrics: BTreeMap<String, f64>,
    /// Sanity checks that failed (Little's law, saturation, errors…).
    pub warnings: Vec<String>,
    /// Details for reports: load results, resource series, sweep points…
    pub detail: Value,
}

/// One (scenario, contender) cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cell {
    pub contender: String,
    pub trials: Vec<Trial>,
    /// Per metric, over the trials that ended `ok`: median and 95% bootstrap interval.
    pub summary: BTreeMap<String, Estimate>,
    /// The cell's trials had failures, crashes, errors or verification failures.
    pub marked: bool,
    pub warnings: Vec<String>,
}

impl Cell {
    pub fn new(contender: &str) -> Self {
        Self {
            contender: contender.to_owned(),
            trials: Vec::new(),
            summary: BTreeMap::new(),
            marked: false,
            warnings: Vec::new(),
        }
    }

    /// Recomputes the summary from the trials.
    pub fn summarize(&mut self, seed: u64) {
        let ok: Vec<&Trial> = self
            .trials
            .iter()
            .filter(|t| t.status == Status::Ok)
            .collect();
        let mut names: Vec<&String> = ok.iter().flat_map(|t| t.metrics.keys()).collect();
        names.sort();
        names.dedup();
        self.summary = names
            .into_iter()
            .filter_map(|name| {
                let values: Vec<f64> = ok
                    .iter()
                    .filter_map(|t| t.metrics.get(name).copied())
                    .collect();
                stats::estimate(&values, seed).map(|e| (name.clone(), e))
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
        for (name, e) in &self.summary {
            if e.noisy && matches!(name.as_str(), "requests_per_s" | "p99_ms" | "p50_ms") {
                warnings.push(format!(
                    "{name} varies by {:.1}% between trials (CV above 5%)",
                    e.cv.unwrap_or(0.0) * 100.0
                ));
            }
        }
        warnings.sort();
        warnings.dedup();
        let failed = |t: &Trial| {
            t.status != Status::Ok
                || t.metrics.get("errors").is_some_and(|&e| e > 0.0)
                || t.metrics
                    .get("verification_failures")
                    .is_some_and(|&e| e > 0.0)
        };
        self.marked = self.trials.iter().any(failed);
        self.warnings = warnings;
    }

    /// The values of `metric` over the trials that ended `ok`.
    pub fn values(&self, metric: &str) -> Vec<f64> {
        self.trials
            .iter()
            .filter(|t| t.status == Status::Ok)
            .filter_map(|t| t.metrics.get(metric).copied())
            .collect()
    }
}

/// One scenario's results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub claims: Vec<String>,
    /// The scenario as run (kind, load model, durations).
    pub config: Value,
    pub cells: Vec<Cell>,
}

/// A contender as it took part in the run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContenderInfo {
    pub name: String,
    pub language: String,
    pub framework: String,
    /// Runtime name, exact version and where it came from.
    pub runtime: Value,
    /// Every variable shootout set for it, including its CPU budget.
    pub told: BTreeMap<String, String>,
    pub verified: bool,
    /// Why it was left out, if it was.
    pub skipped: Option<String>,
}

/// The whole document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub schema: String,
    pub started_at: String,
    pub updated_at: String,
    /// Every planned cell ran.
    pub complete: bool,
    /// `quick`, `default` or `full`.
    pub mode: String,
    pub trials: usize,
    pub seed: u64,
    pub machine: Value,
    /// CPU lists: the service's, and the generator's and upstream's.
    pub service_cpus: String,
    pub generator_cpus: String,
    pub contenders: Vec<ContenderInfo>,
    pub scenarios: Vec<ScenarioResult>,
    /// The claims ledger, when one was evaluated.
    pub ledger: Option<Value>,
    /// Run-level notes (skipped contenders, missing scenarios).
    pub notes: Vec<String>,
}

impl Results {
    pub fn scenario(&self, name: &str) -> Option<&ScenarioResult> {
        self.scenarios.iter().find(|s| s.name == name)
    }

    pub fn cell(&self, scenario: &str, contender: &str) -> Option<&Cell> {
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

    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        let results: Results = serde_json::from_str(&text)?;
        anyhow::ensure!(
            results.schema == SCHEMA,
            "{} has schema {:?}; this shootout reads {SCHEMA}",
            path.display(),
            results.schema
        );
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(n: usize, status: Status, rps: f64) -> Trial {
        Trial {
            trial: n,
            position: 0,
            started_at: String::new(),
            status,
            error: None,
            metrics: [
                ("requests_per_s".to_owned(), rps),
                ("errors".to_owned(), 0.0),
            ]
            .into(),
            warnings: vec![],
            detail: Value::Null,
        }
    }

    #[test]
    fn a_crashed_trial_marks_the_cell_and_is_not_averaged() {
        let mut cell = Cell::new("x");
        cell.trials = vec![
            trial(0, Status::Ok, 100.0),
            trial(1, Status::Crashed, 5.0),
            trial(2, Status::Ok, 110.0),
        ];
        cell.summarize(1);
        assert!(cell.marked);
        assert_eq!(cell.summary["requests_per_s"].n, 2);
        assert_eq!(cell.summary["requests_per_s"].median, 105.0);
    }
}
