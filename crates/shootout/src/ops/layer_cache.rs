//! shootout's cache of compressed image layers (`~/.cache/shootout/layers`):
//! a layer gzipped once is taken again by the SHA-256 of its tar, as a
//! container builder's layer store does, so a language runtime's layer is
//! compressed once per machine, not once per contender and run.
//! `SHOOTOUT_LAYER_CACHE=off` turns it off.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// How many layers the cache keeps (the most recently used): a language
/// runtime's layer is tens of MB, an app layer a few.
const KEEP: usize = 24;

/// Where compressed layers are kept between runs (`SHOOTOUT_LAYER_CACHE=off`
/// disables it).
pub(super) fn dir() -> Option<PathBuf> {
    if std::env::var_os("SHOOTOUT_LAYER_CACHE").is_some_and(|v| v == "off") {
        return None;
    }
    let dir = crate::contenders::toolchain::cache_dir().join("layers");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Copies a blob into the cache under a temporary name, then renames it, so
/// that a reader never sees half a blob.
pub(super) fn keep(blob: &Path, cached: &Path) -> io::Result<()> {
    let tmp = cached.with_extension(format!("tmp{}", std::process::id()));
    std::fs::copy(blob, &tmp)?;
    std::fs::rename(&tmp, cached)?;
    let Some(dir) = cached.parent() else {
        return Ok(());
    };
    let mut kept: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    kept.sort_by_key(|k| std::cmp::Reverse(k.0));
    for (_, old) in kept.into_iter().skip(KEEP) {
        let _ = std::fs::remove_file(old);
    }
    Ok(())
}

/// The cache's file for the tar whose SHA-256 is `diff_hex`, compressed
/// with `settings` (a different compressor or level never reuses another's
/// blob).
pub(super) fn entry(dir: &Path, diff_hex: &str, settings: &str) -> PathBuf {
    dir.join(format!("{diff_hex}-{settings}.tar.gz"))
}

/// The cached blob, marked recently used (kept longest when the cache is
/// pruned); `None` when it is not there.
pub(super) fn open(path: &Path) -> Option<File> {
    let blob = File::open(path).ok()?;
    let _ = blob.set_modified(std::time::SystemTime::now());
    Some(blob)
}
