//! The database as a real part: a private PostgreSQL that leaves nothing
//! behind even when shootout is SIGKILLed, an external server whose schema
//! is dropped afterwards, the machine's server, and the checks that must
//! catch a contender that loses orders (verify's restart rule, the audit
//! after a trial). Real processes on 127.0.0.1 throughout.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use common::{eventually, fixtures, poll, shootout, stdout_json, text};
use shootout::database::Source;
use shootout::database::binaries::Binaries;
use shootout::suite::measure::SanityCheck;
use shootout::suite::metric::{Metric, MetricKey};
use shootout::suite::results::Results;

/// Pids of processes whose command line or environment mentions `marker`.
fn processes_mentioning(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let read = |f: &str| std::fs::read(entry.path().join(f)).unwrap_or_default();
        let mentions = |bytes: Vec<u8>| {
            bytes
                .split(|&b| b == 0)
                .any(|part| String::from_utf8_lossy(part).contains(marker))
        };
        if mentions(read("cmdline")) || mentions(read("environ")) {
            found.push(pid);
        }
    }
    found
}

fn kill(child: &Child, signal: i32) {
    // SAFETY: plain syscall on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
}

/// Held by the tests whose contender is built with `npm ci` in
/// `contenders/node-fastify` (node-fastify itself, and the db-fixture
/// manifests that borrow its node_modules): `npm ci` deletes node_modules
/// first, so a build running beside another test's service pulls the
/// modules from under it.
static NODE_FASTIFY: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn node_fastify() -> std::sync::MutexGuard<'static, ()> {
    NODE_FASTIFY.lock().unwrap_or_else(|p| p.into_inner())
}

fn free_port() -> u16 {
    shootout::supervise::free_port().unwrap()
}

#[test]
fn sigkill_mid_scenario_leaves_no_postgres_process_or_data_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut child = shootout()
        .args(["run", "--quick", "--scenarios", "orders-db"])
        .args(["--contenders", "go-nethttp", "--no-ledger", "--out"])
        .arg(&out)
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = common::lines_of(child.stderr.take().unwrap());
    // results.json is written once every contender is admitted: from then
    // on the scenario runs, its first trial announced on stderr. Kill
    // shootout in the middle of that trial.
    let mut log = Vec::new();
    let measuring = poll(Duration::from_secs(300), || {
        log.extend(stderr.try_iter());
        assert!(
            child.try_wait().unwrap().is_none(),
            "shootout ended early: {}",
            log.join("\n")
        );
        let announced = log.iter().any(|l| l.contains("orders-db / go-nethttp"));
        (announced && out.join("results.json").exists()).then_some(())
    });
    assert!(
        measuring.is_some(),
        "the run never started measuring: {}",
        log.join("\n")
    );
    let marker = tmp.path().to_string_lossy().into_owned();
    eventually(
        &format!("a private PostgreSQL running under {marker} while the scenario runs"),
        Duration::from_secs(30),
        || (!processes_mentioning(&marker).is_empty()).then_some(()),
    );
    kill(&child, libc::SIGKILL);
    child.wait().unwrap();
    eventually(
        "PostgreSQL to go after SIGKILL",
        Duration::from_secs(30),
        || processes_mentioning(&marker).is_empty().then_some(()),
    );
    eventually(
        "its data directory to be removed",
        Duration::from_secs(30),
        || {
            std::fs::read_dir(tmp.path())
                .unwrap()
                .flatten()
                .all(|e| !e.file_name().to_string_lossy().starts_with("shootout-pg-"))
                .then_some(())
        },
    );
}

/// A server the test starts itself, with the keeper shootout uses.
struct TestServer {
    keeper: Child,
    dir: std::path::PathBuf,
    url: String,
}

impl TestServer {
    fn start(tmp: &std::path::Path) -> Self {
        let binaries = Binaries::find(Source::Embedded).unwrap();
        let dir = tmp.join("server");
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let keeper = shootout()
            .arg("postgres-keeper")
            .arg("--bin-dir")
            .arg(&binaries.bin_dir)
            .arg("--dir")
            .arg(&dir)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("postgres://shootout@127.0.0.1:{port}/postgres");
        let rt = runtime();
        eventually("the test's server", Duration::from_secs(30), || {
            rt.block_on(tokio_postgres::connect(&url, tokio_postgres::NoTls))
                .is_ok()
                .then_some(())
        });
        Self { keeper, dir, url }
    }

    fn query_count(&self, sql: &str) -> i64 {
        let rt = runtime();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client.query_one(sql, &[]).await.unwrap().get(0)
        })
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        kill(&self.keeper, libc::SIGTERM);
        let _ = self.keeper.wait();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn an_external_database_is_used_and_its_schema_dropped_afterwards() {
    let tmp = tempfile::tempdir().unwrap();
    let server = TestServer::start(tmp.path());
    let out = shootout()
        .args([
            "verify",
            "go-nethttp",
            "--json",
            "--database-url",
            &server.url,
        ])
        .output()
        .unwrap();
    let report = stdout_json(&out);
    let verdicts = report["contenders"].as_array().unwrap();
    let names: Vec<&str> = verdicts
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["go-nethttp", "go-nethttp (database)"],
        "{}",
        text(&out.stderr)
    );
    for v in verdicts {
        assert_eq!(v["outcome"], "passed", "{v}");
    }
    assert!(out.status.success());
    assert_eq!(
        server.query_count(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'shootout%'"
        ),
        0,
        "shootout dropped the schema it created"
    );
    // The keeper stops its server and removes its directory on SIGTERM.
    let dir = server.dir.clone();
    drop(server);
    assert!(!dir.exists(), "{} removed", dir.display());
}

#[test]
fn the_machines_postgresql_is_used_with_postgres_system() {
    let system = Binaries::find(Source::System);
    if !common::prerequisite::available(
        "the machine's PostgreSQL",
        system.as_ref().err().map(ToString::to_string),
        "apt-get install postgresql (.ci/run installs it)",
    ) {
        return;
    }
    let Ok(system) = system else { return };
    let out = shootout()
        .args(["verify", "go-nethttp", "--json", "--postgres", "system"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "PostgreSQL {}",
            system.version.split('.').next().unwrap()
        )),
        "the machine's PostgreSQL {} was used:\n{stderr}",
        system.version
    );
}

#[test]
fn verify_rejects_a_contender_that_loses_orders_on_restart() {
    let _builds = node_fastify();
    let out = shootout()
        .args(["verify", "forget-on-restart", "--json", "--contenders-dir"])
        .arg(fixtures())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let report = stdout_json(&out);
    let db = report["contenders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "forget-on-restart (database)")
        .unwrap_or_else(|| panic!("a database verdict: {report}"));
    assert_eq!(db["outcome"], "failed");
    let rules: Vec<&str> = db["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules
            .iter()
            .any(|r| r.contains("before a restart reads back the same")),
        "{rules:?}"
    );
}

#[test]
fn the_audit_catches_orders_acknowledged_before_commit_and_rolled_back() {
    let _builds = node_fastify();
    let tmp = tempfile::tempdir().unwrap();
    let out = shootout()
        .args(["run", "--quick", "--scenarios", "orders-db"])
        .args(["--contenders", "ack-before-commit", "--no-ledger"])
        .arg("--contenders-dir")
        .arg(fixtures())
        .arg("--out")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results = Results::load(&tmp.path().join("results.json")).unwrap();
    let trial = &results.scenarios[0].cells[0].trials[0];
    let lost = trial
        .audit
        .as_ref()
        .unwrap_or_else(|| panic!("no audit: {trial:?}"))
        .lost;
    assert!(
        lost > 0,
        "the audit found the rolled-back orders: {trial:?}"
    );
    assert_eq!(
        trial
            .metrics
            .get(&MetricKey::of(Metric::OrdersLost))
            .copied(),
        Some(lost as f64)
    );
    assert!(
        trial
            .sanity
            .iter()
            .any(|s| s.check == SanityCheck::LostWrites),
        "the cell is marked: {:?}",
        trial.sanity
    );
}

#[test]
fn node_fastify_runs_one_worker_per_cpu_with_a_database_and_one_process_without() {
    let _builds = node_fastify();
    let available = shootout::supervise::CpuSet::available();
    if available.len() < 2 {
        eprintln!("skipped: needs two CPUs");
        return;
    }
    let cpus = format!("{}-{}", available.cpus()[0], available.cpus()[1]);
    for (database, want) in [(true, 3), (false, 1)] {
        let port = free_port();
        let mut cmd = shootout();
        cmd.args(["up", "node-fastify", "--service-cpus", &cpus])
            .args(["--port", &port.to_string()]);
        if !database {
            cmd.arg("--no-database");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        assert!(
            lines
                .by_ref()
                .map_while(Result::ok)
                .any(|l| l.contains("is up")),
            "node-fastify came up"
        );
        std::thread::spawn(move || lines.for_each(drop));
        // Every process of the service runs src/server.js with PORT in its
        // environment; the workers come up a moment after the first answers.
        let marker = format!("PORT={port}");
        let node_processes = || -> Vec<u32> {
            processes_mentioning(&marker)
                .into_iter()
                .filter(|pid| {
                    std::fs::read(format!("/proc/{pid}/cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("src/server.js"))
                })
                .collect()
        };
        // Counted once `want` are up, or as many as there are after 10 s.
        let node = poll(Duration::from_secs(10), || {
            Some(node_processes()).filter(|n| n.len() >= want)
        })
        .unwrap_or_else(node_processes);
        kill(&child, libc::SIGINT);
        child.wait().unwrap();
        assert_eq!(
            node.len(),
            want,
            "node processes with CPUS=2, database {database}"
        );
    }
}
