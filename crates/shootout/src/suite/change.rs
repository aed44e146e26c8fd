//! `shootout compare BASE.json NEW.json`: per (scenario, contender, metric)
//! present in both runs, the change new / base with its interval, and `~`
//! where it is not significant.
//!
//! Each file is one independent run, so a comparison stands on 1 run per
//! side: the rule of the claims ledger for fewer than 3 runs applies. A
//! change is significant only when the ratio lies beyond the noise band of
//! a ratio of two runs (the metric's log-symmetric band, widened by √2 on
//! the log scale; an absolute difference beyond √2 × an additive band), and,
//! where both sides have 2+ trials, the interval of the ratio from the
//! trials' order statistics ([lo_new / hi_base, hi_new / lo_base]) excludes 1
//! too. Exact metrics change when their numbers differ.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::claims::rule::Band;
use super::fail_if::Condition;
use super::metric::{Better, MetricKey, Noise};
use super::results::{CellResult, Results};
use crate::stats::bootstrap::median;
use crate::stats::interval::median_interval;

/// Version of the document.
pub const SCHEMA: &str = "shootout.compare/1";

/// The method, in words, as stored in the document.
pub const METHOD: &str = "ratio of medians new/base per cell and metric; with one run per side, a change is significant (not ~) only beyond the noise band of a ratio of two runs (docs/noise.md: log-symmetric band ×√2 on the log scale; additive band ×√2 as a difference) and, where both sides have 2+ trials, when the order-statistics interval of the ratio also excludes 1";

/// One run, as compared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RunRef {
    pub path: String,
    pub started_at: String,
    pub mode: super::scenario::Mode,
    pub trials: usize,
    pub seed: u64,
}

/// Which way a change went.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Inside the noise: `~`.
    Same,
    Better,
    Worse,
    /// Significant, on a metric with no better direction.
    Changed,
}

/// One cell's metric in both runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Change {
    pub scenario: String,
    pub contender: String,
    pub metric: MetricKey,
    /// Median over the base run's trials.
    pub base: f64,
    pub new: f64,
    /// new / base; null when base is 0.
    pub ratio: Option<f64>,
    /// The ratio's interval from the trials (both sides 2+ trials), with
    /// its coverage (at least the sum of the sides' coverages − 1).
    pub interval: Option<[f64; 2]>,
    pub coverage: Option<f64>,
    pub direction: Direction,
    /// Either cell had failures: its change is not judged (`~`).
    pub marked: bool,
}

/// A `--fail-if` condition that held.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Failure {
    pub condition: String,
    /// What held, in words (or that the condition matched no cell).
    pub line: String,
}

/// The document `shootout compare --json` prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Comparison {
    /// `shootout.compare/1`.
    pub schema: String,
    pub base: RunRef,
    pub new: RunRef,
    pub method: String,
    /// Differences between the runs worth knowing (mode, machine, sources).
    pub notes: Vec<String>,
    pub changes: Vec<Change>,
    /// The `--fail-if` conditions that held; the exit status is 1 if any.
    pub failures: Vec<Failure>,
}

fn run_ref(path: &str, r: &Results) -> RunRef {
    RunRef {
        path: path.to_owned(),
        started_at: r.started_at.clone(),
        mode: r.mode,
        trials: r.trials,
        seed: r.seed,
    }
}

/// Whether new vs base is significant, and its interval.
fn judge(key: MetricKey, base: &[f64], new: &[f64]) -> (Option<[f64; 2]>, Option<f64>, bool) {
    let (mb, mn) = (median(base), median(new));
    let band = match key.spec().noise {
        Noise::Exact => Band::Exact,
        Noise::Additive(x) => Band::Additive(x * std::f64::consts::SQRT_2),
        Noise::Relative(_) => Band::Log(key.spec().log_band()).of_ratio(),
    };
    let beyond_band = match band {
        Band::Exact => mn != mb,
        Band::Additive(x) => (mn - mb).abs() > x,
        Band::Log(b) => {
            if mb <= 0.0 || mn <= 0.0 {
                // A relative band around 0: only 0 itself is inside it.
                mn != mb
            } else {
                let r = mn / mb;
                r > 1.0 + b || r < 1.0 / (1.0 + b)
            }
        }
    };
    let interval = match (median_interval(base), median_interval(new)) {
        (Some(b), Some(n)) if b.low > 0.0 && b.high > 0.0 => Some((
            [n.low / b.high, n.high / b.low],
            (b.coverage + n.coverage - 1.0).max(0.0),
        )),
        _ => None,
    };
    let excludes_one = interval.is_none_or(|(i, _)| i[0] > 1.0 || i[1] < 1.0);
    (
        interval.map(|i| i.0),
        interval.map(|i| i.1),
        beyond_band && excludes_one,
    )
}

fn changes_of(scenario: &str, base: &CellResult, new: &CellResult) -> Vec<Change> {
    let keys: BTreeSet<MetricKey> = base
        .summary
        .keys()
        .filter(|k| new.summary.contains_key(k))
        .copied()
        .collect();
    keys.into_iter()
        .filter_map(|key| {
            let (b, n) = (base.values(key), new.values(key));
            if b.is_empty() || n.is_empty() {
                return None;
            }
            let (mb, mn) = (median(&b), median(&n));
            let (interval, coverage, significant) = judge(key, &b, &n);
            let marked = base.marked || new.marked;
            let direction = match (significant && !marked, key.spec().better) {
                (false, _) => Direction::Same,
                (true, Better::Neither) => Direction::Changed,
                (true, Better::Higher) if mn > mb => Direction::Better,
                (true, Better::Lower) if mn < mb => Direction::Better,
                (true, _) => Direction::Worse,
            };
            Some(Change {
                scenario: scenario.to_owned(),
                contender: new.contender.clone(),
                metric: key,
                base: mb,
                new: mn,
                ratio: (mb != 0.0).then(|| mn / mb),
                interval,
                coverage,
                direction,
                marked,
            })
        })
        .collect()
}

/// Compares `new` with `base`, and checks `conditions` on the changes.
pub fn compare(
    base_path: &str,
    base: &Results,
    new_path: &str,
    new: &Results,
    conditions: &[Condition],
) -> Comparison {
    let mut notes = Vec::new();
    if base.mode != new.mode {
        notes.push(format!(
            "the runs are of different modes ({:?} and {:?}): their phases differ, so every change mixes that in",
            base.mode, new.mode
        ));
    }
    if base.machine != new.machine {
        notes.push(format!(
            "different machines: base {} ({} CPUs), new {} ({} CPUs)",
            base.machine.cpu_model.as_deref().unwrap_or("?"),
            base.machine.cpus,
            new.machine.cpu_model.as_deref().unwrap_or("?"),
            new.machine.cpus
        ));
    }
    for c in &new.contenders {
        if let Some(b) = base.contenders.iter().find(|b| b.name == c.name) {
            if b.source_hash != c.source_hash {
                notes.push(format!("{}'s sources changed between the runs", c.name));
            }
        }
    }
    let mut changes = Vec::new();
    for sn in &new.scenarios {
        let Some(sb) = base.scenario(&sn.name) else {
            notes.push(format!("scenario {} is only in the new run", sn.name));
            continue;
        };
        if sb.config != sn.config {
            notes.push(format!(
                "scenario {} is configured differently in the two runs",
                sn.name
            ));
        }
        for cn in &sn.cells {
            match sb.cells.iter().find(|c| c.contender == cn.contender) {
                Some(cb) => changes.extend(changes_of(&sn.name, cb, cn)),
                None => notes.push(format!(
                    "{} / {} is only in the new run",
                    sn.name, cn.contender
                )),
            }
        }
    }
    let failures = failures(conditions, &changes);
    Comparison {
        schema: SCHEMA.into(),
        base: run_ref(base_path, base),
        new: run_ref(new_path, new),
        method: METHOD.into(),
        notes,
        changes,
        failures,
    }
}

/// The `--fail-if` conditions that hold, each with the line that shows it;
/// a condition that matches nothing fails too (a typo must not pass).
fn failures(conditions: &[Condition], changes: &[Change]) -> Vec<Failure> {
    let mut failures = Vec::new();
    for cond in conditions {
        let mut matched = false;
        for ch in changes
            .iter()
            .filter(|c| cond.matches(&c.scenario, &c.contender, c.metric))
        {
            matched = true;
            let bound = cond.bound_for(ch.base);
            if cond.op.holds(ch.new, bound) {
                failures.push(Failure {
                    condition: cond.text.clone(),
                    line: format!(
                        "{}[{},{}] = {} {} {} = {} (base {}, change {}){}",
                        ch.metric,
                        ch.scenario,
                        ch.contender,
                        num(ch.new),
                        cond.op,
                        match cond.bound {
                            super::fail_if::Bound::Base(f) => format!("{f}*base"),
                            super::fail_if::Bound::Value(v) => format!("{v}"),
                        },
                        num(bound),
                        num(ch.base),
                        ratio_words(ch),
                        if ch.direction == Direction::Same {
                            " — inside the noise (~)"
                        } else {
                            ""
                        }
                    ),
                });
            }
        }
        if !matched {
            failures.push(Failure {
                condition: cond.text.clone(),
                line: format!(
                    "{}: matches no (scenario, contender, metric) measured in both runs",
                    cond.text
                ),
            });
        }
    }
    failures
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// `×1.12`, `~ ×1.02`, or `n/a`.
pub fn ratio_words(ch: &Change) -> String {
    let r = match ch.ratio {
        Some(r) => format!("×{r:.2}"),
        None if ch.new == ch.base => "×1".into(),
        None => format!("{:+}", ch.new - ch.base),
    };
    match ch.direction {
        Direction::Same => format!("~ {r}"),
        Direction::Better => format!("{r} better"),
        Direction::Worse => format!("{r} worse"),
        Direction::Changed => format!("{r} changed"),
    }
}

/// The comparison as Markdown: the notes, then per scenario the headline
/// columns of each contender (every metric is in `--json`), then failures.
pub fn markdown(c: &Comparison) -> String {
    let mut out = format!(
        "# shootout compare\n\nbase: {} ({} run, {} trial(s), started {})  \nnew: {} ({} run, {} trial(s), started {})\n\n{}.\n\n",
        c.base.path,
        format!("{:?}", c.base.mode).to_lowercase(),
        c.base.trials,
        c.base.started_at,
        c.new.path,
        format!("{:?}", c.new.mode).to_lowercase(),
        c.new.trials,
        c.new.started_at,
        METHOD
    );
    for n in &c.notes {
        out.push_str(&format!("- note: {n}\n"));
    }
    let scenarios: Vec<&str> = {
        let mut seen = Vec::new();
        for ch in &c.changes {
            if !seen.contains(&ch.scenario.as_str()) {
                seen.push(ch.scenario.as_str());
            }
        }
        seen
    };
    for s in scenarios {
        out.push_str(&format!(
            "\n## {s}\n\n| contender | metric | base | new | change |\n|---|---|---|---|---|\n"
        ));
        for ch in c
            .changes
            .iter()
            .filter(|ch| ch.scenario == s && shown(ch.metric))
        {
            out.push_str(&format!(
                "| {}{} | {} | {} | {} | {} |\n",
                ch.contender,
                if ch.marked { " (!)" } else { "" },
                ch.metric,
                num(ch.base),
                num(ch.new),
                ratio_words(ch)
            ));
        }
    }
    if c.failures.is_empty() {
        out.push_str("\nno --fail-if condition held\n");
    } else {
        out.push_str("\n## failed\n\n");
        for f in &c.failures {
            out.push_str(&format!("- `{}`: {}\n", f.condition, f.line));
        }
    }
    out
}

/// The metrics the Markdown shows: throughput, latency, CPU, memory.
fn shown(key: MetricKey) -> bool {
    use super::metric::Metric::*;
    matches!(
        key.metric,
        RequestsPerS | P50Ms | P99Ms | CpuMsPerRequest | RssPeakMb | ColdstartHealthMs
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::fail_if::parse;
    use crate::suite::metric::Metric;
    use crate::suite::results::tests_support::results_with;

    #[test]
    fn inside_the_band_is_the_same_and_beyond_it_is_flagged() {
        let key = MetricKey::of(Metric::RequestsPerS);
        let base = results_with("json", key, &[("a", &[1000.0]), ("b", &[1000.0])]);
        let new = results_with("json", key, &[("a", &[1050.0]), ("b", &[400.0])]);
        let conds = [parse("requests_per_s[json,*] < 0.9*base").unwrap()];
        let c = compare("base.json", &base, "new.json", &new, &conds);
        let dir = |who: &str| {
            c.changes
                .iter()
                .find(|ch| ch.contender == who)
                .unwrap()
                .direction
        };
        assert_eq!(dir("a"), Direction::Same);
        assert_eq!(dir("b"), Direction::Worse);
        assert_eq!(c.failures.len(), 1, "{:?}", c.failures);
        assert!(
            c.failures[0]
                .line
                .contains("requests_per_s[json,b] = 400 < 0.9*base = 900"),
            "{:?}",
            c.failures
        );
        let md = markdown(&c);
        assert!(
            md.contains("| a | requests_per_s | 1000 | 1050 | ~ ×1.05 |"),
            "{md}"
        );
        let none = [parse("p99_ms[json,*] > base").unwrap()];
        let c = compare("base.json", &base, "new.json", &new, &none);
        assert!(
            c.failures[0].line.contains("matches no"),
            "{:?}",
            c.failures
        );
    }
}
