//! The stages that may catch a mutation, in the order a change meets them:
//! compile (the build and its type check), lint, the contender's own tests,
//! and the contract (`shootout verify`'s checks against the running service).

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::contenders::build;
use crate::gate::{Launch, Prepared};
use crate::supervise::CpuSet;

/// A stage of the developer's loop.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The build and its type check (`go build`, `tsc`, `deno check`, `cargo build`).
    Compile,
    /// The ecosystem's standard linter (`go vet`, ESLint, `deno lint`, `cargo clippy`).
    Lint,
    /// The contender's own tests (`shootout test`).
    Test,
    /// The contract, checked against the running service (`shootout verify`).
    Contract,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Compile => "compile",
            Stage::Lint => "lint",
            Stage::Test => "test",
            Stage::Contract => "contract",
        }
    }

    /// Caught before the program runs: by the compiler or the linter.
    pub fn before_running(self) -> bool {
        matches!(self, Stage::Compile | Stage::Lint)
    }
}

/// How long one command may take before it counts as failed (a hung test).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// How long the contract's checks may take (about 10 s on an unmutated
/// service): a mutation that makes answers so slow that they outlast it
/// (a kernel given a seed of billions as its round count) breaks the contract.
const CONTRACT_TIMEOUT: Duration = Duration::from_secs(90);

/// The end of a failed stage's output, for the reader.
pub type Tail = String;

/// Runs `argv` in the prepared contender's folder; `Err` with the end of
/// its output when it fails or outlives [`COMMAND_TIMEOUT`].
pub fn command(prepared: &Prepared, argv: &[String]) -> Result<(), Tail> {
    let mut cmd = build::command(&prepared.contender, &prepared.runtime, argv);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", argv[0]))?;
    // Drain both pipes on threads, so a chatty command never blocks.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > COMMAND_TIMEOUT => {
                if let Ok(pid) = i32::try_from(child.id()) {
                    crate::sys::kill_group(pid, libc::SIGKILL);
                }
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    match status {
        Some(s) if s.success() => Ok(()),
        Some(s) => Err(format!(
            "`{}` failed ({s}):\n{}",
            argv.join(" "),
            tail(&text)
        )),
        None => Err(format!(
            "`{}` did not finish within {} s:\n{}",
            argv.join(" "),
            COMMAND_TIMEOUT.as_secs(),
            tail(&text)
        )),
    }
}

/// The last lines of `text` (at most 12).
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// Starts the service, checks the whole contract, stops it: `Err` with the
/// first broken rules when it does not start, breaks a rule, crashes, or
/// does not exit cleanly on SIGTERM.
pub async fn contract(prepared: &Prepared, cpus: &CpuSet, seed: u64) -> Result<(), Tail> {
    let how = Launch::new(cpus.clone(), Duration::from_secs(30));
    let running = prepared
        .start(&how)
        .await
        .map_err(|e| format!("the service did not start: {e}"))?;
    let checked = tokio::time::timeout(CONTRACT_TIMEOUT, running.verify(seed, None)).await;
    let stopped = running.stop().await;
    let mut broken: Vec<String> = match &checked {
        Ok(checked) => checked
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.group.name(), f.rule))
            .collect(),
        Err(_) => vec![format!(
            "the contract's checks did not finish within {} s (they take seconds on the unmutated service): its answers are too slow",
            CONTRACT_TIMEOUT.as_secs()
        )],
    };
    if let Some(exit) = &stopped.crashed {
        broken.push(format!(
            "the service stays up through verification (it ended: {exit})"
        ));
    } else if stopped.exit.code != Some(0) {
        broken.push(format!(
            "on SIGTERM the service exits 0 within 5 s (got {})",
            stopped.exit
        ));
    }
    if broken.is_empty() {
        return Ok(());
    }
    let n = broken.len();
    broken.truncate(5);
    Err(format!("{n} rule(s) broken, first: {}", broken.join("; ")))
}
