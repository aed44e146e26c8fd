//! `shootout footprint`: what each contender costs to build and ship.

use anyhow::Context;

use super::print_json_or_text;
use crate::cli::FootprintArgs;
use crate::contenders;
use crate::gate::{self, GateError};
use crate::ops::footprint;

pub async fn footprint(args: FootprintArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.dir.contenders_dir)?;
    let chosen = contenders::select(all, &args.contenders.list())?;
    let (images, clean) = (args.images_dir.clone(), !args.no_clean_build);
    let results =
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<footprint::Footprint>> {
            let mut results = Vec::new();
            for contender in &chosen {
                let prepared = gate::prepare_blocking(contender).map_err(GateError::with_hint)?;
                let result = footprint::measure(
                    contender,
                    &prepared.runtime,
                    &images.join(&contender.name),
                    clean,
                )
                .with_context(|| format!("footprint of {}", contender.name))?;
                results.push(result);
            }
            Ok(results)
        })
        .await??;
    print_json_or_text(args.output.json, results.as_slice())?;
    Ok(true)
}
