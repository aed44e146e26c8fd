//! `shootout test`: each contender's own unit tests, with its own toolchain.

use std::os::fd::AsFd;
use std::process::Stdio;
use std::time::Instant;

use anyhow::Context;

use crate::cli::TestArgs;
use crate::contenders::{self, build};
use crate::gate::{self, GateError};
use crate::report::unit_tests::{TEST_SCHEMA, TestOutcome, TestReport, TestRun};

pub async fn test(args: TestArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    let json = args.output.json;
    let mut report = TestReport {
        schema: TEST_SCHEMA.to_owned(),
        contenders: Vec::new(),
    };
    for contender in chosen {
        let Some(test) = contender.test.clone() else {
            eprintln!("shootout: {} has no test command", contender.name);
            report.contenders.push(TestRun {
                contender: contender.name.clone(),
                runtime: None,
                command: Vec::new(),
                outcome: TestOutcome::NoTests,
                exit_code: None,
                seconds: 0.0,
            });
            continue;
        };
        let name = contender.name.clone();
        let prepared = gate::prepare(&contender)
            .await
            .map_err(GateError::with_hint)
            .with_context(|| format!("testing {name}"))?;
        let runtime = format!("{} {}", prepared.runtime.name, prepared.runtime.version);
        eprintln!("shootout: testing {name} ({runtime}): {}", test.join(" "));
        let command = test.clone();
        let (status, seconds) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut cmd = build::command(&prepared.contender, &prepared.runtime, &command);
            if json {
                // stdout carries the JSON document: the tests' own output goes to stderr.
                cmd.stdout(Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?));
            }
            let started = Instant::now();
            let status = cmd
                .status()
                .with_context(|| format!("running {}", command.join(" ")))?;
            Ok((status, started.elapsed().as_secs_f64()))
        })
        .await?
        .with_context(|| format!("testing {name}"))?;
        report.contenders.push(TestRun {
            contender: name,
            runtime: Some(runtime),
            command: test,
            outcome: if status.success() {
                TestOutcome::Passed
            } else {
                TestOutcome::Failed
            },
            exit_code: status.code(),
            seconds,
        });
    }
    let failed: Vec<&str> = report
        .contenders
        .iter()
        .filter(|c| c.outcome == TestOutcome::Failed)
        .map(|c| c.contender.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!("shootout: tests failed for {}", failed.join(", "));
    }
    super::print_json_or_text(json, &report)?;
    Ok(report.passed())
}
