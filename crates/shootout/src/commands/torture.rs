//! `shootout torture`: the hostile-input battery against each contender, and
//! a scorecard each.

use super::{in_ci, print_json_or_text, split};
use crate::cli::TortureArgs;
use crate::contenders;
use crate::gate::{self, Launch, UpstreamPlan};
use crate::torture::{self, Scorecard};

pub async fn torture(args: TortureArgs) -> anyhow::Result<bool> {
    let (cpus, generator) = split(&args.common)?;
    let all = contenders::discover(&args.common.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders)?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no contenders found in {}",
        args.common.contenders_dir.display()
    );
    let mut cards: Vec<Scorecard> = Vec::new();
    let mut ok = true;
    for contender in &chosen {
        let prepared = match gate::prepare(contender).await {
            Ok(p) => p,
            Err(e) => {
                eprintln!("shootout: skipping {}: {e}", contender.name);
                ok &= e.is_missing_toolchain() && !in_ci();
                continue;
            }
        };
        eprintln!(
            "shootout: torturing {} ({} cases)…",
            contender.name,
            torture::cases::CASES.len()
        );
        let how = Launch {
            cpus: cpus.clone(),
            port: None,
            ready_timeout: args.common.ready_timeout,
            upstream: UpstreamPlan::InProcess,
            trace_gc: false,
            database: None,
        };
        let generator = (!args.no_overload).then_some(&generator);
        match torture::battery(&prepared, &how, generator).await {
            Ok(card) => cards.push(card),
            Err(e) => {
                eprintln!("shootout: {}: {e}", contender.name);
                ok = false;
            }
        }
    }
    print_json_or_text(args.json, &cards, || torture::render(&cards))?;
    Ok(ok)
}
