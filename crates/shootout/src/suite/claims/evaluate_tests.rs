//! Tests of `evaluate`: the decision rule on synthetic results.

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
        kind: Default::default(),
        history: vec![],
        line: 0,
    }
}

/// requests_per_s's spread d = 0.30 is a log band ×/÷1.43; a ratio of
/// two measures gets (1.43)^√2 = ×/÷1.66.
#[test]
fn each_outcome_of_a_ratio_check_from_one_run() {
    let r = results_with(&[("go", &[50.0, 51.0, 49.0]), ("rust", &[100.0, 101.0, 99.0])]);
    let e = evaluate_check(&check(Some("rust"), Some(0.25), None), &r);
    assert_eq!(e.verdict, ClaimVerdict::Supported, "{}", e.explanation);
    assert_eq!(
        evaluate_check(&check(Some("rust"), Some(0.9), None), &r).verdict,
        ClaimVerdict::Refuted
    );
    let e = evaluate_check(&check(Some("rust"), Some(0.6), None), &r);
    assert_eq!(e.verdict, ClaimVerdict::Inconclusive, "{}", e.explanation);
    assert_eq!(
        evaluate_check(&check(Some("rust"), None, Some(0.9)), &r).verdict,
        ClaimVerdict::Supported
    );
    assert!(
        e.explanation
            .contains("stands on 1 run × 3 trials, 1 machine"),
        "{}",
        e.explanation
    );
    assert!(
        e.explanation.contains("3 trials: ≥50% interval"),
        "{}",
        e.explanation
    );
}

/// Issue 22: with one trial, an `at_most` check far above its
/// threshold is REFUTED (the log band's lower edge is m/(1+b), not 0).
#[test]
fn a_one_trial_at_most_check_far_above_its_threshold_is_refuted() {
    let key = MetricKey::of(Metric::P99Ms);
    let r = crate::suite::results::tests_support::results_with("s", key, &[("go", &[100.0])]);
    let mut k = check(None, None, Some(10.0));
    k.metric = key;
    let e = evaluate_check(&k, &r);
    assert_eq!(e.verdict, ClaimVerdict::Refuted, "{}", e.explanation);
    assert!(
        e.explanation.contains("1 trial: no interval"),
        "{}",
        e.explanation
    );
    // An additive band, for a metric that can be about 0.
    let key = MetricKey::of(Metric::RssDriftAbsPct);
    let r = crate::suite::results::tests_support::results_with("s", key, &[("go", &[80.0])]);
    k.metric = key;
    let e = evaluate_check(&k, &r);
    assert_eq!(e.verdict, ClaimVerdict::Refuted, "{}", e.explanation);
    assert!(
        e.explanation.contains("noise band ±30"),
        "{}",
        e.explanation
    );
}

/// Issue 22: three trials of one run share its build, boot and
/// weather: a tight interval inside the noise band does not decide.
#[test]
fn a_tight_three_trial_interval_inside_the_band_is_inconclusive() {
    let r = results_with(&[
        ("go", &[105.0, 105.5, 104.5]),
        ("node", &[100.0, 100.2, 99.8]),
    ]);
    let e = evaluate_check(&check(Some("node"), Some(1.0), None), &r);
    assert_eq!(e.verdict, ClaimVerdict::Inconclusive, "{}", e.explanation);
    assert!(
        e.explanation.contains("inside the noise"),
        "{}",
        e.explanation
    );
    assert_eq!(e.decided_by.as_deref(), Some("band"));
}

/// Three independent runs: the t-interval over them decides, and the
/// band is not needed.
#[test]
fn three_pooled_runs_decide_by_their_interval() {
    let runs: Vec<(String, Results)> = [(1, 105.0), (2, 106.0), (3, 104.0)]
        .into_iter()
        .map(|(seed, go)| {
            let mut r = results_with(&[("go", &[go]), ("node", &[100.0])]);
            r.seed = seed;
            (format!("run{seed}.json"), r)
        })
        .collect();
    let pool = Pool::new(&runs).unwrap();
    let e = evaluate_check(&check(Some("node"), Some(1.0), None), &pool);
    assert_eq!(e.verdict, ClaimVerdict::Supported, "{}", e.explanation);
    assert!(
        e.explanation
            .contains("95% t-interval over 3 runs, log scale"),
        "{}",
        e.explanation
    );
    assert!(
        e.explanation
            .contains("stands on 3 runs × 1 trial, 1 machine"),
        "{}",
        e.explanation
    );
    assert_eq!(e.coverage, Some(0.95));
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
    // A ratio of two: ×/÷1.66.
    let r = results_with(&[("go", &[100.0]), ("node", &[150.0]), ("rust", &[200.0])]);
    let near = evaluate_check(&check(Some("node"), Some(1.0), None), &r);
    assert_eq!(
        near.verdict,
        ClaimVerdict::Inconclusive,
        "{}",
        near.explanation
    );
    // go / node = 0.667×, ×/÷1.66 around it: 0.403–1.10×, across 1.00×.
    assert!(
        near.explanation
            .contains("= 0.667× (1 trial: no interval); decision range 0.403–1.10× (noise band ×/÷1.66), needs ≥ 1.00×"),
        "{}",
        near.explanation
    );
    assert_eq!(
        near.conclusion,
        "go's requests_per_s in s is 0.667× node's (decision range 0.403–1.10×; SUPPORTED needs ≥ 1.00×): undecided, the range reaches both sides of the threshold."
    );
    let far = evaluate_check(&check(Some("rust"), None, Some(0.9)), &r);
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
    let e = evaluate_check(&check(Some("rust"), None, Some(0.2)), &r);
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
    let e = evaluate_claim(&waiting, &Pool::from(&r));
    assert_eq!(e.verdict, ClaimVerdict::Inconclusive);
    assert_eq!(e.pending.as_deref(), Some("the database scenario"));
    assert_eq!(
        evaluate_claim(&claim(vec![yes.clone(), yes.clone()]), &Pool::from(&r)).verdict,
        ClaimVerdict::Supported
    );
    assert_eq!(
        evaluate_claim(&claim(vec![yes.clone(), no]), &Pool::from(&r)).verdict,
        ClaimVerdict::Refuted
    );
    assert_eq!(
        evaluate_claim(&claim(vec![yes, unsure]), &Pool::from(&r)).verdict,
        ClaimVerdict::Inconclusive
    );
}
