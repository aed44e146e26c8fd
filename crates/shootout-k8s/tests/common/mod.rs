//! Helpers for the `shootout-k8s` tests: the real binaries, run from the
//! repository root.

#![allow(dead_code)]

#[path = "../../../shootout/tests/common/prerequisite.rs"]
pub mod prerequisite;

pub mod manifests;

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real `shootout-k8s` binary, run from the repository root.
pub fn shootout_k8s() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shootout-k8s"));
    cmd.current_dir(repo()).env_remove("CI");
    cmd
}

/// The lean `shootout` binary that `push` puts in shootout's own image:
/// built beside `shootout-k8s` by `cargo test --workspace`; built here when
/// this crate's tests run alone.
pub fn shootout_bin() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_BIN_EXE_shootout-k8s")).with_file_name("shootout");
    if !beside.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "shootout", "--bin", "shootout"])
            .current_dir(repo())
            .status()
            .expect("cargo");
        assert!(status.success(), "cargo build -p shootout failed");
    }
    assert!(
        beside.is_file(),
        "no shootout binary at {}",
        beside.display()
    );
    beside
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
