//! `shootout coldstart`: spawn → first answer, N times per contender.

use anyhow::Context;

use super::{print_json_or_text, service_cpus};
use crate::cli::ColdstartArgs;
use crate::contenders;
use crate::gate::{self, GateError};
use crate::ops::coldstart;

pub async fn coldstart(args: ColdstartArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.common.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    let cpus = service_cpus(&args.common)?;
    let (runs, drop, timeout, no_build) = (
        args.runs as usize,
        args.drop_caches,
        args.common.ready_timeout,
        args.no_build,
    );
    if drop {
        coldstart::drop_caches().context("--drop-caches")?;
    }
    let results =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<coldstart::Coldstart>> {
            let mut results = Vec::new();
            for contender in &chosen {
                let prepared = if no_build {
                    gate::resolve_blocking(contender)
                } else {
                    gate::prepare_blocking(contender)
                }
                .map_err(GateError::with_hint)?;
                let name = contender.name.clone();
                let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let result = coldstart::measure(
                    contender,
                    &prepared.runtime,
                    &cpus,
                    runs,
                    drop,
                    timeout,
                    |done| {
                        if tty {
                            eprint!("\rshootout: cold-starting {name}: {done}/{runs}   ");
                        }
                    },
                )
                .with_context(|| format!("cold start of {}", contender.name))?;
                eprintln!(
                    "{}shootout: cold-started {name} {runs} times",
                    if tty { "\r" } else { "" }
                );
                results.push(result);
            }
            Ok(results)
        })
        .await??;
    print_json_or_text(args.output.json, results.as_slice())?;
    Ok(true)
}
