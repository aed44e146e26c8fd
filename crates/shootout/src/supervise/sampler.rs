//! Resource sampling from `/proc`, for a process and everything it starts.
//!
//! Every tick (50 ms by default) reads `/proc/PID/stat` of each process in
//! the tree: resident memory, CPU user and system time, thread count. Once a
//! second it rediscovers the tree (through `/proc/PID/task/*/children`),
//! counts open file descriptors and reads PSS from `smaps_rollup`, which
//! cost more (PSS every 5 s). The sampler runs on its own thread, pinned away from the
//! service when asked; `bench/sampler.sh` measures its own cost.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cpuset::CpuSet;

/// One reading of the whole tree.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Sample {
    /// Milliseconds since the sampler started.
    pub t_ms: f64,
    pub rss_bytes: u64,
    /// Proportional set size, refreshed once a second; `None` where the kernel lacks smaps_rollup.
    pub pss_bytes: Option<u64>,
    /// CPU seconds used so far (user, system), including exited children that were waited for.
    pub cpu_user_s: f64,
    pub cpu_system_s: f64,
    pub threads: u64,
    /// Open file descriptors, refreshed once a second.
    pub fds: u64,
    pub processes: u64,
}

/// Summary of a series, or of a window of it. Part of the results schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct Summary {
    pub samples: usize,
    pub rss_first_bytes: u64,
    pub rss_peak_bytes: u64,
    pub rss_mean_bytes: u64,
    pub rss_last_bytes: u64,
    pub pss_last_bytes: Option<u64>,
    /// CPU seconds (user + system) consumed over the window.
    pub cpu_seconds: f64,
    /// `cpu_seconds` divided by the window's length: CPUs kept busy on average.
    pub cpu_utilization: f64,
    pub threads_peak: u64,
    pub fds_peak: u64,
}

/// A running sampler; `finish` stops it and returns the series.
#[derive(Debug)]
pub struct Sampler {
    stop: Arc<AtomicBool>,
    series: Arc<Mutex<Vec<Sample>>>,
    handle: Option<JoinHandle<()>>,
    started: Instant,
}

/// Fields of `/proc/PID/stat` after the command name.
struct Stat {
    utime: u64,
    stime: u64,
    cutime: u64,
    cstime: u64,
    threads: u64,
    rss_pages: u64,
}

/// Reads `/proc/PID/stat` through a file kept open between ticks: one
/// `pread` a tick instead of open, read and close.
fn read_stat(pid: u32, files: &mut HashMap<u32, File>, buf: &mut Vec<u8>) -> Option<Stat> {
    use std::os::unix::fs::FileExt;
    if let std::collections::hash_map::Entry::Vacant(e) = files.entry(pid) {
        e.insert(File::open(format!("/proc/{pid}/stat")).ok()?);
    }
    let file = files.get(&pid)?;
    buf.resize(1024, 0);
    let n = match file.read_at(buf, 0) {
        Ok(n) if n > 0 => n,
        _ => {
            files.remove(&pid);
            return None;
        }
    };
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    let buf = text;
    // The command name may hold spaces and parentheses: parse after the last ')'.
    let rest = &buf[buf.rfind(')')? + 2..];
    // Field numbers from proc(5), minus 3 (pid, comm and state precede `rest[0]`):
    // utime 11, stime 12, cutime 13, cstime 14, num_threads 17, rss 21.
    let mut f = [0u64; 22];
    for (i, v) in rest.split_ascii_whitespace().take(22).enumerate() {
        if matches!(i, 11..=14 | 17 | 21) {
            f[i] = v.parse().ok()?;
        }
    }
    Some(Stat {
        utime: f[11],
        stime: f[12],
        cutime: f[13],
        cstime: f[14],
        threads: f[17],
        rss_pages: f[21],
    })
}

/// `pid` and all its descendants.
pub fn process_tree(pid: u32) -> Vec<u32> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        if !seen.insert(p) {
            continue;
        }
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            if let Ok(children) = std::fs::read_to_string(task.path().join("children")) {
                stack.extend(
                    children
                        .split_ascii_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
    }
    seen.into_iter().collect()
}

fn count_fds(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64)
}

fn read_pss(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let line = text.lines().find(|l| l.starts_with("Pss:"))?;
    let kb: u64 = line.split_ascii_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reads the tree once. Slow parts (`fds`, `pss`) only when `full`, PSS only
/// every [`PSS_EVERY`] full reads.
struct Reader {
    root: u32,
    tree: Vec<u32>,
    files: HashMap<u32, File>,
    buf: Vec<u8>,
    tick: f64,
    page: u64,
    fds: u64,
    pss: Option<u64>,
    full_reads: u32,
}

/// PSS is refreshed on every this-many-th full read (every 5 s).
const PSS_EVERY: u32 = 5;

impl Reader {
    fn new(root: u32) -> Self {
        Self {
            root,
            tree: vec![root],
            files: HashMap::new(),
            buf: Vec::with_capacity(1024),
            tick: crate::sys::ticks_per_second(),
            page: crate::sys::page_size(),
            fds: 0,
            pss: None,
            full_reads: 0,
        }
    }

    fn read(&mut self, t_ms: f64, full: bool) -> Option<Sample> {
        if full {
            self.tree = process_tree(self.root);
            let tree = &self.tree;
            self.files.retain(|pid, _| tree.contains(pid));
            self.fds = self.tree.iter().map(|&p| count_fds(p)).sum();
            // smaps_rollup walks every mapping: the dearest read, so the rarest.
            if self.full_reads % PSS_EVERY == 0 {
                let pss: Vec<Option<u64>> = self.tree.iter().map(|&p| read_pss(p)).collect();
                self.pss = pss
                    .iter()
                    .all(Option::is_some)
                    .then(|| pss.iter().flatten().sum());
            }
            self.full_reads += 1;
        }
        let mut sample = Sample {
            t_ms,
            rss_bytes: 0,
            pss_bytes: self.pss,
            cpu_user_s: 0.0,
            cpu_system_s: 0.0,
            threads: 0,
            fds: self.fds,
            processes: 0,
        };
        let mut any = false;
        for &pid in &self.tree {
            if let Some(s) = read_stat(pid, &mut self.files, &mut self.buf) {
                any = true;
                sample.rss_bytes += s.rss_pages * self.page;
                sample.cpu_user_s += (s.utime + s.cutime) as f64 / self.tick;
                sample.cpu_system_s += (s.stime + s.cstime) as f64 / self.tick;
                sample.threads += s.threads;
                sample.processes += 1;
            }
        }
        any.then_some(sample)
    }
}

impl Sampler {
    /// Starts sampling `pid`'s tree every `interval`, on a thread pinned to `cpus`.
    pub fn start(pid: u32, interval: Duration, cpus: Option<CpuSet>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let series = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let (s, data) = (stop.clone(), series.clone());
        let handle = std::thread::Builder::new()
            .name("sampler".into())
            .spawn(move || {
                if let Some(cpus) = cpus {
                    let _ = cpus.pin_current();
                }
                let mut reader = Reader::new(pid);
                let mut next_full = started;
                let mut next = started;
                while !s.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    let full = now >= next_full;
                    if full {
                        next_full = now + Duration::from_secs(1);
                    }
                    let t_ms = now.duration_since(started).as_secs_f64() * 1e3;
                    match reader.read(t_ms, full) {
                        Some(sample) => data.lock().unwrap_or_else(|p| p.into_inner()).push(sample),
                        None => break, // the process is gone
                    }
                    next += interval;
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    } else {
                        next = now;
                    }
                }
            })
            .ok();
        Self {
            stop,
            series,
            handle,
            started,
        }
    }

    /// Milliseconds since the sampler started, for marking windows.
    pub fn now_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1e3
    }

    /// A copy of the samples so far.
    pub fn snapshot(&self) -> Vec<Sample> {
        self.series
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stops sampling and returns the series.
    pub fn finish(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        std::mem::take(&mut *self.series.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Summarizes the samples whose time lies in `from_ms..=to_ms`.
pub fn summarize(series: &[Sample], from_ms: f64, to_ms: f64) -> Option<Summary> {
    let window: Vec<&Sample> = series
        .iter()
        .filter(|s| s.t_ms >= from_ms && s.t_ms <= to_ms)
        .collect();
    let (first, last) = (window.first()?, window.last()?);
    let cpu = |s: &Sample| s.cpu_user_s + s.cpu_system_s;
    let seconds = ((last.t_ms - first.t_ms) / 1e3).max(1e-9);
    let cpu_seconds = (cpu(last) - cpu(first)).max(0.0);
    Some(Summary {
        samples: window.len(),
        rss_first_bytes: first.rss_bytes,
        rss_peak_bytes: window.iter().map(|s| s.rss_bytes).max().unwrap_or(0),
        rss_mean_bytes: window.iter().map(|s| s.rss_bytes).sum::<u64>() / window.len() as u64,
        rss_last_bytes: last.rss_bytes,
        pss_last_bytes: last.pss_bytes,
        cpu_seconds,
        cpu_utilization: if window.len() > 1 {
            cpu_seconds / seconds
        } else {
            0.0
        },
        threads_peak: window.iter().map(|s| s.threads).max().unwrap_or(0),
        fds_peak: window.iter().map(|s| s.fds).max().unwrap_or(0),
    })
}

/// RSS of `pid`'s whole tree right now, in bytes.
pub fn tree_rss(pid: u32) -> Option<u64> {
    Reader::new(pid).read(0.0, true).map(|s| s.rss_bytes)
}

/// What every open descriptor of `pid`'s whole tree points at right now
/// (`socket:[123]`, a path, …), one entry per descriptor; `None` when the
/// process is gone.
pub fn tree_fd_targets(pid: u32) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for p in process_tree(pid) {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{p}/fd")) else {
            if p == pid {
                return None;
            }
            continue;
        };
        out.extend(dir.flatten().filter_map(|e| {
            std::fs::read_link(e.path())
                .ok()
                .map(|t| t.to_string_lossy().into_owned())
        }));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let mut reader = Reader::new(std::process::id());
        let s = reader.read(0.0, true).expect("own /proc entry");
        assert!(s.rss_bytes > 1 << 20, "{s:?}");
        assert!(s.threads >= 1 && s.fds >= 3 && s.processes >= 1, "{s:?}");
    }

    #[test]
    fn summaries_cover_their_window() {
        let at = |t: f64, rss: u64, cpu: f64| Sample {
            t_ms: t,
            rss_bytes: rss,
            pss_bytes: None,
            cpu_user_s: cpu,
            cpu_system_s: 0.0,
            threads: 2,
            fds: 5,
            processes: 1,
        };
        let series = [
            at(0.0, 10, 0.0),
            at(1000.0, 30, 0.5),
            at(2000.0, 20, 1.5),
            at(3000.0, 10, 1.5),
        ];
        let s = summarize(&series, 1000.0, 2000.0).unwrap();
        assert_eq!(
            (
                s.samples,
                s.rss_first_bytes,
                s.rss_peak_bytes,
                s.rss_last_bytes
            ),
            (2, 30, 30, 20)
        );
        assert!((s.cpu_seconds - 1.0).abs() < 1e-9 && (s.cpu_utilization - 1.0).abs() < 1e-9);
        assert!(summarize(&series, 5000.0, 6000.0).is_none());
    }
}
