//! `shootout verify` against real contender processes on 127.0.0.1: the
//! reference contenders pass, and every broken fixture is rejected with the
//! rule it breaks named.

#![allow(clippy::unwrap_used)]

mod common;

use common::{fixtures, shootout, stdout_json, text};
use serde_json::Value;

/// Verifies fixtures by name and returns the JSON report.
fn verify_fixtures(names: &[&str], extra: &[&str]) -> (std::process::Output, Value) {
    let out = shootout()
        .args(["verify", "--json", "--seed", "7", "--contenders-dir"])
        .arg(fixtures())
        .args(names)
        .args(extra)
        .output()
        .expect("run shootout");
    let json = stdout_json(&out);
    (out, json)
}

fn verdict<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["contenders"]
        .as_array()
        .expect("contenders array")
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no verdict for {name} in {report:#}"))
}

fn rules(v: &Value) -> Vec<String> {
    v["failures"]
        .as_array()
        .expect("failures array")
        .iter()
        .map(|f| {
            format!(
                "[{}] {}",
                f["group"].as_str().unwrap_or(""),
                f["rule"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn assert_rejected_for(report: &Value, name: &str, group: &str, rule_part: &str) {
    let v = verdict(report, name);
    assert_eq!(v["outcome"], "failed", "{name} should fail: {v:#}");
    let rules = rules(v);
    assert!(
        rules
            .iter()
            .any(|r| r.starts_with(&format!("[{group}]")) && r.contains(rule_part)),
        "{name}: expected a [{group}] failure mentioning {rule_part:?}, got:\n{}",
        rules.join("\n")
    );
}

#[test]
fn reference_contenders_pass_the_whole_contract() {
    let out = shootout()
        .args(["verify", "--json"])
        .output()
        .expect("run shootout");
    let report = stdout_json(&out);
    let all = [
        "rust-axum",
        "go-nethttp",
        "go-gin",
        "node-fastify",
        // node-fastify's [[variant]] (SCHEMA_COMPILE=per-request), no database mode.
        "node-fastify-compile-per-request",
        "node-fastify-ts",
        "node-workers",
        "node-express",
        "bun",
        "deno",
    ];
    // Those with a database mode are verified in it too, against the
    // PostgreSQL shootout starts, as "NAME (database)".
    let with_database = [
        "rust-axum",
        "go-nethttp",
        "go-gin",
        "node-fastify",
        "node-fastify-ts",
        "node-workers",
        "node-express",
        "bun",
        "deno",
    ];
    assert_eq!(
        report["contenders"].as_array().unwrap().len(),
        all.len() + with_database.len(),
        "every contender under contenders/ is verified, in each of its modes"
    );
    for name in with_database {
        let v = verdict(&report, &format!("{name} (database)"));
        assert_eq!(v["outcome"], "passed", "{name} (database): {v:#}");
        let database = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == "database")
            .unwrap();
        assert!(database["passed"].as_u64().unwrap() >= 10, "{database}");
        assert_eq!(database["failed"], 0);
    }
    for name in all {
        let v = verdict(&report, name);
        assert_eq!(
            v["outcome"],
            "passed",
            "{name}: {:#}\nstderr:\n{}",
            v,
            text(&out.stderr)
        );
        let checks: u64 = v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["passed"].as_u64().unwrap())
            .sum();
        assert!(checks > 400, "{name} ran only {checks} checks");
        assert!(v["runtime"]["version"].is_string());
        assert!(v["conditions"]["env"]["CPUS"].is_string());
    }
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    // Each runs on the major its manifest asks for.
    for (name, major) in [("node-fastify", "24."), ("bun", "1."), ("deno", "2.")] {
        let v = verdict(&report, name);
        assert!(
            v["runtime"]["version"].as_str().unwrap().starts_with(major),
            "{v:#}"
        );
    }
}

#[test]
fn a_correct_fixture_passes_and_each_fault_is_caught_by_name() {
    let (out, report) = verify_fixtures(
        &[
            "fixture-ok",
            "wrong-hash",
            "wrong-trees",
            "bad-json-500",
            "no-upstream",
            "lenient-fields",
            "plain-405",
            "serial-fanout",
        ],
        &[],
    );
    assert!(
        !out.status.success(),
        "a failing contender must make verify exit non-zero"
    );
    assert_eq!(
        verdict(&report, "fixture-ok")["outcome"],
        "passed",
        "{report:#}"
    );
    assert_rejected_for(&report, "wrong-hash", "cpu-hash", "\"hash\" is");
    assert_rejected_for(&report, "wrong-trees", "cpu-trees", "\"check\" is");
    assert_rejected_for(
        &report,
        "bad-json-500",
        "validation",
        "malformed JSON is a 400",
    );
    assert_rejected_for(&report, "no-upstream", "io", "calls the upstream's /delay");
    assert_rejected_for(
        &report,
        "no-upstream",
        "orders",
        "authorized by the upstream",
    );
    assert_rejected_for(
        &report,
        "lenient-fields",
        "validation",
        "unknown field is a 400",
    );
    assert_rejected_for(
        &report,
        "plain-405",
        "errors",
        "wrong method on a known path is a 405",
    );
    assert_rejected_for(&report, "serial-fanout", "fanout", "run at once");
    // Faults stay in their own group: the fixture is otherwise correct.
    for v in report["contenders"].as_array().unwrap() {
        if v["name"] == "lenient-fields" || v["name"] == "serial-fanout" {
            assert_eq!(v["failures"].as_array().unwrap().len(), 1, "{v:#}");
        }
    }
}

#[test]
fn a_contender_that_crashes_on_bad_input_is_reported_with_its_exit() {
    let (out, report) = verify_fixtures(&["crash-on-empty"], &[]);
    assert!(!out.status.success());
    let v = verdict(&report, "crash-on-empty");
    assert_rejected_for(&report, "crash-on-empty", "survival", "exit code 3");
    assert!(
        v["not_run"].as_u64().unwrap() > 0,
        "later checks are not sent to a dead service"
    );
}

#[test]
fn a_contender_that_never_becomes_ready_fails_with_its_output() {
    let (out, report) = verify_fixtures(&["never-ready", "fixture-ok"], &["--ready-timeout", "2s"]);
    assert!(!out.status.success());
    let v = verdict(&report, "never-ready");
    assert_eq!(v["outcome"], "error");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("did not answer 200 on /health within 2s"),
        "{reason}"
    );
    assert!(
        reason.contains("fixture (FAULT=never-ready) up"),
        "stderr tail missing: {reason}"
    );
    // The run goes on with the next contender.
    assert_eq!(verdict(&report, "fixture-ok")["outcome"], "passed");
}

/// A PATH holding only `node`, so Go is missing.
fn path_without_go() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let node = std::process::Command::new("sh")
        .args(["-c", "command -v node"])
        .output()
        .unwrap();
    let node = text(&node.stdout).trim().to_owned();
    std::os::unix::fs::symlink(node, dir.path().join("node")).unwrap();
    dir
}

#[test]
fn a_missing_toolchain_is_named_with_a_hint_and_the_others_still_run() {
    let path = path_without_go();
    let out = shootout()
        .args(["verify", "--seed", "3", "--contenders-dir"])
        .arg(fixtures())
        .args(["needs-go", "fixture-ok"])
        .env("PATH", path.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(stdout.contains("`go` is not on PATH"), "{stdout}");
    assert!(stdout.contains("hint: install Go"), "{stdout}");
    assert!(stdout.contains("SKIPPED"), "{stdout}");
    assert!(
        stdout.contains("PASS ("),
        "fixture-ok still verified:\n{stdout}"
    );
    assert!(
        out.status.success(),
        "outside CI a missing toolchain is a skip"
    );

    let out = shootout()
        .args(["verify", "--contenders-dir"])
        .arg(fixtures())
        .args(["needs-go", "fixture-ok"])
        .env("PATH", path.path())
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "in CI a missing toolchain is a failure"
    );
}

#[test]
fn bad_arguments_get_clear_errors() {
    let out = shootout()
        .args(["verify", "no-such-contender"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("no contender named \"no-such-contender\""),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: known contenders: bun, deno, go-gin, go-nethttp, node-express, node-fastify, node-fastify-compile-per-request, node-fastify-ts, node-workers, rust-axum"
        ),
        "{err}"
    );

    let out = shootout()
        .args(["verify", "--service-cpus", "3-1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("range goes backwards"),
        "{}",
        text(&out.stderr)
    );

    let out = shootout()
        .args(["verify", "--ready-timeout", "soon"])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("not a duration"),
        "{}",
        text(&out.stderr)
    );

    let out = shootout()
        .args(["verify", "--contenders-dir", "/nonexistent/contenders"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/contenders"),
        "{}",
        text(&out.stderr)
    );
}
