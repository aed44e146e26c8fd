//! Exit codes and the mistakes a newcomer makes, through the real binary:
//! a ledger naming a scenario or contender that does not exist is refused
//! with the nearest real name (exit 2), `--fail-on` turns a verdict into
//! exit 1, a `--ledger` that is not there is an error, `--reference` must
//! name a measured contender and `--baseline` is refused with a hint, and
//! `run` started outside the repository says where to start it.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{repo, shootout, text};

fn quick() -> PathBuf {
    repo().join("tests/fixtures/results/quick.json")
}

/// A one-claim ledger: `a / b requests_per_s` in scenario `json` at least `at_least`.
fn ledger(dir: &Path, scenario: &str, a: &str, at_least: f64) -> PathBuf {
    let path = dir.join("ledger.toml");
    std::fs::write(
        &path,
        format!(
            r#"title = "t"
source = "a test"

[[claim]]
id = "one"
section = "s"
quote = "q"
test = "t"

[[claim.check]]
scenario = "{scenario}"
metric = "requests_per_s"
a = "{a}"
b = "go-nethttp"
at_least = {at_least:?}
"#
        ),
    )
    .unwrap();
    path
}

/// `shootout args…` from the repository root: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = shootout().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn claims(ledger: &Path, extra: &[&str]) -> (i32, String, String) {
    let results = quick();
    let mut args = vec![
        "claims",
        results.to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_misspelt_scenario_in_a_ledger_is_refused_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = claims(&ledger(dir.path(), "cpu-hsah", "rust-axum", 1.0), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(r#"no scenario named "cpu-hsah" (did you mean "cpu-hash"?)"#),
        "{err}"
    );
    assert!(err.contains("line 12"), "the check's line: {err}");
}

#[test]
fn a_misspelt_contender_in_a_ledger_is_refused_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = claims(&ledger(dir.path(), "json", "go-nethtp", 1.0), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(r#"no contender named "go-nethtp" (did you mean "go-nethttp"?)"#),
        "{err}"
    );
}

/// A scenario the results did not measure but scenarios/ has is a real
/// name: its claim is INCONCLUSIVE, not an error.
#[test]
fn a_real_scenario_the_results_lack_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.ok()?.path()).ok()?;
            let line = text.lines().find(|l| l.starts_with("name = "))?;
            Some(
                line.trim_start_matches("name = ")
                    .trim_matches('"')
                    .to_owned(),
            )
        })
        .collect();
    let measured = ["json", "cpu-hash", "cpu-json", "io", "orders"];
    let Some(unmeasured) = names.iter().find(|n| !measured.contains(&n.as_str())) else {
        return;
    };
    let (code, out, err) = claims(&ledger(dir.path(), unmeasured, "rust-axum", 1.0), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("INCONCLUSIVE"), "{out}");
}

#[test]
fn fail_on_refuted_exits_1_on_a_refuted_claim_and_0_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    // rust-axum / go-nethttp req/s in json is about 1.9: ≥ 50 is refuted
    // whatever the noise, ≥ 0.02 supported.
    let refuted = ledger(dir.path(), "json", "rust-axum", 50.0);
    let (code, out, err) = claims(&refuted, &["--fail-on", "refuted"]);
    assert!(out.contains("REFUTED"), "{out}");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("--fail-on") && err.contains("one (REFUTED)"),
        "{err}"
    );
    let (code, _, err) = claims(&refuted, &[]);
    assert_eq!(
        code, 0,
        "without --fail-on the verdict is not a failure: {err}"
    );
    let supported = ledger(dir.path(), "json", "rust-axum", 0.02);
    let (code, out, err) = claims(&supported, &["--fail-on", "refuted,inconclusive"]);
    assert!(out.contains("SUPPORTED"), "{out}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn report_fail_on_judges_the_stored_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let (html, md) = (dir.path().join("r.html"), dir.path().join("r.md"));
    let results = quick();
    let base = [
        "report",
        results.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--md",
        md.to_str().unwrap(),
    ];
    let (code, _, err) = run(&[&base[..], &["--fail-on", "refuted"]].concat());
    assert_eq!(code, 1, "the fixture has REFUTED claims: {err}");
    let (code, _, err) = run(&base);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn run_with_a_missing_ledger_is_an_error_before_anything_runs() {
    let (code, out, err) = run(&["run", "--quick", "--ledger", "missing.toml"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("missing.toml"), "{err}");
    assert!(!err.contains("building"), "nothing is built first: {err}");
}

#[test]
fn run_with_a_misspelt_ledger_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let l = ledger(dir.path(), "json", "node-fastfy", 1.0);
    let (code, _, err) = run(&["run", "--quick", "--ledger", l.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(r#"(did you mean "node-fastify"?)"#), "{err}");
}

#[test]
fn reference_must_be_measured_and_baseline_is_refused_with_a_hint() {
    let (code, _, err) = run(&["report", quick().to_str().unwrap(), "--reference", "nosuch"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--reference nosuch") && err.contains("rust-axum"),
        "{err}"
    );
    let (code, _, err) = run(&[
        "report",
        quick().to_str().unwrap(),
        "--baseline",
        "rust-axum",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("renamed --reference"), "{err}");
}

#[test]
fn run_outside_the_repository_says_where_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = shootout()
        .current_dir(dir.path())
        .env_remove("SHOOTOUT_CONTENDERS")
        .args(["run", "--quick"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("hint: run shootout from the repository root"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_said_once() {
    let (code, _, err) = run(&["claims", "/nonexistent.json"]);
    assert_eq!(code, 2);
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

#[test]
fn quiet_leaves_only_the_error_on_stderr() {
    let (code, _, err) = run(&["--quiet", "report", "/nonexistent.json"]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    // A note the command would print (no ledger here) is not shown.
    let dir = tempfile::tempdir().unwrap();
    let out = shootout()
        .current_dir(dir.path())
        .args(["-q", "completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty());
    assert!(text(&out.stdout).contains("shootout"));
}

#[test]
fn json_on_report_prints_the_judged_results() {
    let dir = tempfile::tempdir().unwrap();
    let (html, md) = (dir.path().join("r.html"), dir.path().join("r.md"));
    let out = shootout()
        .args(["report", quick().to_str().unwrap(), "--json", "--html"])
        .arg(&html)
        .arg("--md")
        .arg(&md)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc = common::stdout_json(&out);
    assert!(
        doc["schema"]
            .as_str()
            .unwrap()
            .starts_with("shootout.results/")
    );
    assert!(
        doc["ledger"]["claims"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
}

#[test]
fn load_says_what_a_url_and_a_connection_count_look_like() {
    let (code, _, err) = run(&["load", "notaurl", "-d", "1s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: give http://HOST[:PORT]/PATH"), "{err}");
    assert!(!err.contains("https"), "not about https: {err}");
    let (code, _, err) = run(&["load", "https://example.org/", "-d", "1s"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("https is not supported"), "{err}");
    let (code, _, err) = run(&["load", "http://127.0.0.1:9/", "-c", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at least one connection"), "{err}");
}
