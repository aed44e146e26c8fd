//! Scenario files (`scenarios/*.toml`): what load to apply, to which
//! endpoints, for how long, and which claims of the blog post it informs.
//!
//! Read in two stages: a wire type that rejects unknown keys (so a typo is an
//! error with its file, line and column, not a silently ignored setting), then
//! a validated [`Scenario`]. `docs/scenarios.md` documents the format.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cli::parse_duration;

/// A bad scenario file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// toml's message names the line and column and shows the line.
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// How long a scenario runs, per mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    name: String,
    description: String,
    #[serde(default)]
    claims: Vec<String>,
    kind: Option<String>,
    #[serde(default)]
    requests: Vec<WireRequest>,
    load: Option<WireLoad>,
    probe: Option<WireProbe>,
    #[serde(default)]
    timing: WireTiming,
    coldstart: Option<WireColdstart>,
    footprint: Option<WireFootprint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRequest {
    method: Option<String>,
    path: String,
    #[serde(default = "one")]
    weight: u32,
    n: Option<[u32; 2]>,
    body: Option<String>,
    check: Option<String>,
    #[serde(default)]
    capture_id: bool,
}

fn one() -> u32 {
    1
}

/// `connections = 64`, or `connections = "2x-cpus"`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum WireCount {
    Fixed(usize),
    Relative(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLoad {
    model: String,
    connections: Option<WireCount>,
    rate: Option<f64>,
    rate_fraction: Option<f64>,
    sweep: Option<Vec<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireProbe {
    path: String,
    rate: f64,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireTiming {
    warmup: Option<String>,
    duration: Option<String>,
    quick: Option<WirePhase>,
    full: Option<WirePhase>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct WirePhase {
    warmup: Option<String>,
    duration: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireColdstart {
    runs: usize,
    quick_runs: Option<usize>,
    full_runs: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireFootprint {
    #[serde(default)]
    clean_build: bool,
    #[serde(default)]
    clean_build_in_quick: bool,
}

/// How many: a number, or a multiple of the service CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Serialize, PartialEq)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    },
    Coldstart {
        runs: usize,
    },
    Footprint {
        clean_build: bool,
    },
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub claims: Vec<String>,
    pub file: PathBuf,
    pub warmup: Duration,
    pub duration: Duration,
    #[serde(flatten)]
    pub kind: Kind,
}

/// Contract checks a request template may name.
pub const CHECKS: &[&str] = &[
    "health",
    "json",
    "cpu-hash",
    "cpu-json",
    "io",
    "order-created",
    "order",
];
/// Generated bodies a request template may name.
pub const BODIES: &[&str] = &["order"];

fn duration(field: &str, text: &Option<String>) -> Result<Option<Duration>, String> {
    text.as_deref()
        .map(|t| parse_duration(t).map_err(|e| format!("{field}: {e}")))
        .transpose()
}

impl Scenario {
    pub fn load(path: &Path, mode: Mode) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path, mode)
    }

    pub fn parse(text: &str, path: &Path, mode: Mode) -> Result<Self, ScenarioError> {
        let invalid = |message: String| ScenarioError::Invalid {
            path: path.to_owned(),
            message,
        };
        let wire: Wire = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        Self::validate(wire, path, mode).map_err(invalid)
    }

    fn validate(w: Wire, path: &Path, mode: Mode) -> Result<Self, String> {
        if w.name.is_empty()
            || !w
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "name {:?} must be lower-case letters, digits and '-'",
                w.name
            ));
        }
        let phase = match mode {
            Mode::Quick => w.timing.quick.clone().unwrap_or_default(),
            Mode::Full => w.timing.full.clone().unwrap_or_default(),
            Mode::Default => WirePhase::default(),
        };
        let warmup = duration("timing.warmup", &phase.warmup.or(w.timing.warmup.clone()))?
            .unwrap_or(Duration::from_secs(2));
        let length = duration(
            "timing.duration",
            &phase.duration.or(w.timing.duration.clone()),
        )?
        .unwrap_or(Duration::from_secs(10));
        let requests = w
            .requests
            .iter()
            .enumerate()
            .map(|(i, r)| request(i, r))
            .collect::<Result<Vec<_>, _>>()?;
        let kind = match w.kind.as_deref().unwrap_or("load") {
            "load" => {
                let load = w
                    .load
                    .as_ref()
                    .ok_or("a load scenario needs a [load] table")?;
                if requests.is_empty() {
                    return Err("a load scenario needs at least one [[requests]]".into());
                }
                Kind::Load {
                    requests,
                    load: load_spec(load)?,
                }
            }
            "head-of-line" => {
                let load = w
                    .load
                    .as_ref()
                    .ok_or("head-of-line needs a [load] table for the background load")?;
                let probe = w
                    .probe
                    .as_ref()
                    .ok_or("head-of-line needs a [probe] table")?;
                if !(probe.rate.is_finite() && probe.rate > 0.0) {
                    return Err(
                        "probe.rate must be a positive number of requests per second".into(),
                    );
                }
                let LoadSpec::Closed { connections } = load_spec(load)? else {
                    return Err("head-of-line's background load must be model = \"closed\"".into());
                };
                Kind::HeadOfLine {
                    requests,
                    connections,
                    probe_path: probe.path.clone(),
                    probe_rate: probe.rate,
                }
            }
            "coldstart" => {
                let c = w
                    .coldstart
                    .as_ref()
                    .ok_or("a coldstart scenario needs a [coldstart] table")?;
                let runs = match mode {
                    Mode::Quick => c.quick_runs.unwrap_or(c.runs),
                    Mode::Full => c.full_runs.unwrap_or(c.runs),
                    Mode::Default => c.runs,
                };
                if runs == 0 {
                    return Err("coldstart.runs must be at least 1".into());
                }
                Kind::Coldstart { runs }
            }
            "footprint" => {
                let f = w
                    .footprint
                    .as_ref()
                    .ok_or("a footprint scenario needs a [footprint] table")?;
                Kind::Footprint {
                    clean_build: f.clean_build && (mode != Mode::Quick || f.clean_build_in_quick),
                }
            }
            other => {
                return Err(format!(
                    "kind {other:?} is not one of load, head-of-line, coldstart, footprint"
                ));
            }
        };
        Ok(Self {
            name: w.name,
            description: w.description,
            claims: w.claims,
            file: path.to_owned(),
            warmup,
            duration: length,
            kind,
        })
    }
}

fn request(i: usize, r: &WireRequest) -> Result<RequestSpec, String> {
    let at = format!("requests[{i}]");
    if !r.path.starts_with('/') {
        return Err(format!("{at}.path {:?} must start with '/'", r.path));
    }
    if let Some(check) = &r.check {
        if !CHECKS.contains(&check.as_str()) {
            return Err(format!(
                "{at}.check {check:?} is not one of {}",
                CHECKS.join(", ")
            ));
        }
    }
    if let Some(body) = &r.body {
        if !BODIES.contains(&body.as_str()) {
            return Err(format!(
                "{at}.body {body:?} is not one of {}",
                BODIES.join(", ")
            ));
        }
    }
    let n = r.n.map_or((0, 0), |[lo, hi]| (lo, hi));
    if n.0 > n.1 {
        return Err(format!("{at}.n = [{}, {}] goes backwards", n.0, n.1));
    }
    Ok(RequestSpec {
        method: r
            .method
            .clone()
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase(),
        path: r.path.clone(),
        weight: r.weight.max(1),
        n,
        body: r.body.clone(),
        check: r.check.clone(),
        capture_id: r.capture_id,
    })
}

fn count(c: &Option<WireCount>) -> Result<Count, String> {
    match c {
        None => Ok(Count::Fixed(64)),
        Some(WireCount::Fixed(0)) => Err("load.connections must be at least 1".into()),
        Some(WireCount::Fixed(n)) => Ok(Count::Fixed(*n)),
        Some(WireCount::Relative(s)) => s
            .strip_suffix("x-cpus")
            .and_then(|k| k.parse::<usize>().ok())
            .filter(|&k| k > 0)
            .map(Count::PerCpu)
            .ok_or_else(|| {
                format!(
                    "load.connections {s:?}: expected a number or \"Nx-cpus\" (e.g. \"2x-cpus\")"
                )
            }),
    }
}

fn load_spec(l: &WireLoad) -> Result<LoadSpec, String> {
    let connections = count(&l.connections)?;
    match l.model.as_str() {
        "closed" => Ok(LoadSpec::Closed { connections }),
        "open" => match (l.rate, l.rate_fraction) {
            (Some(rate), None) if rate.is_finite() && rate > 0.0 => {
                Ok(LoadSpec::Open { rate, connections })
            }
            (None, Some(f)) if f > 0.0 && f <= 1.0 => Ok(LoadSpec::OpenFraction {
                fraction: f,
                connections,
            }),
            _ => Err("an open load needs either rate > 0 or rate_fraction in (0, 1]".into()),
        },
        "sweep" => match &l.sweep {
            Some(levels) if !levels.is_empty() && levels.iter().all(|&c| c > 0) => {
                Ok(LoadSpec::Sweep {
                    concurrency: levels.clone(),
                })
            }
            _ => Err("a sweep needs sweep = [c1, c2, …] with positive concurrencies".into()),
        },
        other => Err(format!(
            "load.model {other:?} is not one of closed, open, sweep"
        )),
    }
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
