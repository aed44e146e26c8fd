//! `shootout test`: each contender's own unit tests, with its own toolchain.

use anyhow::Context;

use crate::cli::TestArgs;
use crate::contenders::{self, build};
use crate::gate::{self, GateError};

pub async fn test(args: TestArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    let mut failed = Vec::new();
    for contender in chosen {
        let Some(test) = contender.test.clone() else {
            eprintln!("shootout: {} has no test command", contender.name);
            continue;
        };
        let name = contender.name.clone();
        let prepared = gate::prepare(&contender)
            .await
            .map_err(GateError::with_hint)
            .with_context(|| format!("testing {name}"))?;
        eprintln!(
            "shootout: testing {} ({} {}): {}",
            name,
            prepared.runtime.name,
            prepared.runtime.version,
            test.join(" ")
        );
        let ok = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let status = build::command(&prepared.contender, &prepared.runtime, &test)
                .status()
                .with_context(|| format!("running {}", test.join(" ")))?;
            Ok(status.success())
        })
        .await?
        .with_context(|| format!("testing {name}"))?;
        if !ok {
            failed.push(name);
        }
    }
    if failed.is_empty() {
        Ok(true)
    } else {
        eprintln!("shootout: tests failed for {}", failed.join(", "));
        Ok(false)
    }
}
