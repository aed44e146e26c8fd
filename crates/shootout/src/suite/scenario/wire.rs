//! The scenario file as written: a wire type that rejects unknown keys (so a
//! typo is an error with its line and column, not a silently ignored
//! setting), and its validation into a [`Scenario`].

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{Count, Kind, LoadSpec, Mode, QuickContenders, RequestSpec, Scenario};
use crate::contract::checks::{BODIES, CHECKS};
use crate::units::parse_duration;

message_error! {
    /// What is wrong with a scenario, in words (the caller adds the file).
    Invalid
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Wire {
    pub(super) name: String,
    pub(super) description: String,
    #[serde(default)]
    pub(super) claims: Vec<String>,
    pub(super) kind: Option<String>,
    #[serde(default)]
    pub(super) database: bool,
    pub(super) limits: Option<String>,
    /// Who a quick run measures here: `"claimed"` (the contenders the
    /// ledger's checks on it name, the default), `"all"` or `"none"`.
    pub(super) quick_contenders: Option<String>,
    /// Upstream-bound: the highest share of its CPUs the service may keep
    /// busy before the CPU, not the upstream, may be the limit.
    pub(super) max_service_cpu: Option<f64>,
    #[serde(default)]
    pub(super) requests: Vec<WireRequest>,
    pub(super) load: Option<WireLoad>,
    pub(super) probe: Option<WireProbe>,
    #[serde(default)]
    pub(super) timing: WireTiming,
    pub(super) coldstart: Option<WireColdstart>,
    pub(super) footprint: Option<WireFootprint>,
    pub(super) torture: Option<WireTorture>,
    pub(super) drain: Option<WireDrain>,
    pub(super) mutate: Option<WireMutate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireRequest {
    pub(super) method: Option<String>,
    pub(super) path: String,
    #[serde(default = "one")]
    pub(super) weight: u32,
    pub(super) n: Option<[u32; 2]>,
    pub(super) body: Option<String>,
    pub(super) check: Option<String>,
    #[serde(default)]
    pub(super) capture_id: bool,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// `connections = 64`, or `connections = "2x-cpus"`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum WireCount {
    Fixed(usize),
    Relative(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireLoad {
    pub(super) model: String,
    pub(super) connections: Option<WireCount>,
    pub(super) rate: Option<f64>,
    pub(super) rate_fraction: Option<f64>,
    pub(super) sweep: Option<Vec<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireProbe {
    pub(super) path: String,
    pub(super) rate: f64,
    /// The background's second task length: the probe is measured again
    /// with every request's `n` replaced by this range.
    pub(super) long_n: Option<[u32; 2]>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct WireTiming {
    pub(super) warmup: Option<String>,
    pub(super) duration: Option<String>,
    pub(super) quick: Option<WirePhase>,
    pub(super) full: Option<WirePhase>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct WirePhase {
    pub(super) warmup: Option<String>,
    pub(super) duration: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireColdstart {
    pub(super) runs: usize,
    pub(super) quick_runs: Option<usize>,
    pub(super) full_runs: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireFootprint {
    #[serde(default)]
    pub(super) clean_build: bool,
    #[serde(default)]
    pub(super) clean_build_in_quick: bool,
    #[serde(default = "yes")]
    pub(super) clean_build_in_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireTorture {
    #[serde(default = "yes")]
    pub(super) overload: bool,
    #[serde(default = "yes")]
    pub(super) overload_in_quick: bool,
}

/// `[mutate]`: in which modes the experiment is repeated; in the others the
/// last scorecard of the same sources is shown, when there is one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireMutate {
    #[serde(default)]
    pub(super) run_in_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireDrain {
    pub(super) path: String,
    #[serde(default = "drain_connections")]
    pub(super) connections: usize,
    /// Kubernetes' default `terminationGracePeriodSeconds`.
    #[serde(default = "drain_grace")]
    pub(super) grace: String,
}

fn drain_connections() -> usize {
    32
}

fn drain_grace() -> String {
    "30s".into()
}

fn duration(field: &str, text: &Option<String>) -> Result<Option<Duration>, Invalid> {
    text.as_deref()
        .map(|t| parse_duration(t).map_err(|e| Invalid(format!("{field}: {e}"))))
        .transpose()
}

/// Validates a parsed file into a [`Scenario`].
pub(super) fn validate(w: Wire, path: &Path, mode: Mode) -> Result<Scenario, Invalid> {
    check_name(&w.name)?;
    let (warmup, length) = timing(&w.timing, mode)?;
    let requests = w
        .requests
        .iter()
        .enumerate()
        .map(|(i, r)| request(i, r))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = kind(&w, requests, mode)?;
    let quick_contenders = match w.quick_contenders.as_deref() {
        None | Some("claimed") => QuickContenders::Claimed,
        Some("all") => QuickContenders::All,
        Some("none") => QuickContenders::None,
        Some(other) => {
            return Err(format!(
                "quick_contenders = {other:?}: want \"claimed\", \"all\" or \"none\""
            )
            .into());
        }
    };
    let max_service_cpu = upstream_bound(w.max_service_cpu, &kind)?;
    Ok(Scenario {
        quick_contenders,
        max_service_cpu,
        name: w.name,
        description: w.description,
        claims: w.claims,
        database: w.database,
        limits: w
            .limits
            .as_deref()
            .map(|l| {
                l.parse::<crate::supervise::limits::Limits>()
                    .map_err(|e| Invalid(format!("limits: {e}")))
            })
            .transpose()?,
        file: path.to_owned(),
        warmup,
        duration: length,
        kind,
    })
}

/// `max_service_cpu`: a share in (0, 1], on a load at one fixed model
/// (a sweep or a capacity probe has no single window to judge).
fn upstream_bound(max: Option<f64>, kind: &Kind) -> Result<Option<f64>, Invalid> {
    let Some(max) = max else { return Ok(None) };
    if !(max > 0.0 && max <= 1.0) {
        return Err(format!(
            "max_service_cpu = {max}: want a share of the service's CPUs in (0, 1]"
        )
        .into());
    }
    match kind {
        Kind::Load {
            load: LoadSpec::Closed { .. } | LoadSpec::Open { .. },
            ..
        } => Ok(Some(max)),
        _ => Err("max_service_cpu needs kind = \"load\" with model = \"closed\" or \"open\" at a fixed rate".into()),
    }
}

fn check_name(name: &str) -> Result<(), Invalid> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("name {name:?} must be lower-case letters, digits and '-'").into());
    }
    Ok(())
}

/// Warm-up and duration in `mode`: the mode's own, else the file's, else 2 s and 10 s.
fn timing(t: &WireTiming, mode: Mode) -> Result<(Duration, Duration), Invalid> {
    let phase = match mode {
        Mode::Quick => t.quick.clone().unwrap_or_default(),
        Mode::Full => t.full.clone().unwrap_or_default(),
        Mode::Default => WirePhase::default(),
    };
    let warmup = duration("timing.warmup", &phase.warmup.or(t.warmup.clone()))?
        .unwrap_or(Duration::from_secs(2));
    let length = duration("timing.duration", &phase.duration.or(t.duration.clone()))?
        .unwrap_or(Duration::from_secs(10));
    Ok((warmup, length))
}

/// The scenario's kind, from `kind` and its table.
fn kind(w: &Wire, requests: Vec<RequestSpec>, mode: Mode) -> Result<Kind, Invalid> {
    Ok(match w.kind.as_deref().unwrap_or("load") {
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
        "head-of-line" => head_of_line(w, requests)?,
        "coldstart" => coldstart(
            w.coldstart
                .as_ref()
                .ok_or("a coldstart scenario needs a [coldstart] table")?,
            mode,
        )?,
        "footprint" => {
            let f = w
                .footprint
                .as_ref()
                .ok_or("a footprint scenario needs a [footprint] table")?;
            Kind::Footprint {
                clean_build: f.clean_build
                    && match mode {
                        Mode::Quick => f.clean_build_in_quick,
                        Mode::Default => f.clean_build_in_default,
                        Mode::Full => true,
                    },
            }
        }
        "torture" => {
            let t = w.torture.as_ref();
            Kind::Torture {
                overload: t.is_none_or(|t| match mode {
                    Mode::Quick => t.overload_in_quick,
                    Mode::Default | Mode::Full => t.overload,
                }),
            }
        }
        "drain" => drain(
            w.drain
                .as_ref()
                .ok_or("a drain scenario needs a [drain] table with a path")?,
        )?,
        "mutate" => Kind::Mutate {
            run: match mode {
                Mode::Quick => false,
                Mode::Default => w.mutate.as_ref().is_some_and(|m| m.run_in_default),
                Mode::Full => true,
            },
        },
        other => {
            return Err(format!(
                "kind {other:?} is not one of load, head-of-line, coldstart, footprint, torture, drain, mutate"
            )
            .into());
        }
    })
}

fn head_of_line(w: &Wire, requests: Vec<RequestSpec>) -> Result<Kind, Invalid> {
    let load = w
        .load
        .as_ref()
        .ok_or("head-of-line needs a [load] table for the background load")?;
    let probe = w
        .probe
        .as_ref()
        .ok_or("head-of-line needs a [probe] table")?;
    if !(probe.rate.is_finite() && probe.rate > 0.0) {
        return Err("probe.rate must be a positive number of requests per second".into());
    }
    let LoadSpec::Closed { connections } = load_spec(load)? else {
        return Err("head-of-line's background load must be model = \"closed\"".into());
    };
    if let Some([lo, hi]) = probe.long_n
        && (lo == 0 || lo > hi)
    {
        return Err("probe.long_n must be [low, high] with 0 < low <= high".into());
    }
    Ok(Kind::HeadOfLine {
        requests,
        connections,
        probe_path: probe.path.clone(),
        probe_rate: probe.rate,
        long_n: probe.long_n.map(|[lo, hi]| (lo, hi)),
    })
}

fn coldstart(c: &WireColdstart, mode: Mode) -> Result<Kind, Invalid> {
    let runs = match mode {
        Mode::Quick => c.quick_runs.unwrap_or(c.runs),
        Mode::Full => c.full_runs.unwrap_or(c.runs),
        Mode::Default => c.runs,
    };
    if runs == 0 {
        return Err("coldstart.runs must be at least 1".into());
    }
    Ok(Kind::Coldstart { runs })
}

fn drain(d: &WireDrain) -> Result<Kind, Invalid> {
    if !d.path.starts_with('/') {
        return Err(format!("drain.path {:?} must start with /", d.path).into());
    }
    if d.connections == 0 {
        return Err("drain.connections must be at least 1".into());
    }
    let grace = duration("drain.grace", &Some(d.grace.clone()))?.unwrap_or(Duration::from_secs(30));
    Ok(Kind::Drain {
        path: d.path.clone(),
        connections: d.connections,
        grace_s: grace.as_secs_f64(),
    })
}

fn request(i: usize, r: &WireRequest) -> Result<RequestSpec, Invalid> {
    let at = format!("requests[{i}]");
    if !r.path.starts_with('/') {
        return Err(format!("{at}.path {:?} must start with '/'", r.path).into());
    }
    if let Some(check) = &r.check {
        if !CHECKS.contains(&check.as_str()) {
            return Err(format!("{at}.check {check:?} is not one of {}", CHECKS.join(", ")).into());
        }
    }
    if let Some(body) = &r.body {
        if !BODIES.contains(&body.as_str()) {
            return Err(format!("{at}.body {body:?} is not one of {}", BODIES.join(", ")).into());
        }
    }
    let n = r.n.map_or((0, 0), |[lo, hi]| (lo, hi));
    if n.0 > n.1 {
        return Err(format!("{at}.n = [{}, {}] goes backwards", n.0, n.1).into());
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

fn count(c: &Option<WireCount>) -> Result<Count, Invalid> {
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
                Invalid(format!(
                    "load.connections {s:?}: expected a number or \"Nx-cpus\" (e.g. \"2x-cpus\")"
                ))
            }),
    }
}

fn load_spec(l: &WireLoad) -> Result<LoadSpec, Invalid> {
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
        other => Err(format!("load.model {other:?} is not one of closed, open, sweep").into()),
    }
}
