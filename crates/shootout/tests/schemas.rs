//! Every `--json` output against its committed schema
//! (`docs/NAME.schema.json`, which `shootout schema NAME` generates and a
//! unit test keeps current): each command is run for real, cheaply (fixture
//! contenders, the upstream simulator, two load shards), and its stdout is
//! validated, then decoded into the crate's own type where it has one.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Child, Command, Output, Stdio};

use common::{fixtures, repo, shootout, text, wait_for_line};
use serde_json::Value;

/// Validates `doc` against `docs/NAME.schema.json`, with every violation
/// and where it is in the failure message.
fn assert_valid(name: &str, doc: &Value) {
    let path = repo().join(format!("docs/{name}.schema.json"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: schema violations:\n{}\nin:\n{doc:#}",
        errors.join("\n")
    );
}

/// Runs `cmd`, which must succeed, and returns its stdout as JSON.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    stdout_json(&out)
}

fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

/// `shootout --json` of fixture contenders.
fn with_fixtures(args: &[&str]) -> Command {
    let mut cmd = shootout();
    cmd.args(args)
        .arg("--json")
        .arg("--contenders-dir")
        .arg(fixtures());
    cmd
}

#[test]
fn verify_passed_and_failed() {
    // wrong-hash fails (so the exit is 1): both outcomes, failures included.
    let out = with_fixtures(&["verify", "--seed", "7", "fixture-ok", "wrong-hash"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    assert_valid("verify", &doc);
    let outcomes: Vec<&str> = doc["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["passed", "failed"], "{}", text(&out.stderr));
}

#[test]
fn torture_without_overload() {
    let doc = json_of(&mut with_fixtures(&[
        "torture",
        "--no-overload",
        "fixture-ok",
    ]));
    assert_valid("torture", &doc);
    let cards: Vec<shootout::torture::Scorecard> = serde_json::from_value(doc).unwrap();
    assert_eq!(cards.len(), 1);
    assert!(!cards[0].cases.is_empty());
}

#[test]
fn coldstart_of_a_fixture() {
    let doc = json_of(&mut with_fixtures(&[
        "coldstart",
        "--runs",
        "2",
        "fixture-ok",
    ]));
    assert_valid("coldstart", &doc);
    let results: Vec<shootout::ops::coldstart::Coldstart> = serde_json::from_value(doc).unwrap();
    assert_eq!(results[0].runs.len(), 2);
}

#[test]
fn footprint_of_a_fixture() {
    let images = tempfile::tempdir().unwrap();
    let doc = json_of(
        with_fixtures(&["footprint", "--no-clean-build", "fixture-ok"])
            .arg("--images-dir")
            .arg(images.path()),
    );
    assert_valid("footprint", &doc);
    let results: Vec<shootout::ops::footprint::Footprint> = serde_json::from_value(doc).unwrap();
    assert_eq!(results[0].contender, "fixture-ok");
}

#[test]
fn mutate_of_a_fixture() {
    let dir = repo().join("tests/fixtures/mutate");
    let doc = json_of(
        shootout()
            .args(["mutate", "weak", "--json", "--contenders-dir"])
            .arg(&dir)
            .arg("--catalogue")
            .arg(dir.join("catalogue.toml")),
    );
    assert_valid("mutate", &doc);
    let report: shootout::mutate::MutateReport = serde_json::from_value(doc).unwrap();
    assert_eq!(report.contenders[0].mutations.len(), 2);
}

#[test]
fn toolchains_of_the_fixtures() {
    let doc = json_of(&mut with_fixtures(&["toolchains"]));
    assert_valid("toolchains", &doc);
    assert!(!doc.as_array().unwrap().is_empty());
}

#[test]
fn claims_of_the_fixture_results() {
    let doc = json_of(
        shootout()
            .arg("claims")
            .arg(repo().join("tests/fixtures/results/quick.json"))
            .arg("--json"),
    );
    assert_valid("claims", &doc);
    let _: shootout::suite::claims::Evaluation = serde_json::from_value(doc).unwrap();
}

#[test]
fn compare_of_the_fixture_results() {
    // A file against itself: every change is `~`, no condition holds.
    let fixture = repo().join("tests/fixtures/results/quick.json");
    let doc = json_of(
        shootout()
            .arg("compare")
            .arg(&fixture)
            .arg(&fixture)
            .args(["--fail-if", "requests_per_s[*,*] < 0.5*base"])
            .arg("--json"),
    );
    assert_valid("compare", &doc);
    let c: shootout::suite::change::Comparison = serde_json::from_value(doc).unwrap();
    assert!(!c.changes.is_empty());
    assert!(
        c.changes
            .iter()
            .all(|ch| ch.direction == shootout::suite::change::Direction::Same)
    );
}

/// `shootout upstream` on a free port, stopped when dropped.
struct Upstream {
    child: Child,
    url: String,
}

impl Upstream {
    fn start() -> Self {
        let mut child = shootout()
            .args(["upstream", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let line = wait_for_line(&mut child, "listening on");
        let url = line.rsplit(' ').next().unwrap().to_owned();
        Self { child, url }
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `load` in both models, two shards of one load, and their `merge`: one
/// schema (`shootout.load/1`).
#[test]
fn load_open_and_closed_shards_and_their_merge() {
    let upstream = Upstream::start();
    let url = format!("{}/delay?ms=1&token=t", upstream.url);
    let load = |extra: &[&str]| {
        let mut cmd = shootout();
        cmd.args(["load", &url, "-c", "2", "-d", "1s", "--warmup", "100ms"])
            .args(extra)
            .arg("--json");
        cmd
    };
    let closed = json_of(&mut load(&[]));
    let open = json_of(&mut load(&["--rate", "100"]));
    assert!(open["schedule"].is_object());
    let dir = tempfile::tempdir().unwrap();
    let shards: Vec<_> = ["0/2", "1/2"]
        .iter()
        .enumerate()
        .map(|(i, shard)| {
            let path = dir.path().join(format!("s{i}.json"));
            let out = std::fs::File::create(&path).unwrap();
            let child = load(&["--shard", shard]).stdout(out).spawn().unwrap();
            (path, child)
        })
        .collect();
    let mut files = Vec::new();
    for (path, mut child) in shards {
        assert!(child.wait().unwrap().success());
        files.push(path);
    }
    let merged = json_of(shootout().arg("merge").args(&files).arg("--json"));
    assert_eq!(merged["shards"].as_array().unwrap().len(), 2);
    for (what, doc) in [("closed", &closed), ("open", &open), ("merged", &merged)] {
        assert_valid("load", doc);
        let report: shootout::load::LoadReport = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(report.schema, "shootout.load/1", "{what}");
    }
    for file in &files {
        let shard: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_valid("load", &shard);
        assert!(shard["histograms"].is_object());
    }
}
