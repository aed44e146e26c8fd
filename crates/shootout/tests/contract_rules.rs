//! The contract's rules that `verify` learned last (docs/contract.md): an
//! upstream 200 whose body is not the reply expected is a 502, a query
//! number with a sign or whitespace is a 400, in the stateless endpoints and
//! in the list query's `limit`. Each is proven to fail by a fixture that
//! breaks it, while the correct fixture passes.

#![allow(clippy::unwrap_used)]

mod common;

use common::{fixtures, shootout};
use serde::Deserialize;

/// The parts of `shootout verify --json` these tests read.
#[derive(Debug, Deserialize)]
struct Report {
    contenders: Vec<Verdict>,
}

#[derive(Debug, Deserialize)]
struct Verdict {
    name: String,
    outcome: String,
    failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
struct Failure {
    group: String,
    rule: String,
}

fn verify(names: &[&str]) -> Report {
    let out = shootout()
        .args(["verify", "--json", "--seed", "11", "--contenders-dir"])
        .arg(fixtures())
        .args(names)
        .output()
        .expect("run shootout");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not the verify report ({e}):\n{}\nstderr:\n{}",
            common::text(&out.stdout),
            common::text(&out.stderr)
        )
    })
}

fn verdict<'a>(report: &'a Report, name: &str) -> &'a Verdict {
    report
        .contenders
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no verdict for {name} in {report:#?}"))
}

/// `name` failed, and one of its failures is in `group` and mentions `part`.
fn assert_caught(report: &Report, name: &str, group: &str, part: &str) {
    let v = verdict(report, name);
    assert_eq!(v.outcome, "failed", "{name} should fail: {v:#?}");
    assert!(
        v.failures
            .iter()
            .any(|f| f.group == group && f.rule.contains(part)),
        "{name}: expected a [{group}] failure mentioning {part:?}, got {:#?}",
        v.failures
    );
}

#[test]
fn signed_numbers_and_a_shapeless_upstream_reply_are_caught() {
    let report = verify(&["fixture-ok", "lenient-numbers", "trust-upstream"]);
    let ok = verdict(&report, "fixture-ok");
    assert_eq!(ok.outcome, "passed", "{ok:#?}");
    assert_caught(&report, "lenient-numbers", "params", "plus sign (%2B5)");
    assert_caught(&report, "lenient-numbers", "params", "leading space");
    assert_caught(
        &report,
        "trust-upstream",
        "io",
        "an upstream 200 whose JSON lacks the expected field makes /io a 502",
    );
    // Only the rule each breaks.
    for (name, group) in [("lenient-numbers", "params"), ("trust-upstream", "io")] {
        let v = verdict(&report, name);
        assert!(
            v.failures.iter().all(|f| f.group == group),
            "{name} breaks only [{group}] rules: {:#?}",
            v.failures
        );
    }
}

#[test]
fn a_signed_limit_is_caught_in_database_mode() {
    let report = verify(&["signed-limit"]);
    let memory = verdict(&report, "signed-limit");
    assert_eq!(memory.outcome, "passed", "{memory:#?}");
    assert_caught(
        &report,
        "signed-limit (database)",
        "database",
        "limit, a number with a plus sign (%2B5), is a 400",
    );
}
