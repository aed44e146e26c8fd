//! The last scorecard of each contender, kept by the hash of its sources in
//! shootout's cache: the outcome is deterministic for given sources, so a
//! run that does not repeat the experiment may show it, and says so.

use std::path::PathBuf;

use super::Scorecard;

fn path(contender: &str) -> PathBuf {
    crate::contenders::toolchain::cache_dir()
        .join("mutate")
        .join(format!("{contender}.json"))
}

/// Keeps `card` (failures to keep it only cost a rerun).
pub fn save(card: &Scorecard) {
    let p = path(&card.contender);
    if let Some(parent) = p.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    if let Ok(text) = serde_json::to_string_pretty(card) {
        let _ = std::fs::write(p, text);
    }
}

/// The kept scorecard of `contender`, if it was made from sources hashing to `source_hash`.
pub fn load(contender: &str, source_hash: &str) -> Option<Scorecard> {
    let text = std::fs::read_to_string(path(contender)).ok()?;
    let card: Scorecard = serde_json::from_str(&text).ok()?;
    (!source_hash.is_empty() && card.source_hash == source_hash).then_some(card)
}
