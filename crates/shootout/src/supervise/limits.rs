//! `--limits cpu=1.5,memory=256Mi`: a pod's `resources.limits`, in
//! Kubernetes quantity syntax, applied to each contender through a cgroup of
//! its own ([`crate::supervise::cgroup`]).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The CFS period Kubernetes uses: a quota of `cpu` × this per period.
pub const CFS_PERIOD_US: u64 = 100_000;

/// CPU and memory limits, as a container's `resources.limits`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    /// CPUs (a CFS quota of this many periods per period); `None`: no quota.
    pub cpu: Option<f64>,
    /// Bytes; `None`: no memory limit.
    pub memory_bytes: Option<u64>,
}

impl Limits {
    /// The CFS quota per [`CFS_PERIOD_US`], in µs.
    pub fn quota_us(&self) -> Option<u64> {
        self.cpu
            .map(|c| ((c * CFS_PERIOD_US as f64).round() as u64).max(1_000))
    }
}

/// A `--limits` value that is not `cpu=Q,memory=Q`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LimitsError {
    #[error("empty: give cpu=QUANTITY, memory=QUANTITY or both, e.g. cpu=1.5,memory=256Mi")]
    Empty,
    #[error("`{0}` is not KEY=QUANTITY (keys: cpu, memory), e.g. cpu=500m")]
    NotPair(String),
    #[error("unknown limit `{0}`: the keys are cpu and memory")]
    UnknownKey(String),
    #[error(
        "cpu `{0}` is not a CPU quantity: a number of CPUs (1.5) or millicores (500m), at least 10m"
    )]
    Cpu(String),
    #[error(
        "memory `{0}` is not a memory quantity: bytes with an optional suffix Ki, Mi, Gi, Ti (powers of 1024) or k, M, G, T (powers of 1000), at least 4Mi"
    )]
    Memory(String),
    #[error("{0} is given twice")]
    Twice(&'static str),
}

fn cpu(q: &str) -> Option<f64> {
    let v = match q.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok()? / 1000.0,
        None => q.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.01).then_some(v)
}

fn memory(q: &str) -> Option<u64> {
    const SUFFIXES: [(&str, f64); 8] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(s, f)| q.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((q, 1.0));
    let v = number.parse::<f64>().ok()? * scale;
    (v.is_finite() && v >= 4.0 * 1048576.0).then_some(v as u64)
}

impl FromStr for Limits {
    type Err = LimitsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut limits = Limits {
            cpu: None,
            memory_bytes: None,
        };
        let s = s.trim();
        if s.is_empty() {
            return Err(LimitsError::Empty);
        }
        for part in s.split(',').map(str::trim) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| LimitsError::NotPair(part.to_owned()))?;
            match key.trim() {
                "cpu" => {
                    if limits.cpu.is_some() {
                        return Err(LimitsError::Twice("cpu"));
                    }
                    limits.cpu =
                        Some(cpu(value.trim()).ok_or_else(|| LimitsError::Cpu(value.into()))?);
                }
                "memory" => {
                    if limits.memory_bytes.is_some() {
                        return Err(LimitsError::Twice("memory"));
                    }
                    limits.memory_bytes = Some(
                        memory(value.trim()).ok_or_else(|| LimitsError::Memory(value.into()))?,
                    );
                }
                other => return Err(LimitsError::UnknownKey(other.to_owned())),
            }
        }
        Ok(limits)
    }
}

impl fmt::Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = self.cpu {
            parts.push(format!("cpu={c}"));
        }
        if let Some(m) = self.memory_bytes {
            parts.push(if m % 1048576 == 0 {
                format!("memory={}Mi", m / 1048576)
            } else {
                format!("memory={m}")
            });
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_quantities_parse() {
        let l: Limits = "cpu=1.5,memory=256Mi".parse().unwrap();
        assert_eq!(l.cpu, Some(1.5));
        assert_eq!(l.memory_bytes, Some(256 << 20));
        assert_eq!(l.quota_us(), Some(150_000));
        assert_eq!(l.to_string(), "cpu=1.5,memory=256Mi");
        let l: Limits = "cpu=500m".parse().unwrap();
        assert_eq!(l.cpu, Some(0.5));
        assert_eq!(l.memory_bytes, None);
        let l: Limits = " memory = 1G ".parse().unwrap();
        assert_eq!(l.memory_bytes, Some(1_000_000_000));
        assert_eq!(
            "memory=1Gi".parse::<Limits>().unwrap().memory_bytes,
            Some(1 << 30)
        );
    }

    #[test]
    fn bad_limits_say_what_is_wrong() {
        for (input, want) in [
            ("", LimitsError::Empty),
            ("cpu", LimitsError::NotPair("cpu".into())),
            ("cpus=1", LimitsError::UnknownKey("cpus".into())),
            ("cpu=lots", LimitsError::Cpu("lots".into())),
            ("cpu=1m", LimitsError::Cpu("1m".into())),
            ("memory=256MB", LimitsError::Memory("256MB".into())),
            ("memory=1Mi", LimitsError::Memory("1Mi".into())),
            ("cpu=1,cpu=2", LimitsError::Twice("cpu")),
        ] {
            assert_eq!(input.parse::<Limits>().unwrap_err(), want, "{input}");
        }
    }
}
