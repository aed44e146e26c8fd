//! Helpers shared by the integration tests: the real binary, the repository's
//! folders, and JSON decoding of `--json` output.

#![allow(dead_code)]

pub mod fixture_server;
#[allow(dead_code)]
pub mod netns;
pub mod prerequisite;

use std::path::PathBuf;
use std::process::{Command, Output};

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
