//! `shootout run` end to end: real contenders, a valid results file with its
//! ledger, interruption and resume, and scenario-file errors. `run --target`
//! is in run_target.rs.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::run::{
    COLDSTART_SCENARIO, JSON_SCENARIO, cell, metric, scenario, scenarios, valid_results,
};
use common::{eventually, fixtures, repo, shootout, text};
use shootout::ops::coldstart::MeasuredIn;
use shootout::suite::metric::Metric;
use shootout::suite::results::{Results, Status};
use shootout::suite::scenario::Mode;
use shootout::suite::trial::detail::TrialDetail;
use shootout::suite::verdict::{ClaimVerdict, Evaluation};

#[test]
fn a_short_run_of_two_scenarios_and_three_contenders_writes_valid_results_and_a_ledger() {
    let scenarios = scenarios(&[("a.toml", JSON_SCENARIO), ("b.toml", COLDSTART_SCENARIO)]);
    let out = tempfile::tempdir().unwrap();
    let run = shootout()
        .args(["run", "--quick", "--seed", "5"])
        .args([
            "--contenders",
            "rust-axum,go-nethttp,node-fastify",
            "--scenarios-dir",
        ])
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = text(&run.stdout);
    assert!(
        run.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&run.stderr)
    );
    let results = valid_results(out.path());
    assert!(results.complete);
    assert_eq!(results.mode, Mode::Quick);
    for s in &results.scenarios {
        assert_eq!(
            s.cells.len(),
            3,
            "{}: a cell per contender; skipped: {:?}",
            s.name,
            results
                .contenders
                .iter()
                .filter_map(|c| Some((&c.name, c.skipped.as_ref()?)))
                .collect::<Vec<_>>()
        );
        for c in &s.cells {
            let t = &c.trials[0];
            assert_eq!(
                t.status,
                Status::Ok,
                "{} / {}: {:?}",
                s.name,
                c.contender,
                t.error
            );
        }
    }
    check_cells(&results);
    // The ledger: decided where there is data, inconclusive where there is none.
    let ledger = results.ledger.as_ref().expect("the ledger was evaluated");
    let verdict = |id: &str| {
        ledger
            .claims
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no claim {id:?} in the ledger"))
            .verdict
    };
    assert_ne!(verdict("cold-starts"), ClaimVerdict::Inconclusive);
    assert_eq!(
        verdict("images"),
        ClaimVerdict::Inconclusive,
        "no footprint scenario ran"
    );
    assert!(stdout.contains("claims of"), "{stdout}");
    assert!(stdout.contains("json — tiny json scenario"), "{stdout}");

    // `shootout claims` evaluates the same ledger from the file alone.
    let claims = shootout()
        .arg("claims")
        .arg(out.path().join("results.json"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(claims.status.success(), "{}", text(&claims.stderr));
    let evaluation: Evaluation = serde_json::from_slice(&claims.stdout).unwrap();
    assert_eq!(evaluation.claims, ledger.claims);
}

/// The json cells measured throughput, CPU and memory with every answer
/// right; cold starts were timed by a fresh process; every contender was
/// verified and told its budget.
fn check_cells(results: &Results) {
    for c in &scenario(results, "json").cells {
        let t = &c.trials[0];
        assert!(
            metric(t, Metric::RequestsPerS).is_some_and(|r| r > 100.0),
            "{}: {:?}",
            c.contender,
            t.metrics
        );
        assert_eq!(
            metric(t, Metric::VerificationFailures),
            Some(0.0),
            "{}",
            c.contender
        );
        assert!(metric(t, Metric::CpuMsPerRequest).is_some_and(|v| v > 0.0));
        assert!(metric(t, Metric::RssPeakMb).is_some_and(|v| v > 1.0));
    }
    // Cold starts are timed by a fresh `shootout coldstart` process, as the
    // standalone command times them, not by the long-running harness.
    for c in &scenario(results, "coldstart").cells {
        let Some(TrialDetail::Coldstart(detail)) = &c.trials[0].detail else {
            panic!(
                "{}: not a cold-start detail: {:?}",
                c.contender, c.trials[0].detail
            );
        };
        assert_eq!(
            detail.measured_in,
            MeasuredIn::FreshProcess,
            "{}",
            c.contender
        );
    }
    // Machine facts and what each runtime was told.
    assert!(results.machine.cpus >= 1);
    for c in &results.contenders {
        assert!(c.verified, "{c:?}");
        assert!(c.told.contains_key("CPUS"), "{c:?}");
    }
}

/// A process's state letter and parent pid, from /proc/PID/stat.
fn state_and_parent(pid: i32) -> Option<(String, i32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.to_owned();
    Some((state, fields.next()?.parse().ok()?))
}

/// The live fixture contenders that `ancestor` started (its descendants),
/// so that fixtures of tests running beside this one do not count.
fn contenders_of(ancestor: u32) -> Vec<i32> {
    let descends = |mut pid: i32| {
        for _ in 0..32 {
            match state_and_parent(pid) {
                Some((_, parent)) if parent == ancestor as i32 => return true,
                Some((_, parent)) if parent > 1 => pid = parent,
                _ => return false,
            }
        }
        false
    };
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains("fixture-server.mjs") && descends(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// Whether `pid` is gone (or a zombie waiting for its reaper).
fn gone(pid: i32) -> bool {
    state_and_parent(pid).is_none_or(|(state, _)| state == "Z")
}

#[test]
fn ctrl_c_keeps_a_valid_partial_results_file_and_resume_finishes_it() {
    let long = JSON_SCENARIO.replace("duration = \"1s\"", "duration = \"2s\"");
    let scenarios = scenarios(&[
        ("a.toml", &long),
        (
            "b.toml",
            &long.replace("name = \"json\"", "name = \"json-again\""),
        ),
    ]);
    let out = tempfile::tempdir().unwrap();
    let args = |resume: bool| {
        let mut cmd = shootout();
        cmd.args([
            "run",
            "--quick",
            "--contenders",
            "fixture-ok",
            "--contenders-dir",
        ])
        .arg(fixtures())
        .arg("--scenarios-dir")
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path());
        if resume {
            cmd.arg("--resume");
        }
        cmd
    };
    let mut child = args(false)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = common::lines_of(child.stderr.take().unwrap());
    // Interrupt while the second scenario's cell is running: once it is
    // announced and its contender is up.
    eventually(
        "the run to reach its second cell",
        Duration::from_secs(60),
        || {
            stderr
                .try_iter()
                .find(|l| l.contains("json-again / fixture-ok"))
                .map(drop)
        },
    );
    let running = eventually(
        "a contender running mid-cell",
        Duration::from_secs(30),
        || Some(contenders_of(child.id())).filter(|p| !p.is_empty()),
    );
    common::signal(&child, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");

    let partial = valid_results(out.path());
    assert!(!partial.complete);
    let done = |r: &Results, name: &str| scenario(r, name).cells.len();
    assert_eq!(done(&partial, "json"), 1, "the finished cell is kept");
    assert_eq!(
        done(&partial, "json-again"),
        0,
        "the interrupted cell is not half-written"
    );
    eventually(
        "the interrupted run's contender to go",
        Duration::from_secs(5),
        || running.iter().all(|&pid| gone(pid)).then_some(()),
    );

    let resumed = args(true).output().unwrap();
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let finished = valid_results(out.path());
    assert!(finished.complete);
    assert_eq!(done(&finished, "json-again"), 1);
    let first = |r: &Results| r.scenarios[0].cells[0].trials[0].started_at.clone();
    assert_eq!(
        first(&finished),
        first(&partial),
        "resume keeps what was measured"
    );
}

#[test]
fn a_contender_killed_mid_scenario_is_reported_crashed_and_the_run_goes_on() {
    // killed-mid-run passes verification, then SIGKILLs itself at its 2,000th request (verification sends about 700).
    let scenarios = scenarios(&[(
        "a.toml",
        &JSON_SCENARIO.replace("duration = \"1s\"", "duration = \"2s\""),
    )]);
    let out = tempfile::tempdir().unwrap();
    let run = shootout()
        .args([
            "run",
            "--quick",
            "--contenders",
            "killed-mid-run,fixture-ok",
            "--contenders-dir",
        ])
        .arg(fixtures())
        .arg("--scenarios-dir")
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let results = valid_results(out.path());
    assert!(results.complete);
    let json = &results.scenarios[0];
    let killed = cell(json, "killed-mid-run");
    let trial = &killed.trials[0];
    assert_eq!(trial.status, Status::Crashed, "{trial:?}");
    assert!(
        trial
            .error
            .as_deref()
            .is_some_and(|e| e.contains("killed by signal 9")),
        "{:?}",
        trial.error
    );
    assert!(killed.marked);
    assert_eq!(
        cell(json, "fixture-ok").trials[0].status,
        Status::Ok,
        "the run went on with the next contender"
    );
    assert!(
        text(&run.stdout).contains("killed-mid-run (!)"),
        "{}",
        text(&run.stdout)
    );
}

#[test]
fn a_bad_scenario_file_is_refused_with_its_location() {
    let bad = JSON_SCENARIO.replace("model = \"closed\"", "model = \"closed\"\nconections = 8");
    let scenarios = scenarios(&[("bad.toml", &bad)]);
    let out = shootout()
        .args(["run", "--quick", "--scenarios-dir"])
        .arg(scenarios.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("line 9, column 1"), "{err}");
    assert!(err.contains("unknown field `conections`"), "{err}");

    let out = shootout()
        .args(["run", "--scenarios", "nope"])
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("no scenario named \"nope\""),
        "{}",
        text(&out.stderr)
    );
}

const LEDGER: &str = r#"
title = "t"
source = "s"
[[claim]]
id = "json-fast"
section = "s"
quote = "q"
test = "t"
[[claim.check]]
scenario = "json"
metric = "requests_per_s"
a = "fixture-ok"
at_least = 1
"#;

/// A ledger naming a metric that does not exist, or one its scenario cannot
/// produce, is refused with its file, line and a suggestion, by `claims`
/// and by `run` before anything is built or measured.
#[test]
fn a_ledger_with_a_misspelt_or_impossible_metric_is_refused_before_measuring() {
    let scenarios = scenarios(&[("a.toml", JSON_SCENARIO)]);
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo.toml");
    std::fs::write(
        &typo,
        LEDGER.replace("\"requests_per_s\"", "\"requests_per_sec\""),
    )
    .unwrap();
    let impossible = dir.path().join("impossible.toml");
    std::fs::write(
        &impossible,
        LEDGER.replace("\"requests_per_s\"", "\"probe_p99_ratio\""),
    )
    .unwrap();
    for (ledger, wanted) in [
        (&typo, "did you mean requests_per_s"),
        (&impossible, "cannot produce probe_p99_ratio"),
    ] {
        let started = Instant::now();
        let out = shootout()
            .args(["run", "--quick", "--contenders-dir"])
            .arg(fixtures())
            .args(["--contenders", "fixture-ok", "--scenarios-dir"])
            .arg(scenarios.path())
            .arg("--ledger")
            .arg(ledger)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.contains(&ledger.display().to_string()), "{err}");
        assert!(err.contains("line 11"), "{err}");
        assert!(err.contains(wanted), "{err}");
        assert!(!err.contains("building"), "refused after building: {err}");
        assert!(!dir.path().join("out/results.json").exists());
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    // `shootout claims` refuses the same ledgers against a results file.
    let results = repo().join("tests/fixtures/results/quick.json");
    let out = shootout()
        .arg("claims")
        .arg(&results)
        .arg("--ledger")
        .arg(&typo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean requests_per_s"),
        "{}",
        text(&out.stderr)
    );
    let impossible_cold = dir.path().join("cold.toml");
    std::fs::write(
        &impossible_cold,
        LEDGER.replace("\"requests_per_s\"", "\"coldstart_health_ms\""),
    )
    .unwrap();
    let out = shootout()
        .arg("claims")
        .arg(&results)
        .arg("--ledger")
        .arg(&impossible_cold)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 11") && err.contains("cannot produce coldstart_health_ms"),
        "{err}"
    );
}
