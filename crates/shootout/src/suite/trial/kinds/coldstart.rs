//! `kind = "coldstart"`: spawn to the first answers, and the memory then,
//! measured over several runs by a fresh `shootout coldstart`.

use super::super::detail::TrialDetail;
use super::super::{Record, Setup};
use crate::gate::Prepared;
use crate::ops;
use crate::suite::metric::Metric;

/// Cold starts are measured by a fresh `shootout coldstart` process, the
/// same command a user runs: what a spawn costs depends on the process that
/// forks it, and after minutes of load the harness is not the small process
/// the standalone command is, so measuring from here would not agree with it.
pub(super) async fn run(
    prepared: &Prepared,
    setup: &Setup,
    runs: usize,
    r: &mut Record,
) -> anyhow::Result<()> {
    let contender = &prepared.contender;
    let dir = contender
        .dir
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no parent folder", contender.dir.display()))?;
    let mut cmd = crate::supervise::process::shootout_again()?;
    cmd.arg("coldstart")
        .arg(&contender.name)
        .args([
            "--runs",
            &runs.to_string(),
            "--json",
            "--no-build",
            "--service-cpus",
        ])
        .arg(setup.service_cpus.to_string())
        .arg("--ready-timeout")
        .arg(format!("{}ms", setup.ready_timeout.as_millis()))
        .arg("--contenders-dir")
        .arg(dir)
        .stdin(std::process::Stdio::null());
    crate::sys::isolate_on_spawn(&mut cmd, None);
    let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(12).collect();
        anyhow::bail!(
            "shootout coldstart {} failed ({}):\n{}",
            contender.name,
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let mut measured: Vec<ops::coldstart::Coldstart> = serde_json::from_slice(&out.stdout)?;
    let mut result = measured
        .pop()
        .ok_or_else(|| anyhow::anyhow!("shootout coldstart printed no result"))?;
    result.measured_in = ops::coldstart::MeasuredIn::FreshProcess;
    r.put(Metric::ColdstartHealthMs, result.health_ms.median);
    r.put(Metric::ColdstartJsonMs, result.json_ms.median);
    r.put(Metric::ColdstartRssMb, result.rss_bytes.median / 1e6);
    r.detail = Some(TrialDetail::Coldstart(Box::new(result)));
    Ok(())
}
