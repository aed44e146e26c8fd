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
fn a_service_that_never_times_out_a_slow_client_fails_slowloris() {
    let cards = scorecards(&["fixture-ok", "no-head-timeout"], false);
    let name = "slowloris (one header line every 500 ms)";
    assert_eq!(case(card(&cards, "fixture-ok"), name)["passed"], true);
    let kept = case(card(&cards, "no-head-timeout"), name);
    assert_eq!(kept["passed"], false, "{kept}");
    assert_eq!(kept["hung"], true);
}
