//! Contenders: their manifests, the runtimes they need, and their builds.

pub mod build;
pub mod manifest;
pub mod sources;
pub mod toolchain;

pub use manifest::{Contender, discover};

/// Selects contenders by name; an unknown name is an error listing the known ones.
pub fn select(all: Vec<Contender>, names: &[String]) -> Result<Vec<Contender>, UnknownContender> {
    if names.is_empty() {
        return Ok(all);
    }
    let known: Vec<String> = all.iter().map(|c| c.name.clone()).collect();
    let mut chosen = Vec::new();
    for name in names {
        match all.iter().find(|c| &c.name == name) {
            Some(c) => chosen.push(c.clone()),
            None => {
                return Err(UnknownContender {
                    name: name.clone(),
                    known,
                });
            }
        }
    }
    Ok(chosen)
}

/// A contender name that no folder has.
#[derive(Debug, thiserror::Error)]
#[error("no contender named {name:?}\nhint: known contenders: {}", known.join(", "))]
pub struct UnknownContender {
    pub name: String,
    pub known: Vec<String>,
}
