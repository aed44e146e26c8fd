//! `--limits`: contenders run in cgroups of their own with a CPU quota and a
//! memory limit, as a pod's containers do, on real fixture processes.

#![allow(clippy::unwrap_used)]

mod common;

use common::{fixtures, shootout, text};
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
duration = "4s"
"#;

fn cgroups_writable() -> bool {
    [
        "/sys/fs/cgroup/cpu",
        "/sys/fs/cgroup/memory",
        "/sys/fs/cgroup",
    ]
    .iter()
    .any(|d| {
        let probe = std::path::Path::new(d).join(format!("shootout-probe-{}", std::process::id()));
        let ok = std::fs::create_dir(&probe).is_ok();
        let _ = std::fs::remove_dir(&probe);
        ok
    })
}

/// `run --quick` of one scenario file on `contenders` (fixtures), with
/// `extra` options; the results, and the folder they are in.
fn run_quick(scenario: &str, contenders: &str, extra: &[&str]) -> (Value, tempfile::TempDir) {
    let scenarios = tempfile::tempdir().unwrap();
    std::fs::write(scenarios.path().join("s.toml"), scenario).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = shootout()
        .args(["run", "--quick", "--no-database"])
        .args(extra)
        .args(["--contenders", contenders, "--contenders-dir"])
        .arg(fixtures())
        .arg("--scenarios-dir")
        .arg(scenarios.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("results.json")).unwrap())
            .unwrap();
    (results, out)
}

#[test]
fn limits_are_applied_unannounced_and_an_oom_kill_is_reported_as_such() {
    if !common::prerequisite::available(
        "a writable cgroup hierarchy",
        (!cgroups_writable()).then(|| "cannot create a cgroup under /sys/fs/cgroup".to_owned()),
        "run as root with cgroup v1 cpu and memory, or v2, mounted writable",
    ) {
        return;
    }
    let (results, out) = run_quick(
        JSON_SCENARIO,
        "fixture-ok,hoard",
        &["--limits", "cpu=500m,memory=256Mi"],
    );
    assert_eq!(results["limits"]["cpu"], 0.5);
    assert_eq!(results["limits"]["memory_bytes"], 256 << 20);
    for c in results["contenders"].as_array().unwrap() {
        // Not told its budget: under limits the runtime must find out itself.
        assert!(c["told"].get("CPUS").is_none(), "{c}");
    }
    let cells = results["scenarios"][0]["cells"].as_array().unwrap();
    let cell = |name: &str| cells.iter().find(|c| c["contender"] == name).unwrap();

    let ok = &cell("fixture-ok")["trials"][0];
    assert_eq!(ok["status"], "ok", "{ok}");
    let m = &ok["metrics"];
    // Node.js at full tilt wants a whole CPU: half of one is throttled.
    assert!(m["cpu_throttled_pct"].as_f64().unwrap() > 10.0, "{m}");
    assert!(m["cgroup_memory_peak_mb"].as_f64().unwrap() > 10.0, "{m}");
    assert_eq!(m["oom_kills"], 0.0);

    let hoard = &cell("hoard")["trials"][0];
    assert_eq!(hoard["status"], "crashed", "{hoard}");
    let error = hoard["error"].as_str().unwrap();
    assert!(error.contains("OOM-killed"), "{error}");

    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("throttled %"), "no throttling column");
    assert!(
        html.contains("cpu=0.5,memory=256Mi"),
        "the limits are not in the method"
    );
    // Every cgroup made for the run is gone.
    for root in [
        "/sys/fs/cgroup/cpu/shootout",
        "/sys/fs/cgroup/memory/shootout",
    ] {
        if let Ok(dir) = std::fs::read_dir(root) {
            let left: Vec<_> = dir
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name())
                .collect();
            assert!(left.is_empty(), "cgroups left behind in {root}: {left:?}");
        }
    }
}

const DRAIN_SCENARIO: &str = r#"
kind = "drain"
name = "sigterm"
description = "SIGTERM with requests in flight, for tests"
[drain]
path = "/io?ms=300&token=drain"
connections = 16
grace = "3s"
"#;

/// SIGTERM with requests in flight: a graceful service finishes them and
/// exits; one that ignores SIGTERM is SIGKILLed at the grace period; one
/// that exits at once loses what was in flight.
#[test]
fn sigterm_drain_time_kills_and_lost_requests_are_reported() {
    let (results, _out) = run_quick(
        DRAIN_SCENARIO,
        "fixture-ok,ignore-sigterm,exit-on-sigterm",
        &[],
    );
    let cells = results["scenarios"][0]["cells"].as_array().unwrap();
    let detail = |name: &str| {
        cells.iter().find(|c| c["contender"] == name).unwrap()["trials"][0]["detail"].clone()
    };
    let ok = detail("fixture-ok");
    assert_eq!(ok["killed"], false, "{ok}");
    assert_eq!(ok["in_flight"], 16, "{ok}");
    assert_eq!(ok["lost"], 0, "{ok}");
    assert!(ok["drain_s"].as_f64().unwrap() < 3.0, "{ok}");

    let ignoring = detail("ignore-sigterm");
    assert_eq!(ignoring["killed"], true, "{ignoring}");
    assert_eq!(ignoring["drain_s"], 3.0, "{ignoring}");
    assert!(ignoring["exit"].as_str().unwrap().contains("signal 9"));

    let abrupt = detail("exit-on-sigterm");
    assert_eq!(abrupt["killed"], false, "{abrupt}");
    assert!(abrupt["lost"].as_u64().unwrap() >= 1, "{abrupt}");
}
