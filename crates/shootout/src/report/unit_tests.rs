//! The document `shootout test` prints: each contender's own unit tests,
//! run with its own toolchain, and how they ended (`shootout.test/1`).

use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Render;

/// The schema name and version `shootout test --json` writes.
pub const TEST_SCHEMA: &str = "shootout.test/1";

/// `shootout test --json`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestReport {
    /// `shootout.test/1`.
    pub schema: String,
    /// One entry per contender chosen, in the order they were tested.
    pub contenders: Vec<TestRun>,
}

/// One contender's own tests.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRun {
    pub contender: String,
    /// The runtime that ran them, e.g. `node 24.22.3`; null without tests.
    pub runtime: Option<String>,
    /// The manifest's `[test] command`; empty when it has none.
    pub command: Vec<String>,
    pub outcome: TestOutcome,
    /// The test command's exit code (null when killed by a signal, or not run).
    pub exit_code: Option<i32>,
    /// Wall time of the test command, in seconds (0 when not run).
    pub seconds: f64,
}

/// How a contender's tests ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TestOutcome {
    Passed,
    Failed,
    /// The manifest names no test command.
    NoTests,
}

impl TestReport {
    /// Every contender with tests passed them.
    pub fn passed(&self) -> bool {
        self.contenders
            .iter()
            .all(|c| c.outcome != TestOutcome::Failed)
    }
}

impl Render for TestReport {
    fn terminal(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .contenders
            .iter()
            .map(|c| {
                vec![
                    c.contender.clone(),
                    match c.outcome {
                        TestOutcome::Passed => "passed".to_owned(),
                        TestOutcome::Failed => match c.exit_code {
                            Some(code) => format!("FAILED (exit {code})"),
                            None => "FAILED (killed)".to_owned(),
                        },
                        TestOutcome::NoTests => "no test command".to_owned(),
                    },
                    if c.outcome == TestOutcome::NoTests {
                        String::new()
                    } else {
                        format!("{:.1} s", c.seconds)
                    },
                    c.command.join(" "),
                ]
            })
            .collect();
        let widths = crate::text::widths(&rows);
        let mut out = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }
}
