//! Helpers shared by the integration tests: the real binary, the repository's
//! folders, JSON decoding of `--json` output, and waiting for an event
//! instead of sleeping "long enough".

#![allow(dead_code)]

pub mod cli;
pub mod fixture_server;
#[allow(dead_code)]
pub mod netns;
pub mod prerequisite;
pub mod run;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/contenders")
}

/// The real `shootout` binary, run from the repository root.
pub fn shootout() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shootout"));
    cmd.current_dir(repo()).env_remove("CI");
    cmd
}

pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Reads `child`'s piped stdout until a line contains `marker`; returns
/// that line and keeps draining the rest, so the child never blocks on a
/// full pipe.
#[allow(dead_code)]
pub fn wait_for_line(child: &mut std::process::Child, marker: &str) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let line = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line containing {marker:?}"));
    std::thread::spawn(move || lines.for_each(drop));
    line
}

/// How often [`poll`] and [`eventually`] ask again.
const POLL_EVERY: Duration = Duration::from_millis(20);

/// Asks `probe` every 20 ms until it answers `Some`, for at most `timeout`;
/// `None` when it never did. For a test that must clean up, or say more than
/// [`eventually`] can, before it fails.
pub fn poll<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL_EVERY);
    }
}

/// Waits for `probe` to answer `Some` and returns the answer; panics naming
/// `what` and the timeout when it has not within `timeout`.
pub fn eventually<T>(what: &str, timeout: Duration, probe: impl FnMut() -> Option<T>) -> T {
    poll(timeout, probe).unwrap_or_else(|| panic!("timed out after {timeout:?} waiting for {what}"))
}

/// Every line `reader` gives, on a channel, read by a thread of its own
/// that keeps draining after the receiver is gone, so the writer never
/// blocks on a full pipe.
pub fn lines_of(reader: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(reader)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Sends `signal` to our own child `child`.
pub fn signal(child: &std::process::Child, signal: i32) {
    // SAFETY: a plain syscall on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, signal);
    }
}
