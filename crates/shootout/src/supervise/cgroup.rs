//! A cgroup per contender, as a container runtime makes one for a pod's
//! container: a CFS CPU quota (period 100 ms) and a memory limit without
//! swap. cgroup v2 is used when its `cpu` and `memory` controllers can be
//! written; otherwise the v1 `cpu` and `memory` hierarchies. The process
//! joins its cgroup between fork and exec, so its runtime sees the limits
//! from its first instruction (Go reads its CPU limit for `GOMAXPROCS` at
//! start, Node.js sizes its heap from the memory limit).

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::supervise::limits::{CFS_PERIOD_US, Limits};

const V2: &str = "/sys/fs/cgroup";
const V2_UNIFIED: &str = "/sys/fs/cgroup/unified";
const V1_CPU: &str = "/sys/fs/cgroup/cpu";
const V1_MEMORY: &str = "/sys/fs/cgroup/memory";

/// Why limits cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error(
        "--limits needs a writable cgroup: neither cgroup v2 with the cpu and memory controllers ({V2} or {V2_UNIFIED}) nor the v1 cpu and memory hierarchies ({V1_CPU}, {V1_MEMORY}) can be written here ({0}). Run as root on a machine whose cgroups are writable, or drop --limits (CPU pinning is used then)"
    )]
    Unavailable(#[source] Box<CgroupError>),
    #[error("cgroup {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Which cgroup interface the limits went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Version {
    V1,
    V2,
}

/// What a cgroup counted for its processes: the CPU periods, how many were
/// throttled and for how long, the memory peak and OOM kills.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_s: f64,
    /// Highest memory charged to the cgroup (RSS, page cache, kernel), bytes.
    pub memory_peak_bytes: u64,
    /// Processes the kernel killed for the memory limit.
    pub oom_kills: u64,
}

impl Usage {
    /// What happened between `earlier` and `self` (the peak is not a
    /// counter: it stays the peak).
    pub fn since(&self, earlier: &Usage) -> Usage {
        Usage {
            periods: self.periods.saturating_sub(earlier.periods),
            throttled_periods: self
                .throttled_periods
                .saturating_sub(earlier.throttled_periods),
            throttled_s: (self.throttled_s - earlier.throttled_s).max(0.0),
            memory_peak_bytes: self.memory_peak_bytes,
            oom_kills: self.oom_kills.saturating_sub(earlier.oom_kills),
        }
    }
}

/// One contender's cgroup (one directory per controller on v1). Removed
/// when dropped, once its processes are gone.
#[derive(Debug)]
pub struct Cgroup {
    pub version: Version,
    pub limits: Limits,
    dirs: Vec<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CgroupError + '_ {
    move |source| CgroupError::Io {
        path: path.to_owned(),
        source,
    }
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    fs::write(path, value).map_err(io_err(path))
}

/// The CPU quota this process runs under, in CPUs: the smallest of its
/// cgroup's and its ancestors' CFS quotas (v1 `cpu.cfs_quota_us` or v2
/// `cpu.max`); `None` when there is none. A pod's `limits.cpu` is one.
pub fn own_cpu_quota() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut best: Option<f64> = None;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        let (root, v1) = if controllers.split(',').any(|c| c == "cpu") {
            (PathBuf::from(V1_CPU), true)
        } else if controllers.is_empty() {
            (PathBuf::from(V2), false)
        } else {
            continue;
        };
        let mut dir = root.join(path.trim_start_matches('/'));
        loop {
            let quota = if v1 {
                let q = std::fs::read_to_string(dir.join("cpu.cfs_quota_us")).ok();
                let p = std::fs::read_to_string(dir.join("cpu.cfs_period_us")).ok();
                match (q, p) {
                    (Some(q), Some(p)) => parse_quota(q.trim(), p.trim()),
                    _ => None,
                }
            } else {
                std::fs::read_to_string(dir.join("cpu.max"))
                    .ok()
                    .and_then(|m| {
                        let (q, p) = m.trim().split_once(' ')?;
                        parse_quota(q, p)
                    })
            };
            if let Some(q) = quota {
                best = Some(best.map_or(q, |b: f64| b.min(q)));
            }
            if dir == root || !dir.pop() {
                break;
            }
        }
    }
    best
}

/// A quota and its period (`-1` or `max`: none) as CPUs.
fn parse_quota(quota: &str, period: &str) -> Option<f64> {
    let q: f64 = quota.parse().ok().filter(|q: &f64| *q > 0.0)?;
    let p: f64 = period.parse().ok().filter(|p: &f64| *p > 0.0)?;
    Some(q / p)
}

fn v2_root() -> Option<&'static str> {
    [V2, V2_UNIFIED].into_iter().find(|root| {
        fs::read_to_string(Path::new(root).join("cgroup.controllers")).is_ok_and(|c| {
            let c: Vec<&str> = c.split_whitespace().collect();
            c.contains(&"cpu") && c.contains(&"memory")
        })
    })
}

fn unique(name: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{clean}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Cgroup {
    /// Makes the cgroup for a contender called `name` with `limits`.
    pub fn create(name: &str, limits: Limits) -> Result<Self, CgroupError> {
        let leaf = unique(name);
        if let Some(root) = v2_root() {
            let parent = Path::new(root).join("shootout");
            if let Ok(dirs) = Self::v2(&parent, &leaf, limits) {
                return Ok(Cgroup {
                    version: Version::V2,
                    limits,
                    dirs,
                });
            }
        }
        let dirs = Self::v1(&leaf, limits)?;
        Ok(Cgroup {
            version: Version::V1,
            limits,
            dirs,
        })
    }

    fn v2(parent: &Path, leaf: &str, limits: Limits) -> Result<Vec<PathBuf>, CgroupError> {
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        // Controllers must be enabled for the children of `parent`.
        let _ = fs::write(parent.join("cgroup.subtree_control"), "+cpu +memory");
        let dir = parent.join(leaf);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let undo = |e| {
            let _ = fs::remove_dir(&dir);
            e
        };
        let cpu = limits
            .quota_us()
            .map_or("max".to_owned(), |q| q.to_string());
        write(&dir.join("cpu.max"), &format!("{cpu} {CFS_PERIOD_US}")).map_err(undo)?;
        let memory = limits
            .memory_bytes
            .map_or("max".to_owned(), |m| m.to_string());
        write(&dir.join("memory.max"), &memory).map_err(undo)?;
        let _ = fs::write(dir.join("memory.swap.max"), "0");
        Ok(vec![dir])
    }

    fn v1(leaf: &str, limits: Limits) -> Result<Vec<PathBuf>, CgroupError> {
        let mut dirs = Vec::new();
        let made: Result<(), CgroupError> = (|| {
            for root in [V1_CPU, V1_MEMORY] {
                let dir = Path::new(root).join("shootout").join(leaf);
                fs::create_dir_all(&dir).map_err(io_err(&dir))?;
                dirs.push(dir);
            }
            let (cpu, memory) = (&dirs[0], &dirs[1]);
            write(&cpu.join("cpu.cfs_period_us"), &CFS_PERIOD_US.to_string())?;
            let quota = limits.quota_us().map_or(-1, |q| q as i64);
            write(&cpu.join("cpu.cfs_quota_us"), &quota.to_string())?;
            if let Some(m) = limits.memory_bytes {
                write(&memory.join("memory.limit_in_bytes"), &m.to_string())?;
                // No swap, as Kubernetes runs pods (absent without swap accounting).
                let _ = fs::write(memory.join("memory.memsw.limit_in_bytes"), m.to_string());
            }
            Ok(())
        })();
        match made {
            Ok(()) => Ok(dirs),
            Err(e) => {
                for d in dirs.iter().rev() {
                    let _ = fs::remove_dir(d);
                }
                Err(CgroupError::Unavailable(Box::new(e)))
            }
        }
    }

    /// The `cgroup.procs` files a process writes itself into (one per
    /// controller on v1), opened now so that joining between fork and exec
    /// needs no allocation.
    pub fn procs_files(&self) -> Result<Vec<File>, CgroupError> {
        self.dirs
            .iter()
            .map(|d| {
                let p = d.join("cgroup.procs");
                fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .map_err(io_err(&p))
            })
            .collect()
    }

    fn read(&self, file: &str) -> String {
        self.dirs
            .iter()
            .map(|d| d.join(file))
            .find(|p| p.exists())
            .and_then(|p| fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// What the cgroup has counted so far.
    pub fn usage(&self) -> Usage {
        let field = |text: &str, key: &str| -> u64 {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
                .unwrap_or(0)
        };
        let cpu = self.read("cpu.stat");
        match self.version {
            Version::V1 => {
                let oom = self.read("memory.oom_control");
                Usage {
                    periods: field(&cpu, "nr_periods "),
                    throttled_periods: field(&cpu, "nr_throttled "),
                    throttled_s: field(&cpu, "throttled_time ") as f64 / 1e9,
                    memory_peak_bytes: self
                        .read("memory.max_usage_in_bytes")
                        .trim()
                        .parse()
                        .unwrap_or(0),
                    oom_kills: field(&oom, "oom_kill "),
                }
            }
            Version::V2 => {
                let events = self.read("memory.events");
                Usage {
                    periods: field(&cpu, "nr_periods "),
                    throttled_periods: field(&cpu, "nr_throttled "),
                    throttled_s: field(&cpu, "throttled_usec ") as f64 / 1e6,
                    memory_peak_bytes: self.read("memory.peak").trim().parse().unwrap_or(0),
                    oom_kills: field(&events, "oom_kill "),
                }
            }
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // Empty once its processes are reaped; a moment's retries cover the
        // kernel's own bookkeeping.
        for d in &self.dirs {
            for _ in 0..50 {
                if fs::remove_dir(d).is_ok() || !d.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_read_as_cpus() {
        assert_eq!(parse_quota("50000", "100000"), Some(0.5));
        assert_eq!(parse_quota("-1", "100000"), None);
        assert_eq!(parse_quota("max", "100000"), None);
    }

    #[test]
    fn usage_since_subtracts_counters_and_keeps_the_peak() {
        let a = Usage {
            periods: 10,
            throttled_periods: 2,
            throttled_s: 0.5,
            memory_peak_bytes: 100,
            oom_kills: 0,
        };
        let b = Usage {
            periods: 30,
            throttled_periods: 12,
            throttled_s: 1.5,
            memory_peak_bytes: 300,
            oom_kills: 1,
        };
        let d = b.since(&a);
        assert_eq!((d.periods, d.throttled_periods, d.oom_kills), (20, 10, 1));
        assert!((d.throttled_s - 1.0).abs() < 1e-9);
        assert_eq!(d.memory_peak_bytes, 300);
    }
}
