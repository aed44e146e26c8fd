//! Load spread over shard processes, started together and merged exactly:
//! on this host, and on three hosts made of network namespaces.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{shootout, text};
use shootout::load::{LoadReport, Model};
use shootout::upstream::{self, Upstream};

/// Two shard processes started together by `--start-at`, in the open model:
/// each sends its half of the rate on interleaved schedules, and `shootout
/// merge` adds them into one result whose count is what the server counted.
/// Shard 0 runs the io_uring path (where io_uring is allowed; outside CI
/// it says it is not and runs epoll) and shard 1 the epoll path, so the
/// merge is exact across both.
#[test]
fn two_shards_merge_into_what_the_server_counted() {
    let first_io = if common::prerequisite::uring() {
        "uring"
    } else {
        "epoll"
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state = Upstream::new(Duration::from_millis(1));
    let server = rt
        .block_on(upstream::start(([127, 0, 0, 1], 0).into(), state.clone()))
        .unwrap();
    let url = format!("{}/delay?ms=1&token=shard", server.url());
    let start_at = barrier(1.5);
    let dir = tempfile::tempdir().unwrap();
    let m = two_shards(dir.path(), |i| {
        let mut cmd = shootout();
        cmd.args(["load", &url, "--rate", "400", "-c", "16", "-d", "2s"])
            .args(["--warmup", "0s", "--json", "--shard", &format!("{i}/2")])
            .args(["--start-at", &start_at])
            .args(["--io", [first_io, "epoll"][i]]);
        cmd
    });
    let served = state.counters().delay;
    assert_eq!(m.completed, served, "{m:?}");
    assert_eq!(m.latency.count, served);
    let rate = m.requests_per_s;
    assert!((rate - 400.0).abs() < 20.0, "merged {rate} req/s, want 400");
    // Each shard carried half the rate.
    let s0: LoadReport =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s0.json")).unwrap())
            .unwrap();
    let Model::Open { rate, .. } = s0.model else {
        panic!("shard 0 ran the closed model: {:?}", s0.model);
    };
    assert_eq!(rate, 200.0);
    assert_eq!(s0.shard.map(|s| s.count), Some(2));
    assert_eq!(s0.io.map(shootout::load::Io::name), Some(first_io));
    let s1: LoadReport =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("s1.json")).unwrap())
            .unwrap();
    assert_eq!(s1.io, Some(shootout::load::Io::Epoll));
}

/// A `--start-at` `secs` from now.
fn barrier(secs: f64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (now.as_secs_f64() + secs).to_string()
}

/// Runs shards 0 and 1 (`shard(i)`, writing to `dir`/sI.json), waits for
/// both and returns `shootout merge --json` of the two.
fn two_shards(dir: &std::path::Path, shard: impl Fn(usize) -> std::process::Command) -> LoadReport {
    let running: Vec<_> = (0..2)
        .map(|i| {
            let out = std::fs::File::create(dir.join(format!("s{i}.json"))).unwrap();
            shard(i).stdout(out).spawn().unwrap()
        })
        .collect();
    for mut s in running {
        assert!(s.wait().unwrap().success());
    }
    let merged = shootout()
        .arg("merge")
        .arg(dir.join("s0.json"))
        .arg(dir.join("s1.json"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    serde_json::from_slice(&merged.stdout)
        .unwrap_or_else(|e| panic!("`shootout merge --json` is not a LoadReport: {e}"))
}

fn get_json(addr: &str, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    serde_json::from_str(answer.split_once("\r\n\r\n").unwrap().1).unwrap()
}

/// Three hosts on one machine (network namespaces joined by veth pairs to
/// a bridge): the contender and its upstream on one, a load shard on each
/// of the others. The shards measure their clocks against the upstream's,
/// start at one barrier, and their merge has exactly the requests the
/// contender made of its upstream.
#[test]
fn shards_in_network_namespaces_merge_into_what_the_contender_counted() {
    let Some(net) = common::netns::Net::new(3) else {
        return;
    };
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_shootout"));
    let spawn = |host: usize, args: &[&str]| {
        net.command(host, bin)
            .args(args)
            .current_dir(common::repo())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut upstream = spawn(0, &["upstream", "--host", "0.0.0.0", "--port", "4100"]);
    common::wait_for_line(&mut upstream, "listening on");
    let fixtures = common::fixtures();
    let mut service = spawn(
        0,
        &[
            "up",
            "fixture-ok",
            "--host",
            "0.0.0.0",
            "--port",
            "8080",
            "--upstream",
            "http://127.0.0.1:4100",
            "--contenders-dir",
            fixtures.to_str().unwrap(),
        ],
    );
    common::wait_for_line(&mut service, "is up at");
    let (svc, reference) = (
        format!("{}:8080", net.addr(0)),
        format!("http://{}:4100", net.addr(0)),
    );
    let url = format!("http://{svc}/io?ms=1&token=shard");
    let start_at = barrier(2.0);
    let dir = tempfile::tempdir().unwrap();
    let m = two_shards(dir.path(), |i| {
        let mut cmd = net.command(1 + i, bin);
        cmd.args(["load", &url, "--rate", "300", "-c", "16", "-d", "2s"])
            .args(["--warmup", "0s", "--json", "--shard", &format!("{i}/2")])
            .args(["--start-at", &start_at, "--clock-ref", &reference]);
        cmd
    });
    // Read from the machine's own namespace, through the bridge.
    let served = get_json(&format!("{}:4100", net.addr(0)), "/stats")["delay"]
        .as_u64()
        .unwrap();
    assert_eq!(m.status.get("200").copied(), Some(served), "{m:?}");
    assert_eq!(m.completed, served, "{m:?}");
    assert!(served > 400, "{served} requests");
    let rate = m.requests_per_s;
    assert!((rate - 300.0).abs() < 20.0, "merged {rate} req/s, want 300");
    // One kernel, one clock: each shard's offset is within its uncertainty.
    let lines = &m.shards;
    assert_eq!(lines.len(), 2);
    for l in lines {
        let c = l.clock.unwrap_or_else(|| panic!("no clock offset: {l:?}"));
        assert!(c.offset_ms.abs() <= c.uncertainty_ms + 0.01, "{l:?}");
        assert!(l.start_ms.is_some_and(|ms| ms < 100.0), "{l:?}");
    }
    for child in [&mut service, &mut upstream] {
        common::signal(child, libc::SIGINT);
        let _ = child.wait();
    }
}
