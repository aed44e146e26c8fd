//! The mutation catalogue (`contract/mutations.toml`: the kinds of
//! refactoring mistake, said without a language) and each contender's
//! patches (`contenders/NAME/mutations.toml`: where the kind goes in its
//! sources, or why it cannot be written there). Both are data: a patch is a
//! file, an anchor that must occur exactly once, and its replacement.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::MutateError;
use crate::toml_file;

/// One kind of refactoring mistake.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    /// Short id, e.g. `rename-field`.
    pub id: String,
    /// One line for tables.
    pub title: String,
    /// What a careful engineer does by mistake, in words that name no language.
    pub mistake: String,
    /// Kinds about failures and their handling (a missing value, an error
    /// result, an awaited call): "errors are explicit" is judged on these.
    #[serde(default)]
    pub errors: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCatalogue {
    #[serde(rename = "kind")]
    kinds: Vec<Kind>,
}

/// The kinds, in catalogue order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub kinds: Vec<Kind>,
    pub path: PathBuf,
}

impl Catalogue {
    pub fn load(path: &Path) -> Result<Self, MutateError> {
        let text = toml_file::read(path)?;
        let wire: WireCatalogue = toml_file::parse(&text, path)?;
        let mut seen = Vec::new();
        for k in &wire.kinds {
            if k.id.is_empty() || seen.contains(&k.id) {
                return Err(MutateError::Catalogue(format!(
                    "{}: kind id {:?} is empty or given twice",
                    path.display(),
                    k.id
                )));
            }
            seen.push(k.id.clone());
        }
        if wire.kinds.is_empty() {
            return Err(MutateError::Catalogue(format!(
                "{}: no [[kind]]",
                path.display()
            )));
        }
        Ok(Self {
            kinds: wire.kinds,
            path: path.to_owned(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePatches {
    #[serde(rename = "mutation")]
    mutations: Vec<WirePatch>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePatch {
    kind: String,
    file: Option<String>,
    anchor: Option<String>,
    replacement: Option<String>,
    unwritable: Option<String>,
}

/// How a contender writes one kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// Replace `anchor` (exactly one occurrence) in `file` with `replacement`.
    Patch {
        file: String,
        anchor: String,
        replacement: String,
    },
    /// The kind cannot be written in this language, and why.
    Unwritable(String),
}

/// A contender's mutations, one per kind of the catalogue, in its order.
#[derive(Debug, Clone)]
pub struct Patches {
    pub by_kind: Vec<(String, Written)>,
}

/// Where a contender keeps its patches.
pub fn patches_path(dir: &Path) -> PathBuf {
    dir.join("mutations.toml")
}

impl Patches {
    /// Reads `dir/mutations.toml` and checks it against the catalogue and
    /// the sources: every kind once, every anchor found exactly once, every
    /// replacement a change. A patch that no longer applies is an error
    /// naming the contender, the kind and the file.
    pub fn load(name: &str, dir: &Path, catalogue: &Catalogue) -> Result<Self, MutateError> {
        let path = patches_path(dir);
        let text = toml_file::read(&path)?;
        let wire: WirePatches = toml_file::parse(&text, &path)?;
        let mut given: BTreeMap<String, Written> = BTreeMap::new();
        for p in wire.mutations {
            let bad = |m: String| MutateError::Patch {
                contender: name.to_owned(),
                kind: p.kind.clone(),
                message: m,
            };
            if !catalogue.kinds.iter().any(|k| k.id == p.kind) {
                return Err(bad(format!("no such kind in {}", catalogue.path.display())));
            }
            if given.contains_key(&p.kind) {
                return Err(bad("given twice".into()));
            }
            let written = match (p.file, p.anchor, p.replacement, p.unwritable) {
                (None, None, None, Some(reason)) if !reason.trim().is_empty() => {
                    Written::Unwritable(reason)
                }
                (Some(file), Some(anchor), Some(replacement), None) => {
                    check_patch(dir, &file, &anchor, &replacement).map_err(bad)?;
                    Written::Patch {
                        file,
                        anchor,
                        replacement,
                    }
                }
                _ => {
                    return Err(bad(
                        "needs file, anchor and replacement, or unwritable = \"why\"".into(),
                    ));
                }
            };
            given.insert(p.kind.clone(), written);
        }
        let mut by_kind = Vec::new();
        for k in &catalogue.kinds {
            match given.remove(&k.id) {
                Some(w) => by_kind.push((k.id.clone(), w)),
                None => {
                    return Err(MutateError::Patch {
                        contender: name.to_owned(),
                        kind: k.id.clone(),
                        message: format!(
                            "missing from {}: write it, or say why it cannot be written (unwritable = \"…\")",
                            path.display()
                        ),
                    });
                }
            }
        }
        Ok(Self { by_kind })
    }
}

/// The anchor occurs exactly once in `file` and the replacement changes it.
fn check_patch(dir: &Path, file: &str, anchor: &str, replacement: &str) -> Result<(), String> {
    if anchor.is_empty() {
        return Err(format!("{file}: the anchor is empty"));
    }
    if anchor == replacement {
        return Err(format!("{file}: the replacement changes nothing"));
    }
    let text = std::fs::read_to_string(dir.join(file))
        .map_err(|e| format!("{file}: cannot read it: {e}"))?;
    match text.matches(anchor).count() {
        1 => Ok(()),
        0 => Err(format!(
            "{file}: the patch no longer applies: its anchor is not in the file ({anchor:?})"
        )),
        n => Err(format!(
            "{file}: the anchor occurs {n} times, it must occur once ({anchor:?})"
        )),
    }
}

/// `text` with the one occurrence of `anchor` replaced.
pub fn apply(text: &str, anchor: &str, replacement: &str) -> Option<String> {
    (text.matches(anchor).count() == 1).then(|| text.replacen(anchor, replacement, 1))
}
