//! A contender's sources as one hash, and the record of its last good build:
//! a build whose sources, runtime, command and environment have not changed
//! since it succeeded, and whose artifact files are all there, is reused.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::Contender;
use super::toolchain::Runtime;

/// Folders that hold what builds and installs write, never sources.
const BUILD_OUTPUTS: &[&str] = &["node_modules", "target", "bin", "dist", ".git"];

/// The SHA-256 (hex) of every file under the contender's folder but its
/// build outputs, with their paths relative to it, in a stable order.
pub fn hash(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    for rel in &files {
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        let mut f = std::fs::File::open(dir.join(rel))?;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        hasher.update([0]);
    }
    Ok(hex(&hasher.finalize()))
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        let name = entry.file_name();
        if kind.is_dir() {
            if !BUILD_OUTPUTS.iter().any(|o| name == *o) {
                collect(root, &path, out)?;
            }
        } else if kind.is_file() {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_owned());
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a build depends on besides its sources: the runtime, the command
/// and the manifest's environment.
fn key(contender: &Contender, runtime: &Runtime, sources: &str) -> String {
    let mut hasher = Sha256::new();
    let bin_dir = runtime
        .bin_dir
        .as_ref()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    for part in [sources, &runtime.name, &runtime.version, &bin_dir] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    for arg in contender.build.iter().flatten() {
        hasher.update(arg.as_bytes());
        hasher.update([0]);
    }
    for (k, v) in &contender.env {
        hasher.update(format!("{k}={v}\0").as_bytes());
    }
    hex(&hasher.finalize())
}

/// The record of a contender's last good build, in shootout's cache (one
/// per contender folder, so copies in temporary folders never collide).
fn stamp(contender: &Contender) -> PathBuf {
    let dir = std::fs::canonicalize(&contender.dir).unwrap_or_else(|_| contender.dir.clone());
    let mut hasher = Sha256::new();
    hasher.update(dir.to_string_lossy().as_bytes());
    let id = &hex(&hasher.finalize())[..16];
    super::toolchain::cache_dir()
        .join("builds")
        .join(format!("{}-{id}", contender.name))
}

/// The build is current: recorded for these sources, runtime and command,
/// and every artifact file is in place.
pub fn is_current(contender: &Contender, runtime: &Runtime, sources: &str) -> bool {
    let recorded = std::fs::read_to_string(stamp(contender)).unwrap_or_default();
    recorded.trim() == key(contender, runtime, sources)
        && contender
            .artifact_files
            .iter()
            .all(|f| contender.dir.join(f).exists())
}

/// Records a good build (failures to record only cost a rebuild next time).
pub fn record(contender: &Contender, runtime: &Runtime, sources: &str) {
    let path = stamp(contender);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(path, key(contender, runtime, sources));
}

/// Forgets the record: the next build runs.
pub fn forget(contender: &Contender) {
    let _ = std::fs::remove_file(stamp(contender));
}
