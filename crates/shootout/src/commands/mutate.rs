//! `shootout mutate`: the refactoring experiment on the chosen contenders,
//! one scorecard each, kept by source hash for runs that do not repeat it.

use std::time::Instant;

use super::{print_json_or_text, seed_or_clock};
use crate::cli::MutateArgs;
use crate::contenders;
use crate::mutate::{self, Catalogue, MutateReport, NotMeasured};
use crate::supervise::CpuSet;

pub async fn mutate(args: MutateArgs) -> anyhow::Result<bool> {
    let started = Instant::now();
    let catalogue = Catalogue::load(&args.catalogue)?;
    let all = super::discover_contenders(&args.dir.contenders_dir)?;
    let names = args.contenders.list();
    let chosen = contenders::select(all, &names)?;
    let mut not_measured = Vec::new();
    // A variant is its base's sources run another way: unless it is named,
    // its scorecard would be its base's again.
    let (variants, chosen): (Vec<_>, Vec<_>) = chosen
        .into_iter()
        .partition(|c| names.is_empty() && c.base().is_some());
    for v in variants {
        let base = v.variant.as_ref().map(|x| x.of.clone()).unwrap_or_default();
        not_measured.push(NotMeasured {
            reason: format!("a variant of {base}: the same sources, so {base}'s scorecard"),
            contender: v.name,
        });
    }
    let (chosen, skipped): (Vec<_>, Vec<_>) = chosen.into_iter().partition(mutate::has_patches);
    for c in skipped {
        anyhow::ensure!(
            names.is_empty(),
            "{} has no mutations.toml: it cannot be mutated\nhint: write one patch per kind of {}",
            c.name,
            catalogue.path.display()
        );
        not_measured.push(NotMeasured {
            contender: c.name.clone(),
            reason: "no mutations.toml".into(),
        });
    }
    // Every patch is checked before anything is built.
    let patches = mutate::check_all(&catalogue, &chosen)?;
    if args.check {
        for (c, p) in chosen.iter().zip(&patches) {
            let unwritable = p
                .by_kind
                .iter()
                .filter(|(_, w)| matches!(w, mutate::Written::Unwritable(_)))
                .count();
            println!(
                "{}: {} patches apply, {unwritable} kinds not writable",
                c.name,
                p.by_kind.len() - unwritable
            );
        }
        return Ok(true);
    }
    let cpus = CpuSet::available().split_default().0;
    let seed = seed_or_clock(args.seed);
    let mut cards = Vec::new();
    for (contender, patches) in chosen.iter().zip(&patches) {
        let card = mutate::measure(&catalogue, contender, patches, &cpus, seed).await?;
        mutate::cache::save(&card);
        cards.push(card);
    }
    let report = MutateReport {
        schema: mutate::SCHEMA.to_owned(),
        catalogue: catalogue.kinds,
        contenders: cards,
        not_measured,
        seconds: started.elapsed().as_secs_f64(),
    };
    print_json_or_text(args.output.json, &report)?;
    Ok(true)
}
