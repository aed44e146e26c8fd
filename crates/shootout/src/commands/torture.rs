//! `shootout torture`: the hostile-input battery against each contender, and
//! a scorecard each.

use super::{in_ci, print_json_or_text, split};
use crate::cli::TortureArgs;
use crate::contenders;
use crate::database::Database;
use crate::gate::{self, Launch};
use crate::torture::{self, Scorecard};

pub async fn torture(args: TortureArgs) -> anyhow::Result<bool> {
    let (cpus, generator) = split(&args.common)?;
    let all = super::discover_contenders(&args.common.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    anyhow::ensure!(
        !chosen.is_empty(),
        "no contenders found in {}",
        args.common.dir.contenders_dir.display()
    );
    let database = match args.database.plan() {
        Some(plan) if chosen.iter().any(|c| c.database.is_some()) => {
            eprintln!(
                "shootout: starting PostgreSQL (contenders with a database mode are tortured in it)…"
            );
            Some(Database::start(&plan, Some(&generator)).await?)
        }
        _ => None,
    };
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
        let db = database.as_ref().filter(|_| contender.database.is_some());
        eprintln!(
            "shootout: torturing {}{}…",
            contender.name,
            if db.is_some() {
                " in its database mode"
            } else {
                ""
            }
        );
        let how = Launch::new(cpus.clone(), args.common.ready_timeout);
        let generator = (!args.no_overload).then_some(&generator);
        match torture::battery(&prepared, &how, generator, db).await {
            Ok(card) => cards.push(card),
            Err(e) => {
                eprintln!("shootout: {}: {e}", contender.name);
                ok = false;
            }
        }
    }
    if let Some(db) = database {
        db.stop().await;
    }
    print_json_or_text(args.output.json, cards.as_slice())?;
    Ok(ok)
}
