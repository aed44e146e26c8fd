//! Deciding a claim. A check is SUPPORTED or REFUTED only when its measure
//! clears the threshold beyond doubt: with three trials or more, when the
//! 95% bootstrap interval lies wholly on one side; with fewer, when the
//! measure is further from the threshold than the metric's noise band (the
//! trial-to-trial spread `bench/noise.sh` measured on this kind of machine).
//! Anything closer, a cell with failures, a failed sanity check or missing
//! data is INCONCLUSIVE, and the evidence says which.

use super::{Check, Claim, ClaimVerdict, Evaluated, Evaluation, Evidence, Ledger};
use crate::stats::bootstrap::{self, Estimate};
use crate::suite::measure::failed_answers;
use crate::suite::metric::{Noise, Source};
use crate::suite::results::{Results, Status};

/// Trials below which a verdict rests on the noise band, not the interval.
pub const MIN_TRIALS_FOR_INTERVAL: usize = 3;

pub(super) fn evaluate(ledger: &Ledger, results: &Results) -> Evaluation {
    Evaluation {
        title: ledger.title.clone(),
        source: ledger.source.clone(),
        indicative: results.trials < MIN_TRIALS_FOR_INTERVAL,
        claims: ledger
            .claims
            .iter()
            .map(|c| evaluate_claim(c, results))
            .collect(),
        unmeasurable: ledger.unmeasurable.clone(),
    }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
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

/// The relative noise band of the check's measure.
fn band(k: &Check) -> f64 {
    match k.metric.spec().noise {
        Noise::Exact => 0.0,
        // Two independent measures: their spreads add in quadrature.
        Noise::Relative(r) if k.b.is_some() => r * std::f64::consts::SQRT_2,
        Noise::Relative(r) => r,
    }
}

pub fn evaluate_check(k: &Check, results: &Results) -> Evidence {
    let (measure, what) = measure(k, results);
    let (threshold, at_least) = match (k.at_least, k.at_most) {
        (Some(t), _) => (t, true),
        (_, Some(t)) => (t, false),
        _ => (f64::NAN, true),
    };
    let rel = if at_least { "≥" } else { "≤" };
    let inconclusive = |measure: Option<Estimate>, margin, explanation| Evidence {
        check: k.clone(),
        verdict: ClaimVerdict::Inconclusive,
        measure,
        margin,
        explanation,
    };
    let Some(m) = measure else {
        return inconclusive(
            None,
            None,
            format!(
                "{what} in {}: no data (scenario or contender not run, or no successful trial)",
                k.scenario
            ),
        );
    };
    let scale = if threshold == 0.0 {
        1.0
    } else {
        threshold.abs()
    };
    let margin = if at_least {
        (m.median - threshold) / scale
    } else {
        (threshold - m.median) / scale
    };
    let interval = if m.n < 2 {
        format!(" ({} trial: no interval)", m.n)
    } else {
        format!(" [{}, {}]", fmt_num(m.ci_low), fmt_num(m.ci_high))
    };
    let band = band(k);
    let numbers = format!(
        "{what} in {} = {}{interval}, needs {rel} {} (margin {:+.0}%{})",
        k.scenario,
        fmt_num(m.median),
        fmt_num(threshold),
        margin * 100.0,
        if band > 0.0 {
            format!(", noise band ±{:.0}%", band * 100.0)
        } else {
            String::new()
        }
    );
    let parties = std::iter::once(k.a.as_str()).chain(k.b.as_deref());
    if let Some(why) = parties.filter_map(|c| unusable(k, results, c)).next() {
        return inconclusive(
            Some(m),
            Some(margin),
            format!("{numbers}; cannot decide: {why}"),
        );
    }
    let verdict = decide(&m, threshold, at_least, band);
    let explanation = if verdict == ClaimVerdict::Inconclusive {
        format!("{numbers}; inside the noise")
    } else {
        numbers
    };
    Evidence {
        check: k.clone(),
        verdict,
        measure: Some(m),
        margin: Some(margin),
        explanation,
    }
}

/// The check's measure (the median of `a`, or of `a / b`, with its
/// bootstrap interval) and what it is, for messages.
fn measure(k: &Check, results: &Results) -> (Option<Estimate>, String) {
    let seed = results.seed;
    let values = |name: &str| {
        results
            .cell(&k.scenario, name)
            .map(|c| c.values(k.metric))
            .unwrap_or_default()
    };
    match &k.b {
        Some(b) => (
            bootstrap::ratio(&values(&k.a), &values(b), seed),
            format!("{} / {} {}", k.a, b, k.metric),
        ),
        None => (
            bootstrap::estimate(&values(&k.a), seed),
            format!("{} {}", k.a, k.metric),
        ),
    }
}

/// The verdict on `m` against `threshold`: by its interval, or with too
/// few trials for one, beyond the noise `band` around its median.
fn decide(m: &Estimate, threshold: f64, at_least: bool, band: f64) -> ClaimVerdict {
    if m.n >= MIN_TRIALS_FOR_INTERVAL || band == 0.0 {
        match at_least {
            true if m.ci_low >= threshold => ClaimVerdict::Supported,
            true if m.ci_high < threshold => ClaimVerdict::Refuted,
            false if m.ci_high <= threshold => ClaimVerdict::Supported,
            false if m.ci_low > threshold => ClaimVerdict::Refuted,
            _ => ClaimVerdict::Inconclusive,
        }
    } else {
        // Too few trials for an interval: decide only beyond the noise band
        // around the measure.
        let (low, high) = (m.median * (1.0 - band), m.median * (1.0 + band));
        match at_least {
            true if low >= threshold => ClaimVerdict::Supported,
            true if high < threshold => ClaimVerdict::Refuted,
            false if high <= threshold => ClaimVerdict::Supported,
            false if low > threshold => ClaimVerdict::Refuted,
            _ => ClaimVerdict::Inconclusive,
        }
    }
}

fn evaluate_claim(c: &Claim, results: &Results) -> Evaluated {
    let evidence: Vec<Evidence> = c
        .checks
        .iter()
        .map(|k| evaluate_check(k, results))
        .collect();
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
        id: c.id.clone(),
        section: c.section.clone(),
        quote: c.quote.clone(),
        test: c.test.clone(),
        why: c.why.clone(),
        pending: c.pending.clone(),
        verdict,
        evidence,
        context: c
            .context
            .iter()
            .map(|k| evaluate_check(k, results))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::metric::{Metric, MetricKey};
    use crate::suite::results::CellResult;

    fn results_with(cells: &[(&str, &[f64])]) -> Results {
        crate::suite::results::tests_support::results_with(
            "s",
            MetricKey::of(Metric::RequestsPerS),
            cells,
        )
    }

    fn check(b: Option<&str>, at_least: Option<f64>, at_most: Option<f64>) -> Check {
        Check {
            scenario: "s".into(),
            metric: Metric::RequestsPerS.into(),
            a: "go".into(),
            b: b.map(Into::into),
            at_least,
            at_most,
            line: 0,
        }
    }

    #[test]
    fn each_outcome_of_a_ratio_check() {
        let r = results_with(&[("go", &[80.0, 82.0, 81.0]), ("rust", &[100.0, 101.0, 99.0])]);
        assert_eq!(
            evaluate_check(&check(Some("rust"), Some(0.7), None), &r).verdict,
            ClaimVerdict::Supported
        );
        assert_eq!(
            evaluate_check(&check(Some("rust"), Some(0.9), None), &r).verdict,
            ClaimVerdict::Refuted
        );
        let e = evaluate_check(&check(Some("rust"), Some(0.81), None), &r);
        assert_eq!(e.verdict, ClaimVerdict::Inconclusive, "{}", e.explanation);
        assert_eq!(
            evaluate_check(&check(Some("rust"), None, Some(0.9)), &r).verdict,
            ClaimVerdict::Supported
        );
    }

    #[test]
    fn missing_data_is_inconclusive() {
        let r = results_with(&[("go", &[80.0])]);
        let e = evaluate_check(&check(Some("node"), Some(1.0), None), &r);
        assert_eq!(e.verdict, ClaimVerdict::Inconclusive);
        assert!(e.explanation.contains("no data"), "{}", e.explanation);
        let mut k = check(None, Some(1.0), None);
        k.scenario = "absent".into();
        assert_eq!(evaluate_check(&k, &r).verdict, ClaimVerdict::Inconclusive);
    }

    #[test]
    fn one_trial_decides_only_beyond_the_noise_band() {
        // requests_per_s has a ±20% band (±28% for a ratio of two).
        let r = results_with(&[("go", &[100.0]), ("node", &[115.0]), ("rust", &[200.0])]);
        let near = evaluate_check(&check(Some("node"), Some(1.0), None), &r);
        assert_eq!(
            near.verdict,
            ClaimVerdict::Inconclusive,
            "{}",
            near.explanation
        );
        assert!(near.explanation.contains("margin"), "{}", near.explanation);
        let far = evaluate_check(&check(Some("rust"), None, Some(1.0)), &r);
        assert_eq!(far.verdict, ClaimVerdict::Supported, "{}", far.explanation);
        let refuted = evaluate_check(&check(Some("rust"), Some(1.0), None), &r);
        assert_eq!(refuted.verdict, ClaimVerdict::Refuted);
    }

    #[test]
    fn a_marked_cell_never_decides() {
        let mut r = results_with(&[("go", &[50.0, 51.0, 52.0]), ("rust", &[100.0, 101.0, 99.0])]);
        let cell: &mut CellResult = &mut r.scenarios[0].cells[0];
        cell.trials[0]
            .metrics
            .insert(MetricKey::of(Metric::Non2xx), 3.0);
        cell.summarize(1);
        assert!(cell.marked);
        let e = evaluate_check(&check(Some("rust"), None, Some(0.9)), &r);
        assert_eq!(e.verdict, ClaimVerdict::Inconclusive, "{}", e.explanation);
        assert!(e.explanation.contains("not 2xx"), "{}", e.explanation);
    }

    #[test]
    fn a_claim_needs_every_check() {
        let r = results_with(&[("go", &[80.0, 81.0, 82.0])]);
        let claim = |checks| Claim {
            id: "c".into(),
            section: "s".into(),
            quote: "q".into(),
            test: "t".into(),
            why: None,
            pending: None,
            checks,
            context: vec![],
        };
        let yes = check(None, Some(50.0), None);
        let no = check(None, None, Some(50.0));
        let unsure = check(None, Some(81.0), None);
        let mut waiting = claim(vec![yes.clone()]);
        waiting.pending = Some("the database scenario".into());
        let e = evaluate_claim(&waiting, &r);
        assert_eq!(e.verdict, ClaimVerdict::Inconclusive);
        assert_eq!(e.pending.as_deref(), Some("the database scenario"));
        assert_eq!(
            evaluate_claim(&claim(vec![yes.clone(), yes.clone()]), &r).verdict,
            ClaimVerdict::Supported
        );
        assert_eq!(
            evaluate_claim(&claim(vec![yes.clone(), no]), &r).verdict,
            ClaimVerdict::Refuted
        );
        assert_eq!(
            evaluate_claim(&claim(vec![yes, unsure]), &r).verdict,
            ClaimVerdict::Inconclusive
        );
    }
}
