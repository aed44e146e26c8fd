//! `shootout run` end to end: real contenders, a valid results file with its
//! ledger, interruption and resume, and scenario-file errors.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{fixtures, repo, shootout, text};
use serde_json::Value;

const JSON_SCENARIO: &str = r#"
name = "json"
description = "tiny json scenario for tests"
[[requests]]
path = "/json"
check = "json"
[load]
model = "closed"
connections = 8
[timing.quick]
warmup = "300ms"
duration = "1s"
"#;

const COLDSTART_SCENARIO: &str = r#"
kind = "coldstart"
name = "coldstart"
description = "tiny cold start for tests"
[coldstart]
runs = 2
"#;

fn scenarios(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn validate(results: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/results.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(results)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "results.json violates its schema:\n{}",
        errors.join("\n")
    );
}

fn read_results(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

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
    let results = read_results(out.path());
    validate(&results);
    assert_eq!(results["complete"], true);
    assert_eq!(results["mode"], "quick");
    for s in results["scenarios"].as_array().unwrap() {
        let cells = s["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 3, "{}: a cell per contender", s["name"]);
        for c in cells {
            let t = &c["trials"][0];
            assert_eq!(
                t["status"], "ok",
                "{} / {}: {}",
                s["name"], c["contender"], t["error"]
            );
        }
    }
    let json = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "json")
        .unwrap();
    for c in json["cells"].as_array().unwrap() {
        let m = &c["trials"][0]["metrics"];
        assert!(
            m["requests_per_s"].as_f64().unwrap() > 100.0,
            "{}: {m}",
            c["contender"]
        );
        assert_eq!(m["verification_failures"], 0.0, "{}", c["contender"]);
        assert!(m["cpu_ms_per_request"].as_f64().unwrap() > 0.0);
        assert!(m["rss_peak_mb"].as_f64().unwrap() > 1.0);
    }
    // Cold starts are timed by a fresh `shootout coldstart` process, as the
    // standalone command times them, not by the long-running harness.
    let coldstart = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "coldstart")
        .unwrap();
    for c in coldstart["cells"].as_array().unwrap() {
        let detail = &c["trials"][0]["detail"];
        assert_eq!(detail["kind"], "coldstart", "{detail}");
        assert_eq!(detail["measured_in"], "fresh-process", "{}", c["contender"]);
    }
    // Machine facts and what each runtime was told.
    assert!(results["machine"]["cpus"].as_u64().unwrap() >= 1);
    for c in results["contenders"].as_array().unwrap() {
        assert_eq!(c["verified"], true);
        assert!(c["told"]["CPUS"].is_string(), "{c}");
    }
    // The ledger: decided where there is data, inconclusive where there is none.
    let claims = results["ledger"]["claims"].as_array().unwrap();
    let verdict = |id: &str| {
        claims.iter().find(|c| c["id"] == id).unwrap()["verdict"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(verdict("go-faster-cold-starts"), "INCONCLUSIVE");
    assert_eq!(
        verdict("go-minimal-images"),
        "INCONCLUSIVE",
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
    let evaluation: Value = serde_json::from_slice(&claims.stdout).unwrap();
    assert_eq!(evaluation["claims"], results["ledger"]["claims"]);
}

fn live_contender_groups() -> Vec<i32> {
    let mut groups = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmdline).contains("fixture-server.mjs") {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let rest = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields[0] != "Z" {
            groups.push(fields[2].parse().unwrap());
        }
    }
    groups
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
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // Interrupt while the second scenario's cell is running.
    let mut lines = stderr.lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("json-again / fixture-ok") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run never reached its second cell"
        );
    }
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        !live_contender_groups().is_empty(),
        "a contender should be running mid-cell"
    );
    // SAFETY: plain syscall on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    std::thread::spawn(move || lines.for_each(drop));

    let partial = read_results(out.path());
    validate(&partial);
    assert_eq!(partial["complete"], false);
    let done = |r: &Value, name: &str| {
        r["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["cells"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(done(&partial, "json"), 1, "the finished cell is kept");
    assert_eq!(
        done(&partial, "json-again"),
        0,
        "the interrupted cell is not half-written"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !live_contender_groups().is_empty() {
        assert!(
            Instant::now() < deadline,
            "a contender outlived the interrupted run"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let resumed = args(true).output().unwrap();
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let finished = read_results(out.path());
    validate(&finished);
    assert_eq!(finished["complete"], true);
    assert_eq!(done(&finished, "json-again"), 1);
    let first = |r: &Value| r["scenarios"][0]["cells"][0]["trials"][0]["started_at"].clone();
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
    let results = read_results(out.path());
    validate(&results);
    assert_eq!(results["complete"], true);
    let cells = results["scenarios"][0]["cells"].as_array().unwrap();
    let cell = |name: &str| cells.iter().find(|c| c["contender"] == name).unwrap();
    let killed = cell("killed-mid-run");
    let trial = &killed["trials"][0];
    assert_eq!(trial["status"], "crashed", "{trial}");
    assert!(
        trial["error"]
            .as_str()
            .unwrap()
            .contains("killed by signal 9"),
        "{}",
        trial["error"]
    );
    assert_eq!(killed["marked"], true);
    assert_eq!(
        cell("fixture-ok")["trials"][0]["status"],
        "ok",
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

/// A `shootout up` (or any server) in another process: the line of its
/// stdout that contains `marker`, with the rest drained in the background.
fn started(cmd: &mut std::process::Command, marker: &str) -> (std::process::Child, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = common::wait_for_line(&mut child, marker);
    (child, line)
}

fn url_in(line: &str) -> String {
    line.split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned()
}

fn sigint(child: &mut std::process::Child) {
    // SAFETY: plain syscall on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
}

/// `run --target`: services started outside this run (by `shootout up` in
/// other processes, calling one `shootout upstream`) are verified over the
/// network, the one that breaks the contract is skipped, the other is
/// measured; what needs its process is said to be unavailable and the
/// scenarios that start it are not run for it; the services keep running.
#[test]
fn run_target_measures_services_started_by_up_in_other_processes() {
    let (mut upstream, line) =
        started(shootout().args(["upstream", "--port", "0"]), "listening on");
    let upstream_url = url_in(&line);
    let up = |name: &str| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        started(
            shootout()
                .args(["up", name, "--port", &port, "--upstream", &upstream_url])
                .arg("--contenders-dir")
                .arg(fixtures()),
            "is up at",
        )
    };
    let (mut ok, ok_line) = up("fixture-ok");
    let (mut wrong, wrong_line) = up("wrong-hash");
    let ok_url = url_in(&ok_line);

    let scenarios = scenarios(&[("a.toml", JSON_SCENARIO), ("b.toml", COLDSTART_SCENARIO)]);
    let out = tempfile::tempdir().unwrap();
    let run = shootout()
        .args(["run", "--quick", "--seed", "5", "--ledger", "none.toml"])
        .arg("--target")
        .arg(format!("fixture-ok={ok_url}"))
        .arg("--target")
        .arg(format!("wrong-hash={}", url_in(&wrong_line)))
        .args(["--target-upstream", &upstream_url, "--scenarios-dir"])
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert!(run.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    let results = read_results(out.path());
    validate(&results);
    let info = |name: &str| {
        results["contenders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(info("fixture-ok")["verified"], true);
    assert_eq!(info("fixture-ok")["remote"], ok_url.as_str());
    assert_eq!(info("wrong-hash")["verified"], false);
    assert!(
        info("wrong-hash")["skipped"]
            .as_str()
            .unwrap()
            .contains("cpu"),
        "{}",
        info("wrong-hash")
    );
    let scenario = |name: &str| {
        results["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    let cells = scenario("json")["cells"].as_array().unwrap().clone();
    assert_eq!(cells.len(), 1, "only the verified target: {cells:?}");
    let m = &cells[0]["trials"][0]["metrics"];
    assert_eq!(cells[0]["contender"], "fixture-ok");
    assert!(m["requests_per_s"].as_f64().unwrap() > 100.0, "{m}");
    assert_eq!(m["verification_failures"], 0.0, "{m}");
    assert!(
        m.get("cpu_ms_per_request").is_none(),
        "no process to sample: {m}"
    );
    assert!(m.get("rss_peak_mb").is_none(), "{m}");
    assert!(
        scenario("coldstart")["cells"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let notes = results["notes"].to_string();
    assert!(notes.contains("fixture-ok is a remote target"), "{notes}");
    assert!(
        notes.contains("coldstart: fixture-ok is a remote target, not measured"),
        "{notes}"
    );

    // `verify --target` gives the same verdicts on its own.
    let verify = |name: &str, url: &str| {
        shootout()
            .args(["verify", "--json", "--target"])
            .arg(format!("{name}={url}"))
            .args(["--target-upstream", &upstream_url])
            .output()
            .unwrap()
    };
    let good = verify("fixture-ok", &ok_url);
    assert!(good.status.success(), "{}", text(&good.stderr));
    assert_eq!(
        common::stdout_json(&good)["contenders"][0]["outcome"],
        "passed"
    );
    let bad = verify("wrong-hash", &url_in(&wrong_line));
    assert!(!bad.status.success());
    assert_eq!(
        common::stdout_json(&bad)["contenders"][0]["outcome"],
        "failed"
    );

    // The run neither stopped nor restarted them.
    for (child, line) in [(&mut ok, &ok_line), (&mut wrong, &wrong_line)] {
        assert!(child.try_wait().unwrap().is_none(), "{line}: it exited");
    }
    let mut conn = std::net::TcpStream::connect(ok_url.trim_start_matches("http://")).unwrap();
    std::io::Write::write_all(
        &mut conn,
        b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut conn, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for child in [&mut ok, &mut wrong, &mut upstream] {
        sigint(child);
    }
}
