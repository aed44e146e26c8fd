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

/// A serving `shootout` (`up` or `upstream` with `--json`) read line by
/// line; interrupted like Ctrl-C and reaped when dropped, even after a
/// failed assertion.
struct Serving {
    child: Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Serving {
    fn start(cmd: &mut Command) -> Self {
        use std::io::BufRead;
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        Self {
            child,
            lines: std::io::BufReader::new(stdout).lines(),
        }
    }

    /// The next line of stdout as JSON.
    fn next_json(&mut self) -> Value {
        let line = self.lines.next().expect("a line on stdout").unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// SIGINT, as Ctrl-C sends it.
    fn interrupt(&self) {
        // SAFETY: a plain syscall on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
    }

    /// Interrupts it and returns its exit status and what else it printed.
    fn stop(mut self) -> (std::process::ExitStatus, Vec<Value>) {
        self.interrupt();
        let rest: Vec<Value> = self
            .lines
            .by_ref()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        let status = self.child.wait().unwrap();
        (status, rest)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.interrupt();
            let reaped = common::poll(std::time::Duration::from_secs(15), || {
                self.child.try_wait().ok().flatten()
            });
            if reaped.is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// `up --json`: a ready line whose address answers and whose pid is the
/// contender's, then a stopped line after Ctrl-C; both valid, one schema.
#[test]
fn up_ready_and_stopped_lines() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut up = Serving::start(
        shootout()
            .args(["up", "fixture-ok", "--json", "--port", &port.to_string()])
            .arg("--contenders-dir")
            .arg(fixtures()),
    );
    let ready = up.next_json();
    assert_valid("up", &ready);
    let shootout::report::service::UpLine::Ready {
        address, pid, url, ..
    } = serde_json::from_value(ready.clone()).unwrap()
    else {
        panic!("the first line is not `ready`: {ready}")
    };
    assert_eq!(address, format!("127.0.0.1:{port}"));
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    // The pid is the contender's own: its process answers on the address.
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let health = std::net::TcpStream::connect(&address).and_then(|mut s| {
        use std::io::{Read, Write};
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut reply = String::new();
        s.read_to_string(&mut reply)?;
        Ok(reply)
    });
    assert!(health.unwrap().starts_with("HTTP/1.1 200"));
    let (status, rest) = up.stop();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_valid("up", &rest[0]);
    assert_eq!(rest[0]["event"], "stopped");
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

/// `upstream --json --port 0`: the ready line has the port the OS picked,
/// the stopped line counts what was served.
#[test]
fn upstream_ready_and_stopped_lines() {
    let mut upstream = Serving::start(shootout().args(["upstream", "--port", "0", "--json"]));
    let ready = upstream.next_json();
    assert_valid("upstream", &ready);
    let address = ready["address"].as_str().unwrap().to_owned();
    assert!(!address.ends_with(":0"), "{ready}");
    assert_eq!(ready["pid"], upstream.child.id());
    let reply = std::net::TcpStream::connect(&address).and_then(|mut s| {
        use std::io::{Read, Write};
        s.write_all(b"GET /delay?ms=1&token=t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut reply = String::new();
        s.read_to_string(&mut reply)?;
        Ok(reply)
    });
    assert!(reply.unwrap().starts_with("HTTP/1.1 200"));
    let (status, rest) = upstream.stop();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert_valid("upstream", &rest[0]);
    assert_eq!(
        (&rest[0]["event"], &rest[0]["delay"]),
        (&"stopped".into(), &1.into())
    );
}

/// `test --json`: a contender whose tests pass, one whose tests fail (exit
/// 1) and one without tests; the tests' own output stays off stdout.
#[test]
fn test_outcomes_passed_failed_and_none() {
    use shootout::report::unit_tests::{TestOutcome, TestReport};
    let dir = tempfile::tempdir().unwrap();
    let server = fixtures().join("fixture-server.mjs");
    for (name, test) in [
        (
            "own-tests-pass",
            Some("process.stdout.write('own test output'); process.exit(0)"),
        ),
        ("own-tests-fail", Some("process.exit(3)")),
        ("no-own-tests", None),
    ] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).unwrap();
        let test = test
            .map(|t| format!("\n[test]\ncommand = [\"node\", \"-e\", {t:?}]\n"))
            .unwrap_or_default();
        std::fs::write(
            folder.join("contender.toml"),
            format!(
                "name = {name:?}\nlanguage = \"javascript\"\nframework = \"node:http\"\n\n[runtime]\nname = \"node\"\nversion = \">=18\"\n\n[run]\ncommand = [\"node\", {server:?}]\n\n[artifact]\nfiles = [{server:?}]\n{test}"
            ),
        )
        .unwrap();
    }
    let out = shootout()
        .args(["test", "--json", "--contenders-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc = stdout_json(&out);
    assert_valid("test", &doc);
    assert!(text(&out.stderr).contains("own test output"));
    let report: TestReport = serde_json::from_value(doc).unwrap();
    let outcome = |name: &str| {
        let run = report
            .contenders
            .iter()
            .find(|c| c.contender == name)
            .unwrap();
        (run.outcome, run.exit_code)
    };
    assert_eq!(outcome("own-tests-pass"), (TestOutcome::Passed, Some(0)));
    assert_eq!(outcome("own-tests-fail"), (TestOutcome::Failed, Some(3)));
    assert_eq!(outcome("no-own-tests"), (TestOutcome::NoTests, None));
}
