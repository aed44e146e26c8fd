//! The supervisor and the operations measurements against real processes:
//! memory sampling, crash detection, no orphans whatever happens to the
//! harness, cold start, and the OCI layout.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{eventually, fixtures, poll, repo, shootout, stdout_json, text};
use shootout::ops::coldstart::Coldstart;
use shootout::ops::footprint::Footprint;
use shootout::supervise::sampler::{Sampler, summarize};
use shootout::supervise::{CpuSet, Service};

fn example(name: &str) -> PathBuf {
    // Examples are built next to the test binaries' parent folder.
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_shootout"));
    let path = exe.parent().unwrap().join("examples").join(name);
    assert!(
        path.exists(),
        "{} is not built (cargo test builds examples)",
        path.display()
    );
    path
}

#[test]
fn a_process_touching_200_mb_is_reported_within_5_percent() {
    let mut cmd = Command::new(example("touch_memory"));
    cmd.arg("200");
    let mut service = Service::spawn("touch_memory", cmd, None).unwrap();
    let sampler = Sampler::start(service.pid, Duration::from_millis(50), None);
    // Wait for the fixture to finish touching, and for samples enough;
    // the assertions below say what is missing if that never comes.
    let _ = poll(Duration::from_secs(20), || {
        let series = sampler.snapshot();
        let last = series.last().map_or(0, |s| s.rss_bytes);
        (last > 200 << 20 && series.len() >= 5).then_some(())
    });
    let series = sampler.finish();
    service.stop_blocking(Duration::from_secs(2));
    let summary = summarize(&series, 0.0, f64::MAX).unwrap();
    let peak = summary.rss_peak_bytes as f64;
    let want = (200u64 << 20) as f64;
    assert!(
        (peak - want).abs() / want < 0.05,
        "peak RSS {:.1} MB, want 200 MB ± 5%",
        peak / 1048576.0
    );
    assert!(summary.samples >= 5, "{summary:?}");
    assert!(
        summary.cpu_seconds > 0.0,
        "touching 200 MB costs CPU: {summary:?}"
    );
}

#[test]
fn a_contender_killed_with_sigkill_is_seen_as_crashed() {
    let mut cmd = Command::new("node");
    cmd.arg(fixtures().join("fixture-server.mjs"))
        .env("PORT", "0")
        .env("UPSTREAM_URL", "http://127.0.0.1:9");
    let mut service = Service::spawn("fixture", cmd, Some(&CpuSet::available())).unwrap();
    let sampler = Sampler::start(service.pid, Duration::from_millis(20), None);
    eventually(
        "the sampler's first reading",
        Duration::from_secs(5),
        || (!sampler.snapshot().is_empty()).then_some(()),
    );
    // SAFETY: plain syscall on our own child.
    unsafe { libc::kill(service.pid as i32, libc::SIGKILL) };
    let exit = eventually("the kill to be noticed", Duration::from_secs(5), || {
        service.try_exit()
    });
    assert_eq!(exit.signal, Some(libc::SIGKILL), "{exit:?}");
    assert_eq!(exit.to_string(), "killed by signal 9");
    // The sampler stops by itself once the process is gone, keeping what it read.
    let series = sampler.finish();
    assert!(!series.is_empty());
}

/// Every process group led by a child of `pid` (contenders get their own
/// group; short-lived helpers such as version probes share shootout's).
fn child_groups(pid: u32) -> Vec<i32> {
    let mut groups = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let own_pid = entry.file_name().to_string_lossy().parse::<i32>().ok();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid) {
            if let Some(pgid) = fields.get(2).and_then(|g| g.parse::<i32>().ok()) {
                if Some(pgid) == own_pid {
                    groups.push(pgid);
                }
            }
        }
    }
    groups
}

/// Whether any process of group `pgid` is still running. Zombies (dead,
/// waiting to be reaped by whoever inherited them) do not count.
fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
            return false;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid)
            && fields.first() != Some(&"Z")
    })
}

/// Starts a long cold-start run on the fixture contender and waits until a
/// contender process group exists.
fn start_long_run() -> (std::process::Child, Vec<i32>) {
    let mut child = shootout()
        .args([
            "coldstart",
            "fixture-ok",
            "--runs",
            "10000",
            "--contenders-dir",
        ])
        .arg(fixtures())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || BufReader::new(stderr).lines().for_each(drop));
    // Three contender groups seen, or as many as came in 30 s.
    let mut seen = Vec::new();
    let _ = poll(Duration::from_secs(30), || {
        for g in child_groups(child.id()) {
            if g != child.id() as i32 && !seen.contains(&g) {
                seen.push(g);
            }
        }
        (seen.len() >= 3).then_some(())
    });
    assert!(!seen.is_empty(), "no contender was started");
    (child, seen)
}

fn assert_no_survivors(groups: &[i32]) {
    eventually(
        &format!("contender groups {groups:?} to go with shootout"),
        Duration::from_secs(5),
        || (!groups.iter().any(|&g| group_alive(g))).then_some(()),
    );
}

#[test]
fn sigint_to_the_harness_leaves_no_contender_alive() {
    let (mut child, groups) = start_long_run();
    // SAFETY: plain syscall on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + libc::SIGINT), "{status:?}");
    let mut all = groups.clone();
    all.extend(child_groups(child.id()));
    assert_no_survivors(&all);
}

#[test]
fn sigkill_to_the_harness_leaves_no_contender_alive() {
    // `up` keeps one contender running until told otherwise. The port is
    // picked free, then released for `up`: another test may grab it in
    // between, so a start that fails is retried on a new port.
    let mut attempt = 0;
    let mut child = loop {
        attempt += 1;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = shootout()
            .args([
                "up",
                "fixture-ok",
                "--port",
                &port.to_string(),
                "--contenders-dir",
            ])
            .arg(fixtures())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let up = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.contains("is up at"));
        // Keep reading: a closed pipe would make `up`'s next line fail.
        std::thread::spawn(move || lines.for_each(drop));
        if up {
            break child;
        }
        let out = child.wait_with_output().unwrap();
        assert!(
            attempt < 3,
            "`shootout up` never came up:\n{}",
            text(&out.stderr)
        );
    };
    let groups = child_groups(child.id());
    assert!(
        groups.iter().any(|&g| group_alive(g)),
        "the contender should be running"
    );
    // SAFETY: plain syscall on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    // No handler runs on SIGKILL: the parent-death signal takes the contender down.
    assert_no_survivors(&groups);
}

/// Held by the tests that build node-fastify: its build (`npm ci`) deletes
/// node_modules first, so it must not run beside another test's
/// node-fastify process.
static NODE_FASTIFY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn node_fastify() -> std::sync::MutexGuard<'static, ()> {
    NODE_FASTIFY.lock().unwrap_or_else(|p| p.into_inner())
}

#[test]
fn cold_start_of_the_reference_contenders_is_measured_and_ordered() {
    let _builds = node_fastify();
    let out = shootout()
        .args(["coldstart", "--runs", "3", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results: Vec<Coldstart> = serde_json::from_value(stdout_json(&out)).unwrap();
    let median = |name: &str| {
        let r = results
            .iter()
            .find(|r| r.contender == name)
            .unwrap_or_else(|| panic!("no cold starts of {name}"));
        assert_eq!(r.runs.len(), 3);
        for run in &r.runs {
            let (h, j) = (run.health_ms, run.json_ms);
            assert!(h > 0.0 && j >= h && j < 30_000.0, "{name}: {run:?}");
            assert!(run.attempts >= 1);
            assert!(run.rss_bytes > 1 << 20, "{name}: {run:?}");
        }
        assert_eq!(r.file_cache, "warm");
        r.health_ms.median
    };
    let (rust, go, node) = (
        median("rust-axum"),
        median("go-nethttp"),
        median("node-fastify"),
    );
    // Compiled binaries start faster than a JavaScript runtime loading its modules.
    assert!(
        rust < node && go < node,
        "rust {rust} ms, go {go} ms, node {node} ms"
    );
}

#[test]
fn footprint_writes_valid_oci_layouts_and_counts_dependencies() {
    let _builds = node_fastify();
    let images = tempfile::tempdir().unwrap();
    let out = shootout()
        .args([
            "footprint",
            "go-nethttp",
            "node-fastify",
            "--json",
            "--images-dir",
        ])
        .arg(images.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results: Vec<Footprint> = serde_json::from_value(stdout_json(&out)).unwrap();
    for r in &results {
        let name = &r.contender;
        shootout::ops::oci::validate(&images.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(r.image.compressed_bytes > 0);
        assert!(r.lines_of_code.lines > 50);
        let build = r
            .clean_build
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no clean build"));
        assert!(build.wall_s > 0.0 && build.cpu_s > 0.0, "{name}: {build:?}");
    }
    let deps = |r: &Footprint| {
        r.dependencies.clone().unwrap_or_else(|| {
            panic!(
                "{}: dependencies not counted: {:?}",
                r.contender, r.dependencies_error
            )
        })
    };
    let go = &results[0];
    assert_eq!(go.contender, "go-nethttp");
    assert!(
        go.artifact.static_binary,
        "CGO_ENABLED=0 builds a static binary"
    );
    assert_eq!(
        deps(go).direct,
        1,
        "the standard library, and pgx for PostgreSQL"
    );
    let node = &results[1];
    assert!(
        deps(go).transitive < deps(node).transitive,
        "go-nethttp pulls in fewer modules than node-fastify's packages"
    );
    assert!(
        node.artifact.runtime_bytes.is_some_and(|b| b > 10 << 20),
        "the node binary ships"
    );
    assert!(deps(node).direct >= 2);
    // Images that run: unpacked alone into a root filesystem, each starts
    // and answers. Go's image is its app layer; Node's app layer without its
    // system layer (node and the shared libraries) cannot start, and says why.
    let started = |r: &Footprint| {
        r.image_start.clone().unwrap_or_else(|| {
            panic!(
                "{}: the image was not started: {:?}",
                r.contender, r.image_start_error
            )
        })
    };
    assert!(started(go).answered, "{:?}", go.image_start);
    assert!(go.app_layer_start.is_none(), "one layer: {go:?}");
    assert!(started(node).answered, "{:?}", node.image_start);
    assert_eq!(started(node).layers, ["system", "app"]);
    let alone = node
        .app_layer_start
        .as_ref()
        .unwrap_or_else(|| panic!("node-fastify's app layer was not started alone: {node:?}"));
    assert!(!alone.answered, "{alone:?}");
    let why = alone.error.as_deref().unwrap_or_default();
    assert!(
        why.contains("did not start") && why.contains("/usr/local/bin/node"),
        "{why}"
    );
    assert!(deps(node).transitive > deps(node).direct);
    let _ = repo();
}
