//! `shootout merge`: load shards' results added into one, exactly.

use anyhow::Context;

use super::print_json_or_text;
use crate::cli::MergeArgs;
use crate::load::report::LoadReport;

pub fn merge(args: MergeArgs) -> anyhow::Result<bool> {
    let mut shards = Vec::new();
    for path in &args.files {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        // A shard's own JSON, or a log holding it (`kubectl logs`).
        let report: LoadReport = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(e) => crate::load::shard::report_in_log(&text).map_err(|_| {
                anyhow::anyhow!(
                    "{} is not a `shootout load --json` result: {e}",
                    path.display()
                )
            })?,
        };
        shards.push((path.display().to_string(), report));
    }
    let merged = crate::load::shard::merge(&shards)?;
    print_json_or_text(args.output.json, &merged)?;
    Ok(merged.aborted.is_none())
}
