//! The contrasts of issue #24 discriminate on real processes: the ledger's
//! own checks (scenario shape, metric, threshold) applied to fixture
//! contenders on either side land where the check says. A Node.js fixture
//! that runs its CPU kernels on the event loop against the same fixture
//! offloading them to worker threads (mixed-io, one-process); one that waits
//! well on its upstream against one that holds memory and adds latency per
//! waiting request, and one whose CPU, not its upstream, is the limit
//! (io-upstream).
//!
//! mixed-io's contrast is wide (about 40 ms against 640 ms of I/O p99 on a
//! loaded machine) and runs with every `cargo test`. io-upstream's and
//! one-process's read CPU cores and milliseconds that a shared, loaded
//! machine swamps, so they are measurements: `#[ignore]`d here and run by
//! `bench/contrasts.sh` on a quiet machine under the benchmark lock.

#![allow(clippy::unwrap_used)]

mod common;

use common::run::{cell, metric, scenario, scenarios, valid_results};
use common::{fixtures, shootout, text};
use shootout::suite::measure::SanityCheck;
use shootout::suite::metric::Metric;
use shootout::suite::results::Results;
use shootout::suite::trial::detail::TrialDetail;
use shootout::suite::verdict::ClaimVerdict;

/// One check of a test ledger: a claim of its own per (contender, bound),
/// so each verdict is that check's.
struct Check<'a> {
    id: &'a str,
    scenario: &'a str,
    metric: &'a str,
    a: &'a str,
    b: Option<&'a str>,
    bound: &'a str,
}

fn ledger(checks: &[Check<'_>]) -> String {
    let mut out = String::from("title = \"contrasts\"\nsource = \"tests/contrasts.rs\"\n");
    for c in checks {
        let b = c.b.map(|b| format!("b = \"{b}\"\n")).unwrap_or_default();
        out += &format!(
            "[[claim]]\nid = \"{}\"\nsection = \"test\"\nquote = \"test\"\ntest = \"test\"\n\
             [[claim.check]]\nscenario = \"{}\"\nmetric = \"{}\"\na = \"{}\"\n{b}{}\n",
            c.id, c.scenario, c.metric, c.a, c.bound
        );
    }
    out
}

/// `run --quick` of `scenario` (file text) on fixture `contenders`, judged
/// by a ledger of `checks`; the results.
fn run(scenario_text: &str, contenders: &str, checks: &[Check<'_>]) -> Results {
    let dir = scenarios(&[("s.toml", scenario_text)]);
    let ledger_file = dir.path().join("ledger.toml.txt");
    std::fs::write(&ledger_file, ledger(checks)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = shootout()
        .args(["run", "--quick", "--no-database", "--seed", "7"])
        .args(["--contenders", contenders, "--contenders-dir"])
        .arg(fixtures())
        .arg("--scenarios-dir")
        .arg(dir.path())
        .arg("--ledger")
        .arg(&ledger_file)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    valid_results(out.path())
}

fn verdict(results: &Results, id: &str) -> (ClaimVerdict, String) {
    let claim = results
        .ledger
        .as_ref()
        .expect("the ledger was judged")
        .claims
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no claim {id}"));
    (claim.verdict, format!("{claim:?}"))
}

const IO_UPSTREAM: &str = r#"
name = "io-upstream"
description = "upstream-bound /io for tests: about 200 requests waiting"
claims = ["ok-added", "ok-held", "hold-added", "hold-held", "busy-added"]
max_service_cpu = 0.7
[[requests]]
path = "/io?ms=1000&token={token}"
check = "io"
[load]
model = "open"
rate = 200
connections = 500
[timing.quick]
warmup = "1500ms"
duration = "3s"
"#;

/// io-upstream's two bounds (added p99 at most 10 ms; at least 16 requests
/// in flight a MB): a fixture that waits well passes the first, one that
/// holds 256 KiB and 30 ms per request fails both, and one that burns its
/// CPU fails the "service CPU busy" sanity check: INCONCLUSIVE, saying why.
#[test]
#[ignore = "a measurement that needs a quiet machine: bench/contrasts.sh runs it"]
fn io_upstream_tells_good_waiting_from_costly_waiting_and_a_busy_cpu() {
    let bounds = [
        ("added", "added_p99_ms", "at_most = 10"),
        ("held", "in_flight_per_mb", "at_least = 16"),
    ];
    let mut checks = Vec::new();
    for (prefix, who) in [
        ("ok", "fixture-ok"),
        ("hold", "hold-io"),
        ("busy", "busy-io"),
    ] {
        for (what, metric, bound) in bounds {
            if prefix == "busy" && what == "held" {
                continue;
            }
            checks.push((format!("{prefix}-{what}"), who, metric, bound));
        }
    }
    let checks: Vec<Check<'_>> = checks
        .iter()
        .map(|(id, a, metric, bound)| Check {
            id,
            scenario: "io-upstream",
            metric,
            a,
            b: None,
            bound,
        })
        .collect();
    let results = run(IO_UPSTREAM, "fixture-ok,hold-io,busy-io", &checks);
    let s = scenario(&results, "io-upstream");
    let added = |who| metric(&cell(s, who).trials[0], Metric::AddedP99Ms).unwrap();
    let held = |who| metric(&cell(s, who).trials[0], Metric::InFlightPerMb).unwrap();
    for who in ["fixture-ok", "hold-io", "busy-io"] {
        let t = &cell(s, who).trials[0];
        let figure = |m| metric(t, m).map_or("-".to_owned(), |v| format!("{v:.2}"));
        eprintln!(
            "io-upstream {who}: added p99 {} ms, {} in flight a MB, service CPU {}, {} req/s",
            figure(Metric::AddedP99Ms),
            figure(Metric::InFlightPerMb),
            figure(Metric::ServiceUtilization),
            figure(Metric::RequestsPerS)
        );
    }
    // node:http's own fixture holds under 16 a MB (5.8 at 200 in flight,
    // 2026-11-30): no fixture shows the SUPPORTED side of this bound, only
    // that holding 256 KiB more a request lowers the figure and refutes it.
    let (ok_held, hold_held) = (held("fixture-ok"), held("hold-io"));
    assert!(
        ok_held > hold_held,
        "fixture-ok {ok_held}/MB, hold-io {hold_held}/MB"
    );
    // The SUPPORTED side of added_p99_ms is not asserted: on the shared
    // 2-CPU machine node:http's fixture added 43 ms to 12.5 s at p99 from
    // run to run (load average 5-15, 2026-11-30), unexplained; see the
    // issue #24 report.
    let hold_ms = added("hold-io");
    assert!(
        hold_ms >= 30.0,
        "hold-io waits 30 ms after each reply: {hold_ms} ms added"
    );
    let mut wrong = Vec::new();
    for (id, want) in [
        ("hold-added", ClaimVerdict::Refuted),
        ("hold-held", ClaimVerdict::Refuted),
        ("busy-added", ClaimVerdict::Inconclusive),
    ] {
        let (got, claim) = verdict(&results, id);
        if got != want {
            let trial = &cell(s, id_contender(id)).trials[0];
            wrong.push(format!(
                "{id}: want {want}, got {claim}\nmetrics: {:?}",
                trial.metrics
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    let ok = &cell(s, "fixture-ok").trials[0];
    assert!(metric(ok, Metric::ServiceUtilization).unwrap() < 0.7);
    let busy = &cell(s, "busy-io").trials[0];
    assert!(
        busy.sanity
            .iter()
            .any(|f| f.check == SanityCheck::ServiceCpuBusy),
        "{:?}",
        busy.sanity
    );
}

fn id_contender(id: &str) -> &'static str {
    match id.split('-').next().unwrap() {
        "ok" => "fixture-ok",
        "hold" => "hold-io",
        _ => "busy-io",
    }
}

const MIXED_IO: &str = r#"
kind = "head-of-line"
name = "mixed-io"
description = "the I/O class beside CPU requests, for tests"
claims = ["offload-vs-loop", "loop-vs-offload"]
[[requests]]
path = "/cpu/trees?seed={seed}&depth={n}"
n = [17, 17]
check = "cpu-trees"
[load]
model = "closed"
connections = "1x-cpus"
[probe]
path = "/io?ms=20&token={token}"
rate = 200
[timing.quick]
warmup = "250ms"
duration = "2s"
"#;

/// mixed-io's check (one service's I/O p99 beside CPU requests at most
/// another's): the fixture that offloads its kernels to worker threads
/// keeps its I/O requests' p99 below the one whose loop runs them.
#[test]
fn mixed_io_tells_a_loop_that_offloads_from_one_that_blocks() {
    let pair = |id, a, b| Check {
        id,
        scenario: "mixed-io",
        metric: "probe_p99_loaded_ms",
        a,
        b: Some(b),
        bound: "at_most = 1.0",
    };
    let checks = [
        pair("offload-vs-loop", "offload", "fixture-ok"),
        pair("loop-vs-offload", "fixture-ok", "offload"),
    ];
    let results = run(MIXED_IO, "fixture-ok,offload", &checks);
    let s = scenario(&results, "mixed-io");
    let p99 = |who| metric(&cell(s, who).trials[0], Metric::ProbeP99LoadedMs).unwrap();
    let (offload, blocking) = (p99("offload"), p99("fixture-ok"));
    assert!(
        offload < blocking,
        "offload {offload} ms, blocking {blocking} ms"
    );
    let (got, claim) = verdict(&results, "offload-vs-loop");
    assert_eq!(got, ClaimVerdict::Supported, "{claim}");
    let (got, claim) = verdict(&results, "loop-vs-offload");
    assert_eq!(got, ClaimVerdict::Refuted, "{claim}");
    // The loaded probe opened its 64 connections (0.32 s at 200/s) before
    // the background started, and waited out the background's warm-up too:
    // a probe started beside the busy loop timed its accepts instead.
    for who in ["offload", "fixture-ok"] {
        let Some(TrialDetail::HeadOfLine { loaded, .. }) = &cell(s, who).trials[0].detail else {
            panic!("{who}: no head-of-line detail");
        };
        assert!(
            loaded.warmup_s >= 64.0 / 200.0 + 0.25,
            "{who}: the loaded probe's warm-up was {} s",
            loaded.warmup_s
        );
    }
}

const ONE_PROCESS: &str = r#"
name = "one-process"
description = "CPU-heavy requests on two CPUs, for tests"
claims = ["loop-cores", "offload-cores"]
limits = "cpu=2,memory=1Gi"
[[requests]]
path = "/cpu/hash?seed={seed}&n={n}"
n = [800000, 1200000]
check = "cpu-hash"
[load]
model = "closed"
connections = 8
[timing.quick]
warmup = "500ms"
duration = "2s"
"#;

fn cgroups_writable() -> bool {
    ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup"].iter().any(|d| {
        let probe = std::path::Path::new(d).join(format!("shootout-probe-{}", std::process::id()));
        let ok = std::fs::create_dir(&probe).is_ok();
        let _ = std::fs::remove_dir(&probe);
        ok
    })
}

/// one-process's check (at most 1.5 cores busy of two): one event loop
/// keeps about one core busy; the fixture with worker threads, about two.
/// One run's noise band (±33%) can decide SUPPORTED near one core but
/// never REFUTED below two, so the offloading side is asserted on its
/// figure and on not being SUPPORTED.
#[test]
#[ignore = "a measurement that needs a quiet machine: bench/contrasts.sh runs it"]
fn one_process_tells_one_event_loop_from_worker_threads() {
    if !common::prerequisite::available(
        "a writable cgroup hierarchy",
        (!cgroups_writable()).then(|| "cannot create a cgroup under /sys/fs/cgroup".to_owned()),
        "run as root with cgroup v1 cpu and memory, or v2, mounted writable",
    ) {
        return;
    }
    let cores = |id, a| Check {
        id,
        scenario: "one-process",
        metric: "service_cores",
        a,
        b: None,
        bound: "at_most = 1.5",
    };
    let checks = [
        cores("loop-cores", "fixture-ok"),
        cores("offload-cores", "offload"),
    ];
    let results = run(ONE_PROCESS, "fixture-ok,offload", &checks);
    let s = scenario(&results, "one-process");
    let busy = |who| metric(&cell(s, who).trials[0], Metric::ServiceCores).unwrap();
    let (one, pool) = (busy("fixture-ok"), busy("offload"));
    eprintln!("one-process: one loop {one:.2} cores, worker threads {pool:.2} cores");
    assert!(
        one < 1.5 && pool > 1.5,
        "one loop {one} cores, worker threads {pool}"
    );
    let (got, claim) = verdict(&results, "loop-cores");
    assert_eq!(got, ClaimVerdict::Supported, "{claim}");
    let (got, claim) = verdict(&results, "offload-cores");
    assert_ne!(got, ClaimVerdict::Supported, "{claim}");
}
