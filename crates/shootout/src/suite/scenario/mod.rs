//! Scenario files (`scenarios/*.toml`): what load to apply, to which
//! endpoints, for how long, and which claims of the blog post it informs.
//!
//! Read in two stages ([`wire`]): a wire type that rejects unknown keys, then
//! a validated [`Scenario`]. `docs/scenarios.md` documents the format. A
//! scenario also knows which metrics it can produce ([`Scenario::produces`]),
//! so a ledger asking it for something it cannot measure is refused.

mod wire;

use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::metric::{MetricKey, Source};
pub use crate::toml_file::FileError as ScenarioError;

/// How long a scenario runs, per mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Quick,
    Default,
    Full,
}

impl Mode {
    /// Trials per (scenario, contender) cell.
    pub fn trials(self) -> usize {
        match self {
            Mode::Quick => 1,
            Mode::Default => 3,
            Mode::Full => 5,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Default => "default",
            Mode::Full => "full",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How many: a number, or a multiple of the service CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Count {
    Fixed(usize),
    PerCpu(usize),
}

impl Count {
    pub fn resolve(self, cpus: usize) -> usize {
        match self {
            Count::Fixed(n) => n,
            Count::PerCpu(k) => k * cpus.max(1),
        }
    }
}

/// One request template of a scenario's mix.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct RequestSpec {
    pub method: String,
    pub path: String,
    pub weight: u32,
    pub n: (u32, u32),
    /// `order`: a random valid order, generated per request.
    pub body: Option<String>,
    /// A contract check applied to a sample of responses during load.
    pub check: Option<String>,
    pub capture_id: bool,
}

/// The load model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum LoadSpec {
    Closed {
        connections: Count,
    },
    Open {
        rate: f64,
        connections: Count,
    },
    /// Open at a fraction of the capacity a short closed probe measured.
    OpenFraction {
        fraction: f64,
        connections: Count,
    },
    /// Closed at each concurrency in turn.
    Sweep {
        concurrency: Vec<usize>,
    },
}

/// What a scenario measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// A request mix under a load model.
    Load {
        requests: Vec<RequestSpec>,
        load: LoadSpec,
    },
    /// A background closed load, plus an open-model probe measured idle and loaded.
    HeadOfLine {
        requests: Vec<RequestSpec>,
        connections: Count,
        probe_path: String,
        probe_rate: f64,
        /// The background's second task length (`n` of every request): the
        /// probe is measured beside both lengths, and the growth of its p99
        /// tells a blocked loop (it grows with the task) from a preemptive
        /// scheduler (it stays near a time slice).
        #[serde(default)]
        long_n: Option<(u32, u32)>,
    },
    Coldstart {
        runs: usize,
    },
    Footprint {
        clean_build: bool,
    },
    /// The hostile-input battery of `shootout torture`; `overload`: with
    /// its overload phase.
    Torture {
        overload: bool,
    },
    /// SIGTERM with `connections` requests of `path` in flight; the service
    /// has `grace_s` to exit before it is SIGKILLed (`suite::trial::kinds::drain`).
    Drain {
        path: String,
        connections: usize,
        grace_s: f64,
    },
    /// The refactoring experiment (`shootout mutate`, `suite::trial::kinds::mutate`);
    /// `run`: repeat it (`--full`), else show the last scorecard of the same
    /// sources, when there is one.
    Mutate {
        run: bool,
    },
}

/// Who a quick run measures in a scenario (`quick_contenders` in its TOML).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QuickContenders {
    /// The contenders the ledger's checks on it name (the default).
    #[default]
    Claimed,
    /// Every contender of the run: its table is the point (head-of-line).
    All,
    /// Nobody: what it shows is context a quick run can do without.
    None,
}

impl QuickContenders {
    pub fn is_claimed(&self) -> bool {
        *self == Self::Claimed
    }
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub claims: Vec<String>,
    /// Contenders run in their database mode against PostgreSQL, and each
    /// trial ends with the audit of acknowledged orders.
    #[serde(default)]
    pub database: bool,
    /// Cgroup limits its trials run under, as a pod's `resources.limits`
    /// (`limits = "cpu=500m,memory=128Mi"`); they win over `run --limits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<crate::supervise::limits::Limits>,
    /// Who a quick run measures here (`quick_contenders`; see `suite::focus`).
    #[serde(default, skip_serializing_if = "QuickContenders::is_claimed")]
    pub quick_contenders: QuickContenders,
    /// Upstream-bound: the upstream, not the service's CPU, must be the
    /// limit. A trial whose service kept this share of its CPUs busy or
    /// more fails the `service CPU busy` sanity check; the scenario also
    /// reports the latency added above the upstream's delay and the
    /// requests in flight held per MB (`max_service_cpu = 0.7`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_service_cpu: Option<f64>,
    pub file: PathBuf,
    pub warmup: Duration,
    pub duration: Duration,
    #[serde(flatten)]
    pub kind: Kind,
}

impl Scenario {
    pub fn load(path: &Path, mode: Mode) -> Result<Self, ScenarioError> {
        let text = crate::toml_file::read(path)?;
        Self::parse(&text, path, mode)
    }

    pub fn parse(text: &str, path: &Path, mode: Mode) -> Result<Self, ScenarioError> {
        let wire: wire::Wire = crate::toml_file::parse(text, path)?;
        wire::validate(wire, path, mode).map_err(|e| ScenarioError::invalid(path, e.0))
    }

    /// A closed-model scenario named `name`, for tests.
    #[cfg(test)]
    pub fn placeholder(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            description: String::new(),
            claims: Vec::new(),
            database: false,
            limits: None,
            quick_contenders: QuickContenders::Claimed,
            max_service_cpu: None,
            file: PathBuf::new(),
            warmup: Duration::from_secs(1),
            duration: Duration::from_secs(1),
            kind: Kind::Load {
                requests: Vec::new(),
                load: LoadSpec::Closed {
                    connections: Count::Fixed(1),
                },
            },
        }
    }

    /// Whether its trials read the runtimes' GC traces: the open model at a
    /// fraction of capacity (the soak), where GC is what is being judged.
    pub fn measures_gc(&self) -> bool {
        matches!(
            self.kind,
            Kind::Load {
                load: LoadSpec::OpenFraction { .. },
                ..
            }
        )
    }

    /// The concurrency levels of a sweep; empty otherwise.
    pub fn levels(&self) -> Vec<u32> {
        match &self.kind {
            Kind::Load {
                load: LoadSpec::Sweep { concurrency },
                ..
            } => concurrency.iter().map(|&c| c as u32).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether a trial of this scenario can produce `key`, or why not.
    pub fn produces(&self, key: MetricKey) -> Result<(), CannotProduce> {
        let source = key.spec().source;
        let levels = self.levels();
        let sweep = !levels.is_empty();
        let open_fraction = matches!(
            self.kind,
            Kind::Load {
                load: LoadSpec::OpenFraction { .. },
                ..
            }
        );
        let load = matches!(self.kind, Kind::Load { .. });
        let kind_ok = match source {
            Source::Load => {
                load || matches!(self.kind, Kind::HeadOfLine { .. }) && is_head_of_line_load(key)
            }
            Source::Gc => open_fraction,
            Source::Sweep => sweep,
            Source::Soak => open_fraction,
            Source::Database => self.database && load,
            Source::HeadOfLine => match &self.kind {
                Kind::HeadOfLine { long_n, .. } => long_n.is_some() || !needs_long_task(key),
                _ => false,
            },
            Source::Coldstart => matches!(self.kind, Kind::Coldstart { .. }),
            Source::Footprint => matches!(self.kind, Kind::Footprint { .. }),
            Source::Torture => matches!(self.kind, Kind::Torture { .. }),
            Source::Drain => matches!(self.kind, Kind::Drain { .. }),
            Source::Mutate => matches!(self.kind, Kind::Mutate { .. }),
            Source::UpstreamBound => load && self.max_service_cpu.is_some(),
        };
        if !kind_ok {
            return Err(format!(
                "scenario {:?} ({}) cannot produce {key}",
                self.name,
                self.kind_name()
            )
            .into());
        }
        match (key.level, sweep) {
            (Some(c), true) if !levels.contains(&c) => {
                Err(format!("scenario {:?} sweeps {:?}, not c{c}", self.name, levels).into())
            }
            (Some(c), false) => {
                Err(format!("scenario {:?} is not a sweep: no level c{c}", self.name).into())
            }
            (None, true) if source == Source::Load => Err(format!(
                "scenario {:?} is a sweep: name a level, e.g. {key}_c{}",
                self.name,
                levels.first().copied().unwrap_or(0)
            )
            .into()),
            _ => Ok(()),
        }
    }

    /// `load (closed)`, `head-of-line`…, for messages.
    pub fn kind_name(&self) -> String {
        match &self.kind {
            Kind::Load { load, .. } => format!(
                "load, {}",
                match load {
                    LoadSpec::Closed { .. } => "closed model",
                    LoadSpec::Open { .. } => "open model",
                    LoadSpec::OpenFraction { .. } => "open model at a fraction of capacity",
                    LoadSpec::Sweep { .. } => "concurrency sweep",
                }
            ),
            Kind::HeadOfLine { .. } => "head-of-line".into(),
            Kind::Coldstart { .. } => "coldstart".into(),
            Kind::Footprint { .. } => "footprint".into(),
            Kind::Torture { .. } => "torture".into(),
            Kind::Drain { .. } => "drain".into(),
            Kind::Mutate { .. } => "mutate".into(),
        }
    }
}

message_error! {
    /// A metric a scenario's kind cannot produce, and why.
    CannotProduce
}

/// The load metrics a head-of-line trial also reports.
/// The head-of-line metrics measured beside the second task length only.
fn needs_long_task(key: MetricKey) -> bool {
    use super::metric::Metric;
    matches!(
        key.metric,
        Metric::ProbeP99LongMs | Metric::ProbeP99Growth | Metric::TaskLongMs
    )
}

fn is_head_of_line_load(key: MetricKey) -> bool {
    use super::metric::Metric;
    matches!(key.metric, Metric::Errors | Metric::VerificationFailures)
}

/// Every `*.toml` under `dir`, sorted by file name.
pub fn discover(dir: &Path, mode: Mode) -> Result<Vec<Scenario>, ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ScenarioError::Read {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files.iter().map(|f| Scenario::load(f, mode)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse(text, Path::new("scenarios/x.toml"), Mode::Default)
            .map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
name = "x"
description = "d"
[[requests]]
path = "/cpu/hash?seed={seed}&n={n}"
n = [1, 2]
check = "cpu-hash"
[load]
model = "closed"
connections = "2x-cpus"
[timing]
duration = "5s"
[timing.quick]
duration = "1s"
"#;

    #[test]
    fn a_good_file_parses_with_mode_timings() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.duration, Duration::from_secs(5));
        let Kind::Load {
            load: LoadSpec::Closed { connections },
            ..
        } = s.kind
        else {
            panic!()
        };
        assert_eq!(connections.resolve(3), 6);
        let q = Scenario::parse(GOOD, Path::new("x.toml"), Mode::Quick).unwrap();
        assert_eq!(q.duration, Duration::from_secs(1));
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let err = parse(&GOOD.replace("model = \"closed\"", "modle = \"closed\"")).unwrap_err();
        assert!(err.contains("scenarios/x.toml"), "{err}");
        assert!(err.contains("line 9, column 1"), "{err}");
        assert!(err.contains("unknown field `modle`"), "{err}");
        let err = parse(&GOOD.replace("n = [1, 2]", "n = [1, \"two\"]")).unwrap_err();
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn semantic_errors_say_what_was_expected() {
        let err = parse(&GOOD.replace("\"2x-cpus\"", "\"lots\"")).unwrap_err();
        assert!(err.contains("expected a number or \"Nx-cpus\""), "{err}");
        let err = parse(&GOOD.replace("check = \"cpu-hash\"", "check = \"md5\"")).unwrap_err();
        assert!(err.contains("is not one of health"), "{err}");
        let err = parse(&GOOD.replace("model = \"closed\"", "model = \"open\"")).unwrap_err();
        assert!(err.contains("rate"), "{err}");
        let err = parse(&GOOD.replace("duration = \"5s\"", "duration = \"soon\"")).unwrap_err();
        assert!(err.contains("timing.duration"), "{err}");
    }

    #[test]
    fn the_shipped_scenarios_parse_in_every_mode() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        for mode in [Mode::Quick, Mode::Default, Mode::Full] {
            let all = discover(&dir, mode).unwrap();
            let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
            for want in [
                "json",
                "cpu-hash",
                "cpu-json",
                "io",
                "orders",
                "head-of-line",
                "soak",
                "coldstart",
                "footprint",
            ] {
                assert!(names.contains(&want), "{want} missing from {names:?}");
            }
        }
    }
}
