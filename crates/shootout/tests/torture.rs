//! `shootout torture` against real fixture servers on 127.0.0.1: each fault
//! is caught by the case that targets it, named, and the correct fixture
//! passes the same cases.

#![allow(clippy::unwrap_used)]

mod common;

use common::{fixtures, shootout, stdout_json, text};
use serde_json::Value;

/// Scorecards of `names`; the overload phase only when asked (17 s each).
fn scorecards(names: &[&str], overload: bool) -> Value {
    let mut cmd = shootout();
    cmd.arg("torture").args(names);
    if !overload {
        cmd.arg("--no-overload");
    }
    let out = cmd
        .arg("--json")
        .arg("--contenders-dir")
        .arg(fixtures())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    stdout_json(&out)
}

fn card<'a>(cards: &'a Value, name: &str) -> &'a Value {
    cards
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contender"] == name)
        .unwrap_or_else(|| panic!("no scorecard for {name}: {cards}"))
}

fn case<'a>(card: &'a Value, name: &str) -> &'a Value {
    card["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

#[test]
fn each_fault_is_caught_by_its_case_and_the_correct_server_passes_it() {
    let cards = scorecards(
        &[
            "fixture-ok",
            "crash-on-deep-nesting",
            "smuggling",
            "bad-json-500",
        ],
        false,
    );
    let ok = card(&cards, "fixture-ok");
    for name in [
        "100,000 levels of nesting",
        "Transfer-Encoding with Content-Length (smuggling)",
        "truncated JSON",
    ] {
        assert_eq!(
            case(ok, name)["passed"],
            true,
            "fixture-ok: {}",
            case(ok, name)
        );
    }
    assert_eq!(ok["crashes"], 0);
    assert_eq!(ok["server_errors"], 0);
    assert_eq!(ok["orders_lost"], 0, "{ok}");

    let crash = card(&cards, "crash-on-deep-nesting");
    let nesting = case(crash, "100,000 levels of nesting");
    assert_eq!(nesting["passed"], false);
    assert_eq!(nesting["crashed"], true, "{nesting}");
    assert!(crash["crashes"].as_u64().unwrap() >= 1);
    // The restart lost the orders it held in memory, and that is counted.
    assert!(crash["orders_lost"].as_u64().unwrap() >= 1, "{crash}");

    let smuggling = card(&cards, "smuggling");
    let smuggled = case(
        smuggling,
        "Transfer-Encoding with Content-Length (smuggling)",
    );
    assert_eq!(smuggled["passed"], false);
    assert!(
        smuggled["failure"].as_str().unwrap().contains("smuggled"),
        "{smuggled}"
    );

    let bad = card(&cards, "bad-json-500");
    let truncated = case(bad, "truncated JSON");
    assert_eq!(truncated["passed"], false);
    assert!(
        truncated["server_errors"].as_u64().unwrap() >= 1,
        "{truncated}"
    );
}

#[test]
fn a_service_that_queues_without_bound_fails_the_overload_case() {
    let cards = scorecards(&["unbounded-queue"], true);
    let queue = card(&cards, "unbounded-queue");
    let overload = case(queue, "3× capacity, then half");
    assert_eq!(overload["passed"], false, "{overload}");
    assert!(
        queue["overload"]["timeouts"].as_u64().unwrap() > 0,
        "{queue}"
    );
}

#[test]
fn a_service_that_never_times_out_a_slow_client_fails_slowloris_and_slow_body() {
    let cards = scorecards(&["fixture-ok", "no-head-timeout"], false);
    for name in [
        "slowloris (one header line every 500 ms)",
        "slow body (one byte every 500 ms, never complete)",
    ] {
        assert_eq!(case(card(&cards, "fixture-ok"), name)["passed"], true);
        let kept = case(card(&cards, "no-head-timeout"), name);
        assert_eq!(kept["passed"], false, "{kept}");
        assert_eq!(kept["hung"], true);
    }
}

#[test]
fn upstream_faults_catch_a_missing_timeout_and_leaked_connections() {
    let cards = scorecards(
        &[
            "fixture-ok",
            "no-upstream-timeout",
            "leak-upstream-connections",
            "leak-on-hang-up",
        ],
        false,
    );
    let ok = card(&cards, "fixture-ok");
    for c in ok["cases"].as_array().unwrap() {
        let group = c["group"].as_str().unwrap();
        if group == "upstream" || c["case"].as_str().unwrap().starts_with("disconnect") {
            assert_eq!(c["passed"], true, "fixture-ok: {c}");
        }
    }

    let silent = "the upstream does not answer (for 30 s)";
    let no_timeout = case(card(&cards, "no-upstream-timeout"), silent);
    assert_eq!(no_timeout["passed"], false, "{no_timeout}");
    assert_eq!(no_timeout["hung"], true, "{no_timeout}");
    // A reset, a 500 and garbage are still answered 502 without a timeout.
    let reset = case(
        card(&cards, "no-upstream-timeout"),
        "the upstream resets the connection",
    );
    assert_eq!(reset["passed"], true, "{reset}");

    let after = "after the faults: recovery, no leak";
    let leak = case(card(&cards, "leak-upstream-connections"), after);
    assert_eq!(leak["passed"], false, "{leak}");
    assert!(
        leak["failure"].as_str().unwrap().contains("leaking"),
        "{leak}"
    );

    let hang_up = card(&cards, "leak-on-hang-up");
    let mid_response = case(
        hang_up,
        "disconnect mid-response (/io and POST /orders, RST before the answer)",
    );
    assert_eq!(mid_response["passed"], false, "{mid_response}");
    assert!(
        mid_response["failure"]
            .as_str()
            .unwrap()
            .contains("leaking"),
        "{mid_response}"
    );
}

#[test]
fn an_order_stored_though_refused_is_counted_invented_in_database_mode() {
    // Tortured in its database mode (the fixture has one): the tables are
    // read at the end.
    let cards = scorecards(&["error-after-commit", "fixture-ok"], false);
    let faulty = card(&cards, "error-after-commit");
    let invented = faulty["orders_invented"].as_u64().unwrap();
    assert!(invented >= 1, "{faulty}");
    // Each was answered 500, and the 500s are counted too.
    assert!(faulty["server_errors"].as_u64().unwrap() >= 1, "{faulty}");
    // Without a database mode the check cannot be made, and says so.
    assert_eq!(card(&cards, "fixture-ok")["orders_invented"], Value::Null);
}

const TORTURE_SCENARIO: &str = r#"
kind = "torture"
name = "torture"
description = "the battery, without the overload, for tests"
[torture]
overload = false
"#;

const TORTURE_LEDGER: &str = r#"
title = "torture ledger for tests"
source = "the tests"
[[claim]]
id = "never-crashes"
section = "tests"
quote = "It never crashes"
test = "crash-on-deep-nesting does not crash under the battery"
why = "one crash refutes never"
[[claim.check]]
scenario = "torture"
metric = "torture_crashes"
a = "crash-on-deep-nesting"
at_most = 0
"#;

/// `run` with a torture scenario: the scorecard is the trial's detail, its
/// counts are metrics the ledger reads, and both reports show each case.
#[test]
fn run_puts_the_scorecard_in_results_the_reports_and_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("torture.toml"), TORTURE_SCENARIO).unwrap();
    let other = tempfile::tempdir().unwrap();
    let ledger = other.path().join("ledger.toml");
    std::fs::write(&ledger, TORTURE_LEDGER).unwrap();
    let out = other.path().join("out");
    let run = shootout()
        .args(["run", "--quick", "--no-database"])
        .args(["--contenders", "crash-on-deep-nesting"])
        .arg("--contenders-dir")
        .arg(fixtures())
        .arg("--scenarios-dir")
        .arg(dir.path())
        .arg("--ledger")
        .arg(&ledger)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let cells = results["scenarios"][0]["cells"].as_array().unwrap();
    let crash = cells
        .iter()
        .find(|c| c["contender"] == "crash-on-deep-nesting")
        .unwrap();
    let trial = &crash["trials"][0];
    assert_eq!(trial["detail"]["kind"], "torture", "{trial}");
    assert!(trial["metrics"]["torture_crashes"].as_f64().unwrap() >= 1.0);
    let nesting = trial["detail"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "100,000 levels of nesting")
        .unwrap();
    assert_eq!(nesting["crashed"], true, "{nesting}");

    let claim = &results["ledger"]["claims"][0];
    assert_eq!(claim["verdict"], "REFUTED", "{claim}");

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Per case"), "no per-case table in the report");
    assert!(html.contains("✗ crash"), "the crash is not marked per case");
    assert!(html.contains("100,000 levels of nesting"));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| bodies: 100,000 levels of nesting |"), "{md}");
}
