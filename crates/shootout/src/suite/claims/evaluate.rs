//! Deciding a claim over one run or several pooled ones ([`super::pool`]),
//! by the rule of [`super::rule`]: with 3 or more independent runs the 95%
//! interval over runs decides; with fewer, the measure must clear the
//! threshold by more than the metric's noise band, and each run's
//! within-run interval must clear it too. A cell with failures, a failed
//! sanity check or missing data is INCONCLUSIVE, and the evidence says which.

use std::collections::BTreeSet;

use super::pool::{self, Pool};
use super::rule::{self, Band, RunMeasure};
use super::wording;
use super::{Check, Claim, ClaimVerdict, Evaluated, Evaluation, Evidence, Ledger};
use crate::stats::bootstrap::{self, Estimate};
use crate::stats::interval::{self, Interval};
use crate::suite::measure::failed_answers;
use crate::suite::metric::{Aggregate, Noise, Source};
use crate::suite::results::{Results, Status};

/// Independent runs below which a verdict rests on the noise band.
pub const MIN_RUNS_FOR_INTERVAL: usize = rule::MIN_RUNS_FOR_INTERVAL;

/// The chance that one check decided by the interval over runs is wrong
/// when its truth sits on the threshold: one side of a 95% interval.
pub const FALSE_RATE_RUNS: f64 = 0.025;
/// The same bound for a check decided beyond the noise band: the
/// calibration bench's goal, which its figures meet (docs/noise.md).
pub const FALSE_RATE_BAND: f64 = 0.05;

pub(super) fn evaluate(ledger: &Ledger, pool: &Pool) -> Evaluation {
    let claims: Vec<Evaluated> = ledger
        .claims
        .iter()
        .map(|c| evaluate_claim(c, pool))
        .collect();
    let decided: Vec<&Evidence> = claims
        .iter()
        .filter(|c| c.pending.is_none())
        .flat_map(|c| &c.evidence)
        .filter(|e| e.verdict != ClaimVerdict::Inconclusive)
        .collect();
    let expected_false_decisions = decided
        .iter()
        .map(|e| match e.decided_by.as_deref() {
            Some("runs") => FALSE_RATE_RUNS,
            Some("band") => FALSE_RATE_BAND,
            _ => 0.0,
        })
        .sum();
    Evaluation {
        title: ledger.title.clone(),
        source: ledger.source.clone(),
        ledger_hash: Some(ledger.hash.clone()),
        indicative: pool.runs.len() < MIN_RUNS_FOR_INTERVAL,
        stands_on: pool.stands_on(),
        runs: pool.runs.len(),
        machines: pool.machines(),
        decided_checks: decided.len(),
        expected_false_decisions,
        claims,
        unmeasurable: ledger.unmeasurable.clone(),
    }
}

/// Why a cell's numbers cannot decide: a trial crashed or failed, or a
/// sanity check failed where the metric was measured (requests that errored,
/// non-2xx or wrong answers, Little's law, saturation). In a sweep that is
/// the metric's own level: a level that broke does not spoil the others, and
/// a sweep-wide figure is built from clean levels only.
fn unusable(k: &Check, results: &Results, contender: &str) -> Option<String> {
    let cell = results.cell(&k.scenario, contender)?;
    if let Some(t) = cell.trials.iter().find(|t| t.status != Status::Ok) {
        return Some(format!(
            "{contender}'s {} cell had a {:?} trial ({})",
            k.scenario,
            t.status,
            t.error
                .as_deref()
                .and_then(|e| e.lines().next())
                .unwrap_or("")
        ));
    }
    let sweep_wide = k.metric.level.is_none() && k.metric.spec().source == Source::Sweep;
    let here = |level: Option<u32>| !sweep_wide && (level == k.metric.level || level.is_none());
    let failed = cell
        .trials
        .iter()
        .find_map(|t| failed_answers(&t.metrics, here));
    if let Some((key, v)) = failed {
        return Some(format!(
            "{contender}'s {} cell had {v} {} ({key})",
            k.scenario,
            key.spec().about
        ));
    }
    cell.trials
        .iter()
        .flat_map(|t| &t.sanity)
        .find(|f| here(f.level))
        .map(|f| {
            let at = f.level.map(|c| format!(" at c{c}")).unwrap_or_default();
            format!(
                "{contender}'s {} cell failed the {} check{at} ({})",
                k.scenario,
                f.check.name(),
                f.detail
            )
        })
}

/// The noise band of the check's measure.
fn band(k: &Check) -> Band {
    let spec = k.metric.spec();
    let one = match spec.noise {
        Noise::Exact => Band::Exact,
        Noise::Additive(x) => Band::Additive(x),
        Noise::Relative(_) => Band::Log(spec.log_band()),
    };
    if k.b.is_some() { one.of_ratio() } else { one }
}

/// One party's figure in one run: the median of its trials with their
/// order-statistics interval (a total for counts of bad events), and how
/// many trials.
fn party(k: &Check, results: &Results, name: &str) -> Option<(f64, Option<Interval>, usize)> {
    let values: Vec<f64> = results
        .cell(&k.scenario, name)?
        .values(k.metric)
        .into_iter()
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return None;
    }
    match k.metric.spec().aggregate {
        Aggregate::Total => Some((values.iter().sum(), None, values.len())),
        Aggregate::Median => Some((
            bootstrap::median(&values),
            interval::median_interval(&values),
            values.len(),
        )),
    }
}

/// The check's measure in one run: `a`'s figure, or `a / b`'s.
fn run_measure(k: &Check, results: &Results) -> Option<RunMeasure> {
    let a = party(k, results, &k.a)?;
    let b = match &k.b {
        Some(b) => Some(party(k, results, b)?),
        None => None,
    };
    combine(a, b)
}

/// One party's figure, its within-run interval and its trials.
pub type Party = (f64, Option<Interval>, usize);

/// `a`'s figure, or `a / b`'s with the interval from its parts'
/// ([lo_a / hi_b, hi_a / lo_b], covering at least c_a + c_b − 1).
pub fn combine(a: Party, b: Option<Party>) -> Option<RunMeasure> {
    let (a, wa, n) = a;
    let Some((b, wb, _)) = b else {
        return Some(RunMeasure {
            value: a,
            within: wa,
            trials: n,
        });
    };
    if b == 0.0 {
        return None;
    }
    let within = match (wa, wb) {
        (Some(x), Some(y)) if y.low > 0.0 => Some(Interval {
            low: x.low / y.high,
            high: x.high / y.low,
            coverage: (x.coverage + y.coverage - 1.0).max(0.0),
        }),
        _ => None,
    };
    Some(RunMeasure {
        value: a / b,
        within,
        trials: n,
    })
}

/// What the runs with data stand on: "3 runs × 1 trial, 2 machines".
fn stands_on(used: &[(usize, &Results, RunMeasure)]) -> String {
    let trials: BTreeSet<usize> = used.iter().map(|u| u.2.trials).collect();
    let machines = Pool {
        runs: used.iter().map(|u| u.1).collect(),
    }
    .machines()
    .len();
    pool::stands_on(used.len(), &trials, machines)
}

/// The first reason a run's cell cannot decide, naming the run when there
/// are several.
fn first_unusable(
    k: &Check,
    used: &[(usize, &Results, RunMeasure)],
    pooled: usize,
) -> Option<String> {
    let parties: Vec<&str> = std::iter::once(k.a.as_str())
        .chain(k.b.as_deref())
        .collect();
    used.iter().find_map(|(i, r, _)| {
        parties.iter().find_map(|c| unusable(k, r, c)).map(|w| {
            if pooled > 1 {
                format!("run {}: {w}", i + 1)
            } else {
                w
            }
        })
    })
}

/// `check` judged on one results file or a pool of them.
pub fn evaluate_check<'a>(k: &Check, data: impl Into<Pool<'a>>) -> Evidence {
    let pool: Pool = data.into();
    let what = match &k.b {
        Some(b) => format!("{} / {} {}", k.a, b, k.metric),
        None => format!("{} {}", k.a, k.metric),
    };
    let (threshold, at_least) = match (k.at_least, k.at_most) {
        (Some(t), _) => (t, true),
        (_, Some(t)) => (t, false),
        _ => (f64::NAN, true),
    };
    // The runs with data for this check.
    let used: Vec<(usize, &Results, RunMeasure)> = pool
        .runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| run_measure(k, r).map(|m| (i, *r, m)))
        .collect();
    let runs: Vec<RunMeasure> = used.iter().map(|u| u.2).collect();
    let stands_on = stands_on(&used);
    let band = band(k);
    let Some(d) = rule::decide(&runs, threshold, at_least, band) else {
        return Evidence {
            check: k.clone(),
            verdict: ClaimVerdict::Inconclusive,
            measure: None,
            margin: None,
            coverage: None,
            decided_by: None,
            stands_on,
            decision_range: None,
            conclusion: wording::no_data(k),
            explanation: format!(
                "{what} in {}: no data (scenario or contender not run, or no successful trial)",
                k.scenario
            ),
        };
    };
    let m = d.measure;
    let scale = if threshold == 0.0 {
        1.0
    } else {
        threshold.abs()
    };
    let margin = if at_least {
        (m - threshold) / scale
    } else {
        (threshold - m) / scale
    };
    let units = wording::Units::of(k);
    let numbers = format!(
        "{what} in {} = {}{}; {}, needs {}; stands on {stands_on}",
        k.scenario,
        units.one(m),
        wording::interval(&d, band, &runs, k.b.is_some()),
        wording::decision_range(&d, band, units),
        units.needs(threshold, at_least),
    );
    let (low, high) = d.interval.map_or((m, m), |i| (i.low, i.high));
    let estimate = Estimate {
        n: runs.len(),
        median: m,
        ci_low: low,
        ci_high: high,
        cv: None,
        noisy: false,
    };
    let why = first_unusable(k, &used, pool.runs.len());
    let evidence = Evidence {
        check: k.clone(),
        verdict: d.verdict,
        measure: Some(estimate),
        margin: Some(margin),
        coverage: d.interval.map(|i| i.coverage).filter(|c| c.is_finite()),
        decided_by: Some(wording::decided_by(d.by).to_owned()),
        stands_on,
        decision_range: Some([d.range.0, d.range.1]),
        conclusion: wording::conclusion(k, &d, threshold, at_least, why.as_deref()),
        explanation: numbers,
    };
    match why {
        Some(why) => Evidence {
            verdict: ClaimVerdict::Inconclusive,
            decided_by: None,
            explanation: format!("{}; cannot decide: {why}", evidence.explanation),
            ..evidence
        },
        None if d.verdict == ClaimVerdict::Inconclusive => Evidence {
            explanation: format!("{}; inside the noise", evidence.explanation),
            ..evidence
        },
        None => evidence,
    }
}

fn evaluate_claim(c: &Claim, pool: &Pool) -> Evaluated {
    let evidence: Vec<Evidence> = c.checks.iter().map(|k| evaluate_check(k, pool)).collect();
    let verdict = if c.pending.is_some() {
        ClaimVerdict::Inconclusive
    } else if evidence.iter().any(|e| e.verdict == ClaimVerdict::Refuted) {
        ClaimVerdict::Refuted
    } else if evidence
        .iter()
        .all(|e| e.verdict == ClaimVerdict::Supported)
    {
        ClaimVerdict::Supported
    } else {
        ClaimVerdict::Inconclusive
    };
    Evaluated {
        conclusion: wording::claim_conclusion(verdict, c.pending.as_deref(), &evidence),
        id: c.id.clone(),
        section: c.section.clone(),
        quote: c.quote.clone(),
        test: c.test.clone(),
        why: c.why.clone(),
        pending: c.pending.clone(),
        verdict,
        evidence,
        context: c.context.iter().map(|k| evaluate_check(k, pool)).collect(),
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
