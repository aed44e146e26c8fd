//! The temporary copy a contender is mutated in: its folder copied (reflinks
//! where the file system has them), beside links to everything the real
//! folder sees one and two levels up (`../fixture.mjs`, `../../contract`),
//! so relative paths in its manifest and tests still resolve. The real
//! sources are never written.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::MutateError;

/// A contender's copy, removed when dropped.
#[derive(Debug)]
pub struct Workspace {
    root: tempfile::TempDir,
    /// The copy of the contender's folder.
    pub dir: PathBuf,
}

impl Workspace {
    /// Copies `dir` (build outputs included, so installs and build caches
    /// are warm) into a fresh temporary tree.
    pub fn copy(dir: &Path) -> Result<Self, MutateError> {
        let io = |what: &str, e: std::io::Error| MutateError::Workspace(format!("{what}: {e}"));
        let dir = dir
            .canonicalize()
            .map_err(|e| io(&dir.display().to_string(), e))?;
        let root = tempfile::Builder::new()
            .prefix("shootout-mutate-")
            .tempdir()
            .map_err(|e| io("temporary folder", e))?;
        let parent = dir.parent().unwrap_or(Path::new("/"));
        let grandparent = parent.parent().unwrap_or(Path::new("/"));
        let name = |p: &Path| p.file_name().map(ToOwned::to_owned).unwrap_or_default();
        let mid = root.path().join(name(parent));
        std::fs::create_dir_all(&mid).map_err(|e| io("temporary folder", e))?;
        link_siblings(grandparent, parent, root.path())?;
        link_siblings(parent, &dir, &mid)?;
        let copy = mid.join(name(&dir));
        let status = Command::new("cp")
            .args(["-a", "--reflink=auto"])
            .arg(&dir)
            .arg(&copy)
            .status()
            .map_err(|e| io("cp", e))?;
        if !status.success() {
            return Err(MutateError::Workspace(format!(
                "cp -a {} {} failed ({status})",
                dir.display(),
                copy.display()
            )));
        }
        Ok(Self { root, dir: copy })
    }

    /// The root of the temporary tree.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Reads a file of the copy.
    pub fn read(&self, file: &str) -> Result<String, MutateError> {
        std::fs::read_to_string(self.dir.join(file))
            .map_err(|e| MutateError::Workspace(format!("{file}: {e}")))
    }

    /// Writes a file of the copy as a new file (never through a hard link).
    pub fn write(&self, file: &str, text: &str) -> Result<(), MutateError> {
        let path = self.dir.join(file);
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, text).map_err(|e| MutateError::Workspace(format!("{file}: {e}")))
    }
}

/// Links every entry of `from` but `except` into `into`.
fn link_siblings(from: &Path, except: &Path, into: &Path) -> Result<(), MutateError> {
    let entries = std::fs::read_dir(from)
        .map_err(|e| MutateError::Workspace(format!("{}: {e}", from.display())))?;
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path == except {
            continue;
        }
        let target = into.join(entry.file_name());
        std::os::unix::fs::symlink(&path, &target)
            .map_err(|e| MutateError::Workspace(format!("{}: {e}", target.display())))?;
    }
    Ok(())
}
