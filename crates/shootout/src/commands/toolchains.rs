//! `shootout toolchains`: each runtime the contenders need, where it came
//! from, its exact version and who uses it; installs from npm what is missing.

use super::print_json_or_text;
use crate::cli::ToolchainsArgs;
use crate::contenders::toolchain;
use crate::report::toolchains::ToolchainRow;

pub async fn toolchains(args: ToolchainsArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.dir.contenders_dir)?;
    let mut rows: Vec<ToolchainRow> = Vec::new();
    for c in &all {
        let required = c.runtime.version.to_string();
        match rows
            .iter_mut()
            .find(|r| r.runtime == c.runtime.name && r.required == required)
        {
            Some(row) => row.contenders.push(c.name.clone()),
            None => rows.push(ToolchainRow {
                runtime: c.runtime.name.clone(),
                required,
                version: None,
                source: None,
                error: None,
                contenders: vec![c.name.clone()],
            }),
        }
    }
    let cache = toolchain::cache_dir();
    for row in &mut rows {
        let req = all
            .iter()
            .find(|c| {
                c.runtime.name == row.runtime && c.runtime.version.to_string() == row.required
            })
            .map(|c| c.runtime.clone())
            .expect("row made from a contender");
        let cache = cache.clone();
        match tokio::task::spawn_blocking(move || toolchain::resolve(&req, &cache)).await? {
            Ok(rt) => {
                row.version = Some(rt.version);
                row.source = Some(rt.source);
            }
            Err(e) => {
                row.error = Some(match e.hint() {
                    Some(hint) => format!("{e} (hint: {hint})"),
                    None => e.to_string(),
                });
            }
        }
    }
    let ok = rows.iter().all(|r| r.error.is_none());
    print_json_or_text(args.output.json, rows.as_slice())?;
    Ok(ok)
}
