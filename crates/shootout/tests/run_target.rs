//! `shootout run --target`: services started outside the run, by `shootout
//! up` in other processes, verified and measured over the network.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;

use common::run::{
    COLDSTART_SCENARIO, JSON_SCENARIO, contender, metric, scenario, scenarios, valid_results,
};
use common::{fixtures, shootout, text};
use shootout::suite::metric::Metric;
use shootout::suite::results::Results;

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
    common::signal(child, libc::SIGINT);
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
        .args(["run", "--quick", "--seed", "5", "--no-ledger"])
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
    let results = valid_results(out.path());
    let ok_info = contender(&results, "fixture-ok");
    assert!(ok_info.verified, "{ok_info:?}");
    assert_eq!(ok_info.remote.as_deref(), Some(ok_url.as_str()));
    let wrong_info = contender(&results, "wrong-hash");
    assert!(!wrong_info.verified, "{wrong_info:?}");
    assert!(
        wrong_info
            .skipped
            .as_deref()
            .is_some_and(|s| s.contains("cpu")),
        "{wrong_info:?}"
    );
    check_target_cells(&results);

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

/// Only the verified target was measured, by the generator alone: no
/// process-side metric, no cold start, and the notes say why.
fn check_target_cells(results: &Results) {
    let cells = &scenario(results, "json").cells;
    assert_eq!(cells.len(), 1, "only the verified target: {cells:?}");
    let t = &cells[0].trials[0];
    assert_eq!(cells[0].contender, "fixture-ok");
    assert!(
        metric(t, Metric::RequestsPerS).is_some_and(|r| r > 100.0),
        "{:?}",
        t.metrics
    );
    assert_eq!(
        metric(t, Metric::VerificationFailures),
        Some(0.0),
        "{:?}",
        t.metrics
    );
    assert_eq!(
        metric(t, Metric::CpuMsPerRequest),
        None,
        "no process to sample: {:?}",
        t.metrics
    );
    assert_eq!(metric(t, Metric::RssPeakMb), None, "{:?}", t.metrics);
    assert!(scenario(results, "coldstart").cells.is_empty());
    let notes = results.notes.join("\n");
    assert!(notes.contains("fixture-ok is a remote target"), "{notes}");
    assert!(
        notes.contains("coldstart: fixture-ok is a remote target, not measured"),
        "{notes}"
    );
}
