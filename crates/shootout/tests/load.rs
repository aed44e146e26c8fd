//! The load generator against real local servers on 127.0.0.1: schedule
//! accuracy, coordinated-omission correction, verification and error
//! counting, a target that dies, bad arguments, and the JSON schema.
//! Shards and their merge are in load_shards.rs.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::fixture_server::Fixture;
use common::{eventually, shootout, text};
use shootout::load::request::Check;
use shootout::load::{self, Io, LoadConfig, LoadReport, Mix, Model, Stop, Target, Template};
use shootout::upstream::{self, Upstream};

fn config(io: Io, url: &str, model: Model, stop: Stop) -> LoadConfig {
    LoadConfig {
        target: Target::parse(url).unwrap(),
        mix: Mix::single(Template::fixed(
            "GET",
            &Target::parse(url).unwrap().path,
            vec![],
            None,
        )),
        model,
        stop,
        warmup: Duration::ZERO,
        timeout: Duration::from_secs(5),
        keepalive: true,
        threads: 2,
        cpus: None,
        check_every: 1,
        progress: false,
        shard: None,
        start_at: None,
        io,
    }
}

fn run(config: LoadConfig) -> LoadReport {
    let io = config.io;
    let report = load::run(config, Arc::new(AtomicBool::new(false))).unwrap();
    assert_eq!(report.io, Some(io), "the report names the path that ran");
    report
}

/// Every test below runs twice, once per I/O path (`--io uring|epoll`).
macro_rules! on_both_paths {
    ($($test:ident),* $(,)?) => {
        mod uring {
            $(#[test]
            fn $test() {
                if crate::common::prerequisite::uring() {
                    super::$test(super::Io::Uring)
                }
            })*
        }
        mod epoll {
            $(#[test]
            fn $test() {
                super::$test(super::Io::Epoll)
            })*
        }
    };
}

on_both_paths!(
    open_model_sends_at_the_requested_rate,
    closed_model_throughput_excludes_the_drain_after_the_window,
    fractional_and_low_rates_keep_their_schedule,
    a_stall_shows_in_corrected_latency_but_not_in_service_time,
    verification_failures_are_counted,
    each_error_kind_is_counted,
    keep_alive_reuses_connections_and_no_keepalive_opens_one_per_request,
    a_target_that_dies_mid_run_ends_the_run_with_partial_results,
    json_output_matches_its_schema,
);

fn open_model_sends_at_the_requested_rate(io: Io) {
    // Counted by the server, not by the generator.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = Upstream::new(Duration::from_millis(1));
    let server = rt
        .block_on(upstream::start(([127, 0, 0, 1], 0).into(), state.clone()))
        .unwrap();
    let url = format!("{}/delay?ms=1&token=rate", server.url());
    let report = run(config(
        io,
        &url,
        Model::Open {
            rate: 200.0,
            connections: 32,
        },
        Stop::Duration(Duration::from_secs(5)),
    ));
    let served = state.counters().delay as f64;
    assert!(
        (served - 1000.0).abs() <= 20.0,
        "server saw {served} requests, want 1000 ± 2%"
    );
    let achieved = report.schedule.as_ref().unwrap().achieved_rate;
    assert!((achieved - 200.0).abs() <= 4.0, "achieved {achieved}/s");
    assert_eq!(report.errors, 0);
    assert_eq!(report.status["200"], report.completed);
}

/// Closed-model throughput is counted on the measured window: answers that
/// arrive after it (the drain of the last in-flight requests) do not stretch
/// the window and lower requests per second.
fn closed_model_throughput_excludes_the_drain_after_the_window(io: Io) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = Upstream::new(Duration::from_millis(1));
    let server = rt
        .block_on(upstream::start(([127, 0, 0, 1], 0).into(), state.clone()))
        .unwrap();
    // Two connections, 1.2 s per answer, a 2 s window: each connection's
    // first answer lands inside the window, its second (sent at 1.2 s) at
    // 2.4 s, after it.
    let url = format!("{}/delay?ms=1200&token=drain", server.url());
    let mut cfg = config(
        io,
        &url,
        Model::Closed { connections: 2 },
        Stop::Duration(Duration::from_secs(2)),
    );
    cfg.threads = 1;
    let report = run(cfg);
    assert_eq!(report.completed, 4, "{report:?}");
    assert_eq!(report.elapsed_s, 2.0);
    // 2 answers in a 2 s window; the old count, 4 answers over 2.4 s, was 1.67.
    assert!(
        (report.requests_per_s - 1.0).abs() < 1e-9,
        "{}",
        report.requests_per_s
    );
    assert!(
        (report.goodput_per_s - 1.0).abs() < 1e-9,
        "{}",
        report.goodput_per_s
    );
    assert!(
        report.drain_s > 0.2,
        "the drain is reported: {}",
        report.drain_s
    );
}

fn fractional_and_low_rates_keep_their_schedule(io: Io) {
    let server = Fixture::start();
    // 2.5 requests per second on 4 threads for 2 s: exactly 5 sends (k/rate < 2 s).
    let mut cfg = config(
        io,
        &server.url("/"),
        Model::Open {
            rate: 2.5,
            connections: 4,
        },
        Stop::Duration(Duration::from_secs(2)),
    );
    cfg.threads = 4;
    let report = run(cfg);
    assert_eq!(report.completed, 5, "{report:#?}");
    assert_eq!(server.served.load(std::sync::atomic::Ordering::SeqCst), 5);
}

fn a_stall_shows_in_corrected_latency_but_not_in_service_time(io: Io) {
    let server = Fixture::start();
    let start = Instant::now();
    *server.stall.lock().unwrap() = Some((
        start + Duration::from_secs(2),
        start + Duration::from_secs(3),
    ));
    // Few connections, so requests due during the stall wait for one: the
    // open model charges that wait to latency; the service time does not see it.
    let report = run(config(
        io,
        &server.url("/"),
        Model::Open {
            rate: 100.0,
            connections: 4,
        },
        Stop::Duration(Duration::from_secs(5)),
    ));
    assert_eq!(report.errors, 0, "{report:#?}");
    let corrected_p99 = report.latency.p99_us;
    let uncorrected_p50 = report.service_time.p50_us;
    assert!(
        corrected_p99 >= 500_000,
        "corrected p99 {corrected_p99} us should show the 1 s stall"
    );
    assert!(
        uncorrected_p50 < 50_000,
        "uncorrected p50 {uncorrected_p50} us should not"
    );
    assert!(
        report.latency.max_us >= 900_000,
        "max {} us",
        report.latency.max_us
    );
    // The schedule kept going during the stall: late sends were counted.
    assert!(report.schedule.as_ref().unwrap().late > 0);
}

fn verification_failures_are_counted(io: Io) {
    let server = Fixture::start();
    let mut cfg = config(
        io,
        &server.url("/flaky"),
        Model::Closed { connections: 2 },
        Stop::Requests(200),
    );
    let check: Check = Arc::new(|_, status, body| {
        if status == 200 && body == b"ok" {
            Ok(())
        } else {
            Err(format!("want ok, got {:?}", String::from_utf8_lossy(body)).into())
        }
    });
    cfg.mix.templates[0].check = Some(check);
    let report = run(cfg);
    assert_eq!(report.verification.checked, 200, "{report:#?}");
    let failed = report.verification.failed;
    assert!(
        (80..=120).contains(&failed),
        "about half should fail, got {failed}"
    );
    assert!(report.verification.examples[0].contains("got \"no\""));
}

fn each_error_kind_is_counted(io: Io) {
    let server = Fixture::start();
    let cases = [
        ("/garbage", "read"),
        ("/half", "read"),
        ("/reset", "reset"),
        ("/hang", "timeout"),
    ];
    for (path, kind) in cases {
        let mut cfg = config(
            io,
            &server.url(path),
            Model::Closed { connections: 2 },
            Stop::Requests(4),
        );
        cfg.timeout = Duration::from_millis(300);
        let report = run(cfg);
        assert_eq!(report.completed, 0, "{path}: {report:#?}");
        assert!(
            report.error_kinds[kind] >= 4,
            "{path}: {:?}",
            report.error_kinds
        );
        assert_eq!(report.errors, report.error_kinds.values().sum::<u64>());
    }
    // Chunked responses are read correctly.
    let report = run(config(
        io,
        &server.url("/chunked"),
        Model::Closed { connections: 2 },
        Stop::Requests(50),
    ));
    assert_eq!((report.completed, report.errors), (50, 0));
}

fn keep_alive_reuses_connections_and_no_keepalive_opens_one_per_request(io: Io) {
    use std::sync::atomic::Ordering;
    let server = Fixture::start();
    let report = run(config(
        io,
        &server.url("/"),
        Model::Closed { connections: 2 },
        Stop::Requests(50),
    ));
    assert_eq!(report.completed, 50);
    // Two connections, plus the reachability check before the run.
    assert!(
        server.accepted.load(Ordering::SeqCst) <= 3,
        "{}",
        server.accepted.load(Ordering::SeqCst)
    );

    let server = Fixture::start();
    let mut cfg = config(
        io,
        &server.url("/"),
        Model::Closed { connections: 2 },
        Stop::Requests(50),
    );
    cfg.keepalive = false;
    let report = run(cfg);
    assert_eq!((report.completed, report.errors), (50, 0), "{report:#?}");
    assert!(
        server.accepted.load(Ordering::SeqCst) >= 50,
        "{}",
        server.accepted.load(Ordering::SeqCst)
    );
}

fn a_target_that_dies_mid_run_ends_the_run_with_partial_results(io: Io) {
    let mut server = Fixture::start();
    let url = server.url("/");
    // Killed once the run is under way: after it has had answers.
    let killer = std::thread::spawn(move || {
        eventually(
            "the run to get 100 answers",
            Duration::from_secs(10),
            || (server.served.load(std::sync::atomic::Ordering::SeqCst) >= 100).then_some(()),
        );
        server.kill();
        server
    });
    let started = Instant::now();
    let report = run(config(
        io,
        &url,
        Model::Closed { connections: 4 },
        Stop::Duration(Duration::from_secs(30)),
    ));
    let _server = killer.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the run should stop soon after the target dies"
    );
    let reason = report.aborted.as_deref().unwrap_or("");
    assert!(
        reason.contains("stopped accepting connections"),
        "{report:#?}"
    );
    assert!(report.completed > 0, "partial results are kept");
    assert!(
        report.error_kinds["connect"] > 0,
        "{:?}",
        report.error_kinds
    );
}

#[test]
fn bad_arguments_get_clear_errors() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["http://127.0.0.1:9/", "--rate", "0"],
            "rate must be a positive number",
        ),
        (
            &["http://127.0.0.1:9/", "-d", "-5s"],
            "must be a positive duration",
        ),
        (
            &["http://127.0.0.1:9/", "-H", "NoColonHere"],
            "malformed header",
        ),
        (
            &["http://127.0.0.1:9/", "-H", "Bad Name: x"],
            "malformed header",
        ),
        (&["https://127.0.0.1/"], "https is not supported"),
        (
            &["http://127.0.0.1:1/", "-d", "1s"],
            "cannot connect to 127.0.0.1:1",
        ),
        (
            &["http://127.0.0.1:9/", "-c", "0"],
            "at least one connection is needed",
        ),
        (
            &["http://127.0.0.1:9/", "--io", "kqueue"],
            "want uring, epoll or auto",
        ),
    ];
    for (args, message) in cases {
        let out = shootout().arg("load").args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = text(&out.stderr);
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in:\n{err}"
        );
    }
}

/// `SHOOTOUT_IO` picks the path the default (`auto`) takes, which is how
/// `shootout run`, without an `--io` of its own, is measured on io_uring;
/// an explicit `--io` wins; a bad value is refused.
#[test]
fn shootout_io_picks_the_default_path_and_io_wins_over_it() {
    let server = Fixture::start();
    let url = server.url("/");
    let ran = |env: Option<&str>, flag: Option<&str>| -> Io {
        let mut cmd = shootout();
        cmd.args([
            "load", &url, "-c", "2", "-d", "1s", "--warmup", "0", "--json",
        ]);
        if let Some(flag) = flag {
            cmd.args(["--io", flag]);
        }
        match env {
            Some(v) => cmd.env("SHOOTOUT_IO", v),
            None => cmd.env_remove("SHOOTOUT_IO"),
        };
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{env:?} {flag:?}: {}",
            text(&out.stderr)
        );
        let report: LoadReport = serde_json::from_slice(&out.stdout).unwrap();
        report.io.expect("the JSON names the path that ran")
    };
    assert_eq!(ran(None, None), Io::Epoll, "epoll is the default");
    assert_eq!(ran(Some("epoll"), None), Io::Epoll);
    if crate::common::prerequisite::uring() {
        assert_eq!(ran(Some("uring"), None), Io::Uring);
        assert_eq!(ran(Some("uring"), Some("epoll")), Io::Epoll, "--io wins");
        assert_eq!(ran(Some("epoll"), Some("uring")), Io::Uring, "--io wins");
    }
    let out = shootout()
        .args(["load", &url, "-d", "1s"])
        .env("SHOOTOUT_IO", "kqueue")
        .output()
        .unwrap();
    assert!(!out.status.success(), "a bad SHOOTOUT_IO is refused");
    let err = text(&out.stderr);
    assert!(
        err.contains("SHOOTOUT_IO=\"kqueue\": want uring or epoll"),
        "{err}"
    );
}

fn json_output_matches_its_schema(io: Io) {
    let server = Fixture::start();
    let out = shootout()
        .args([
            "load",
            &server.url("/"),
            "-c",
            "4",
            "-d",
            "2s",
            "--warmup",
            "500ms",
            "--rate",
            "50",
            "--io",
            io.name(),
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema_path = common::repo().join("docs/load.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema violations:\n{}",
        errors.join("\n")
    );
    let report: LoadReport = serde_json::from_value(value).unwrap();
    assert_eq!(report.schema, "shootout.load/1");
    assert_eq!(report.io, Some(io));
    assert_eq!(report.latency.percentiles.len(), 17);
    let timeline = &report.timeline;
    assert!(
        (2..=3).contains(&timeline.len()),
        "one point per second: {timeline:?}"
    );
}
