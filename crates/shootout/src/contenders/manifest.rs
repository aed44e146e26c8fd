//! `contender.toml`: the manifest that makes a folder a contender.
//!
//! Read in two stages: a raw wire type that rejects unknown keys, then a
//! validated [`Contender`]. Adding a contender is adding a folder with one of
//! these files; see `docs/contenders.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What can be wrong with a manifest.
pub use crate::toml_file::FileError as ManifestError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    name: String,
    language: String,
    framework: String,
    #[serde(default)]
    description: String,
    runtime: WireRuntime,
    build: Option<WireCommand>,
    run: WireCommand,
    test: Option<WireCommand>,
    artifact: WireArtifact,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    budget: BTreeMap<String, String>,
    gc_trace: Option<GcTrace>,
    database: Option<DatabaseMode>,
    dev: Option<DevLoop>,
    #[serde(default)]
    variant: Vec<WireVariant>,
}

/// `[[variant]]`: the same contender, built once, started with more
/// environment and measured only in some scenarios (a coding-pattern
/// contrast, docs/contenders.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireVariant {
    name: String,
    /// What differs, said after the framework in reports.
    about: String,
    env: BTreeMap<String, String>,
    scenarios: Vec<String>,
}

/// What makes a contender a variant of another: the same folder and build,
/// this environment added, measured only in these scenarios.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Variant {
    /// The contender it is a variant of (its folder's manifest).
    pub of: String,
    /// Variables added to the base's `[env]`.
    pub env: BTreeMap<String, String>,
    /// The only scenarios it is measured in.
    pub scenarios: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRuntime {
    name: String,
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCommand {
    command: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireArtifact {
    files: Vec<String>,
    #[serde(default)]
    runtime: bool,
}

/// How to make the runtime print its GC pauses (`[gc_trace]`), used only in
/// the trials that measure GC: variables to set, arguments to put right
/// after the program, and the format of the lines it then prints.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GcTrace {
    pub format: TraceFormat,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub args: Vec<String>,
}

/// A contender's database mode (`[database]`): with `DATABASE_URL` set it
/// stores orders in PostgreSQL through this driver. Without the table the
/// contender has no database mode, and scenarios that need one say so.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseMode {
    /// The driver and pool, e.g. "pgx v5 (pgxpool)".
    pub driver: String,
}

/// A developer's loop (`[dev]`), what `shootout mutate` runs after each
/// change (docs/mutate.md): `install` once (dev dependencies: the compiler,
/// the linter), then per change `compile` (the build and its type check;
/// absent for plain JavaScript) and `lint` (the ecosystem's standard linter).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DevLoop {
    #[serde(default)]
    pub install: Option<Vec<String>>,
    #[serde(default)]
    pub compile: Option<Vec<String>>,
    #[serde(default)]
    pub lint: Option<Vec<String>>,
    /// Variables added to the manifest's `[env]` for every command of the
    /// loop and the service it starts: how a developer's build differs from
    /// the shipped one (rust-axum: its release profile without LTO,
    /// incremental), never what the program means.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

/// Whose trace format a contender prints (`[gc_trace] format` in its manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TraceFormat {
    /// `gc 3 @0.020s 2%: 0.011+0.39+0.027 ms clock, …`: the first and last
    /// of the clock triple are the two stop-the-world phases.
    Go,
    /// `[pid:0x…]  35 ms: Scavenge 3.9 (4.2) -> 3.4 (5.2) MB, 0.83 / 0.00 ms …`:
    /// the figure before the slash is the pause on the main thread.
    V8,
}

/// The runtime (or toolchain) a contender needs, and which versions will do.
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeRequirement {
    /// `rust`, `go`, `node`, `bun` or `deno`.
    pub name: String,
    /// A semver requirement such as `>=24`.
    #[serde(serialize_with = "serialize_display")]
    pub version: semver::VersionReq,
}

fn serialize_display<S: serde::Serializer, T: std::fmt::Display>(
    value: &T,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// A validated contender.
#[derive(Debug, Clone, Serialize)]
pub struct Contender {
    pub name: String,
    pub language: String,
    pub framework: String,
    pub description: String,
    /// The contender's folder; every command runs here.
    pub dir: PathBuf,
    pub runtime: RuntimeRequirement,
    /// Argument vector that builds it, if it needs building.
    pub build: Option<Vec<String>>,
    /// Argument vector that runs it.
    pub run: Vec<String>,
    /// Argument vector of its own tests.
    pub test: Option<Vec<String>>,
    /// Files and folders, relative to `dir`, that make up the deployable artifact.
    pub artifact_files: Vec<String>,
    /// Whether the runtime binary ships with the artifact (Node.js, Bun, Deno).
    pub artifact_includes_runtime: bool,
    /// Environment every command gets.
    pub env: BTreeMap<String, String>,
    /// Environment that tells the runtime its CPU budget; `{cpus}` is replaced.
    pub budget: BTreeMap<String, String>,
    /// How its runtime reports GC pauses, if it has a garbage collector.
    pub gc_trace: Option<GcTrace>,
    /// Its database mode, if it has one.
    pub database: Option<DatabaseMode>,
    /// Its developer's loop, for `shootout mutate`.
    pub dev: Option<DevLoop>,
    /// Set when this is a `[[variant]]` of another contender.
    pub variant: Option<Variant>,
    /// The variants its manifest declares ([`discover`] lists them too).
    #[serde(skip)]
    pub variants: Vec<Contender>,
}

impl Contender {
    /// Reads and validates `dir/contender.toml`.
    pub fn load(dir: &Path) -> Result<Self, ManifestError> {
        let path = dir.join("contender.toml");
        let text = std::fs::read_to_string(&path).map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        Self::parse(&text, dir, &path)
    }

    fn parse(text: &str, dir: &Path, path: &Path) -> Result<Self, ManifestError> {
        let invalid = |message: String| ManifestError::Invalid {
            path: path.to_owned(),
            message,
        };
        let wire: Wire = crate::toml_file::parse(text, path)?;
        if wire.name.is_empty()
            || !wire
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(format!(
                "name {:?} must be lower-case letters, digits and '-'",
                wire.name
            )));
        }
        let version = semver::VersionReq::parse(&wire.runtime.version).map_err(|source| {
            ManifestError::Version {
                path: path.to_owned(),
                field: "runtime.version",
                requirement: wire.runtime.version.clone(),
                source,
            }
        })?;
        let command = |section: &str, c: WireCommand| {
            if c.command.is_empty() || c.command[0].is_empty() {
                Err(invalid(format!(
                    "{section}.command must name a program, e.g. [\"cargo\", \"build\"]"
                )))
            } else {
                Ok(c.command)
            }
        };
        let build = wire.build.map(|c| command("build", c)).transpose()?;
        let test = wire.test.map(|c| command("test", c)).transpose()?;
        let run = command("run", wire.run)?;
        if wire.artifact.files.is_empty() {
            return Err(invalid("artifact.files must list at least one path".into()));
        }
        let variants = wire.variant;
        let mut base = Self {
            name: wire.name,
            language: wire.language,
            framework: wire.framework,
            description: wire.description,
            dir: dir.to_owned(),
            runtime: RuntimeRequirement {
                name: wire.runtime.name,
                version,
            },
            build,
            run,
            test,
            artifact_files: wire.artifact.files,
            artifact_includes_runtime: wire.artifact.runtime,
            env: wire.env,
            budget: wire.budget,
            gc_trace: wire.gc_trace,
            database: wire.database,
            dev: wire.dev,
            variant: None,
            variants: Vec::new(),
        };
        for v in variants {
            let variant = base.variant_of(v).map_err(invalid)?;
            base.variants.push(variant);
        }
        Ok(base)
    }

    /// The contender `[[variant]]` `v` of this one declares.
    fn variant_of(&self, v: WireVariant) -> Result<Self, String> {
        if !v.name.starts_with(&format!("{}-", self.name)) {
            return Err(format!(
                "variant {:?} must be named {}-SOMETHING",
                v.name, self.name
            ));
        }
        if v.env.is_empty() || v.scenarios.is_empty() {
            return Err(format!(
                "variant {:?} needs env (what differs) and scenarios (where it is measured)",
                v.name
            ));
        }
        if let Some(k) = v.env.keys().find(|k| self.env.contains_key(*k)) {
            return Err(format!(
                "variant {:?} may add variables, not change the manifest's {k}",
                v.name
            ));
        }
        let mut env = self.env.clone();
        env.extend(v.env.clone());
        Ok(Self {
            name: v.name,
            framework: format!("{} ({})", self.framework, v.about),
            env,
            // Measured only where its pattern matters: no database mode, no
            // developer's loop of its own.
            database: None,
            dev: None,
            variant: Some(Variant {
                of: self.name.clone(),
                env: v.env,
                scenarios: v.scenarios,
            }),
            variants: Vec::new(),
            ..self.clone()
        })
    }

    /// For a variant, the contender it is a variant of (whose build it
    /// shares); `None` for a contender of its own.
    pub fn base(&self) -> Option<Self> {
        let v = self.variant.as_ref()?;
        let mut env = self.env.clone();
        env.retain(|k, _| !v.env.contains_key(k));
        Some(Self {
            name: v.of.clone(),
            env,
            variant: None,
            ..self.clone()
        })
    }

    /// Whether it is measured in `scenario` (a variant only in its own).
    pub fn measured_in(&self, scenario: &str) -> bool {
        self.variant
            .as_ref()
            .is_none_or(|v| v.scenarios.iter().any(|s| s == scenario))
    }

    /// The budget environment for `cpus` CPUs, `{cpus}` substituted.
    pub fn budget_env(&self, cpus: usize) -> BTreeMap<String, String> {
        self.budget
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{cpus}", &cpus.to_string())))
            .collect()
    }
}

/// Every contender under `root` (one level deep), sorted by name.
pub fn discover(root: &Path) -> Result<Vec<Contender>, ManifestError> {
    // Absolute, so commands that change into a contender's folder still find it.
    let root = &root.canonicalize().map_err(|source| ManifestError::Read {
        path: root.to_owned(),
        source,
    })?;
    let entries = std::fs::read_dir(root).map_err(|source| ManifestError::Read {
        path: root.to_owned(),
        source,
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("contender.toml").is_file())
        .collect();
    dirs.sort();
    let mut all = Vec::new();
    for d in &dirs {
        let c = Contender::load(d)?;
        let variants = c.variants.clone();
        all.push(c);
        all.extend(variants);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "x-y"
language = "go"
framework = "net/http"
[runtime]
name = "go"
version = ">=1.22"
[run]
command = ["bin/x"]
[artifact]
files = ["bin/x"]
[budget]
GOMAXPROCS = "{cpus}"
"#;

    fn parse(text: &str) -> Result<Contender, ManifestError> {
        Contender::parse(
            text,
            Path::new("/c/x-y"),
            Path::new("/c/x-y/contender.toml"),
        )
    }

    #[test]
    fn parses_a_minimal_manifest() {
        let c = parse(GOOD).expect("valid");
        assert_eq!(c.name, "x-y");
        assert_eq!(c.run, vec!["bin/x"]);
        assert!(c.build.is_none());
        assert_eq!(c.budget_env(3)["GOMAXPROCS"], "3");
    }

    #[test]
    fn unknown_key_is_refused_with_its_location() {
        let err = parse(&GOOD.replace("language", "lang"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("contender.toml"), "{err}");
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn empty_command_and_bad_version_are_refused() {
        let err = parse(&GOOD.replace("[\"bin/x\"]\n[artifact]", "[]\n[artifact]"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("run.command"), "{err}");
        let err = parse(&GOOD.replace(">=1.22", "newest"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("runtime.version"), "{err}");
    }

    #[test]
    fn the_reference_contenders_are_discovered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contenders");
        let names: Vec<String> = discover(&root)
            .expect("manifests parse")
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(
            names,
            [
                "bun",
                "deno",
                "go-gin",
                "go-nethttp",
                "node-express",
                "node-fastify",
                "node-fastify-compile-per-request",
                "node-fastify-ts",
                "node-workers",
                "rust-axum"
            ]
        );
    }

    #[test]
    fn a_variant_adds_environment_and_shares_its_base() {
        let text = format!(
            "{GOOD}[env]\nA = \"1\"\n[[variant]]\nname = \"x-y-slow\"\nabout = \"slow\"\nenv = {{ B = \"2\" }}\nscenarios = [\"json\"]\n"
        );
        let base = parse(&text).expect("valid");
        let v = &base.variants[0];
        assert_eq!(
            (v.name.as_str(), v.env["A"].as_str(), v.env["B"].as_str()),
            ("x-y-slow", "1", "2")
        );
        assert!(v.measured_in("json") && !v.measured_in("io") && base.measured_in("io"));
        let back = v.base().expect("a variant has a base");
        assert_eq!((back.name.as_str(), back.env.len()), ("x-y", 1));
        assert!(base.base().is_none());
        let err = parse(&text.replace("x-y-slow", "slow"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("x-y-SOMETHING"), "{err}");
        let err = parse(&text.replace("B = ", "A = "))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not change the manifest's A"), "{err}");
    }
}
