//! `shootout mutate` on fixture contenders (tests/fixtures/mutate): the
//! same server with a strict build (a type check of its settings as its
//! compile stage) and a weak one (none). Real processes, real contract
//! checks; nothing is mocked.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{repo, shootout, text};
use serde_json::Value;

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/mutate")
}

/// Runs `shootout mutate` with a cache of its own: its scorecards (kept
/// by contender name) stay out of the user's cache.
fn mutate(dir: &Path, args: &[&str]) -> Output {
    let cache = tempfile::tempdir().unwrap();
    shootout()
        .env("SHOOTOUT_CACHE", cache.path())
        .arg("mutate")
        .args(args)
        .arg("--contenders-dir")
        .arg(dir)
        .arg("--catalogue")
        .arg(dir.join("catalogue.toml"))
        .output()
        .unwrap()
}

/// A copy of the fixtures whose `file` in `contender` is rewritten by `edit`.
fn edited(contender: &str, file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixtures().join("."))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let path = dir.path().join(contender).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    dir
}

#[test]
fn a_patch_that_no_longer_applies_is_an_error_naming_it() {
    // The source moved on: the anchor is gone.
    let dir = edited("strict", "settings.mjs", |t| {
        t.replace("export const retries = 3;", "export const retries = 4;")
    });
    let out = mutate(dir.path(), &["--check"]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("strict: mutation change-type: settings.mjs: the patch no longer applies"),
        "{err}"
    );
    // Nothing was built or run.
    assert!(!err.contains("preparing a copy"), "{err}");
}

#[test]
fn a_patch_that_changes_nothing_is_an_error() {
    let dir = edited("weak", "mutations.toml", |t| {
        t.replace(
            "replacement = \"export const fault = 'wrong-hash';\"",
            "replacement = \"export const fault = null;\"",
        )
    });
    let out = mutate(dir.path(), &["--check"]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("weak: mutation wrong-answer: settings.mjs: the replacement changes nothing"),
        "{err}"
    );
}

#[test]
fn a_kind_without_a_patch_or_a_reason_is_an_error() {
    let dir = edited("weak", "mutations.toml", |t| {
        t.split("[[mutation]]\nkind = \"wrong-answer\"")
            .next()
            .unwrap()
            .to_owned()
    });
    let out = mutate(dir.path(), &["--check"]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("weak: mutation wrong-answer: missing from"),
        "{err}"
    );
}

fn outcome<'a>(report: &'a Value, contender: &str, kind: &str) -> &'a Value {
    let card = report["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contender"] == contender)
        .unwrap();
    card["mutations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind)
        .unwrap()
}

/// The weak build lets the type change slip where the strict one's type
/// check catches it at compile; the contract catches the changed answer in
/// both. The real sources are untouched.
#[test]
fn stages_catch_what_they_can_see() {
    let before = std::fs::read_to_string(fixtures().join("strict/settings.mjs")).unwrap();
    let out = mutate(&fixtures(), &["strict", "weak", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema"], "shootout.mutate/1");

    let strict = outcome(&report, "strict", "change-type");
    assert_eq!(strict["caught_at"], "compile", "{strict:#}");
    assert!(
        strict["evidence"]
            .as_str()
            .unwrap()
            .contains("retries is a string"),
        "{strict:#}"
    );
    assert_eq!(strict["not_run"], serde_json::json!(["contract"]));

    let weak = outcome(&report, "weak", "change-type");
    assert_eq!(weak["slipped"], true, "{weak:#}");
    assert!(weak.get("caught_at").is_none(), "{weak:#}");

    for contender in ["strict", "weak"] {
        let o = outcome(&report, contender, "wrong-answer");
        assert_eq!(o["caught_at"], "contract", "{o:#}");
        assert!(
            o["evidence"].as_str().unwrap().contains("cpu-hash"),
            "{o:#}"
        );
    }
    let weak_card = &report["contenders"][1];
    assert_eq!(weak_card["summary"]["slipped"], 1);
    assert_eq!(weak_card["summary"]["caught_before_running_pct"], 0.0);
    let strict_card = &report["contenders"][0];
    assert_eq!(strict_card["summary"]["caught_before_running_pct"], 50.0);
    assert_eq!(
        std::fs::read_to_string(fixtures().join("strict/settings.mjs")).unwrap(),
        before
    );
}

/// `[dev] env` reaches every command of the loop: a compile stage that
/// refuses to run without it fails the baseline when it is missing, and
/// keeps its type check when it is there.
#[test]
fn the_dev_env_reaches_the_loop() {
    let gated = |with_env: bool| {
        move |t: &str| {
            let compile = r#"compile = ["node", "--input-type=module", "-e", "if (process.env.FIXTURE_LOOP !== 'dev') { console.error('FIXTURE_LOOP is not set'); process.exit(1); } await import('./check.mjs');"]"#;
            let env = if with_env {
                "\nenv = { FIXTURE_LOOP = \"dev\" }"
            } else {
                ""
            };
            t.replace(
                r#"compile = ["node", "check.mjs"]"#,
                &format!("{compile}{env}"),
            )
        }
    };
    let without = beside_fixture_server(gated(false));
    let out = mutate(&without.path().join("mutate"), &["strict", "--json"]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("its compile stage fails"), "{err}");
    assert!(err.contains("FIXTURE_LOOP is not set"), "{err}");

    let with = beside_fixture_server(gated(true));
    let out = mutate(&with.path().join("mutate"), &["strict", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strict = outcome(&report, "strict", "change-type");
    assert_eq!(strict["caught_at"], "compile", "{strict:#}");
    assert!(
        strict["evidence"]
            .as_str()
            .unwrap()
            .contains("retries is a string"),
        "{strict:#}"
    );
}

/// A copy of the fixtures as `mutate/`, strict's manifest rewritten by
/// `edit`, beside a link to the fixture server they import
/// (`../../contenders/fixture-server.mjs`), so the service can start.
fn beside_fixture_server(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let copy = edited("strict", "contender.toml", edit);
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(copy.path())
        .arg(root.path().join("mutate"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink(
        repo().join("tests/fixtures/contenders"),
        root.path().join("contenders"),
    )
    .unwrap();
    root
}
