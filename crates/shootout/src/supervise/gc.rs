//! Garbage-collection pauses from a runtime's own trace, read off the
//! service's output as it runs: Go's `GODEBUG=gctrace=1` and V8's
//! `--trace-gc` print one line per collection, with its stop-the-world time.
//! The latency tail of a load run mixes GC with scheduling and the network;
//! these pauses are GC alone.

use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use crate::contenders::manifest::TraceFormat;

/// The stop-the-world pauses in one trace line, in milliseconds.
pub fn pauses(format: TraceFormat, line: &str) -> Vec<f64> {
    match format {
        TraceFormat::Go => {
            let Some(rest) = line.strip_prefix("gc ") else {
                return Vec::new();
            };
            let Some(triple) = rest
                .split_once("%: ")
                .and_then(|(_, r)| r.split_once(" ms clock"))
                .map(|(t, _)| t)
            else {
                return Vec::new();
            };
            let phases: Vec<f64> = triple.split('+').filter_map(|p| p.parse().ok()).collect();
            match phases.as_slice() {
                [sweep_term, _concurrent, mark_term] => vec![*sweep_term, *mark_term],
                _ => Vec::new(),
            }
        }
        TraceFormat::V8 => {
            if !line.contains(" ms: ") {
                return Vec::new();
            }
            let Some((_, after)) = line.rsplit_once("MB,") else {
                return Vec::new();
            };
            after
                .split_once(" / ")
                .and_then(|(pause, _)| pause.trim().parse::<f64>().ok())
                .into_iter()
                .collect()
        }
    }
}

/// The CPU time one collection took from the program, in milliseconds,
/// when the trace says it: Go's `ms cpu` group (stop-the-world sweep
/// termination, mark assist, background marking and mark termination,
/// summed; idle marking, which only runs on CPU nothing else wanted, left
/// out, as the pacer's 25% goal leaves it out). V8's
/// `--trace-gc` gives the main thread's pause only, not its helper
/// threads' time: `None`.
pub fn cpu_ms(format: TraceFormat, line: &str) -> Option<f64> {
    match format {
        TraceFormat::Go => {
            let rest = line.strip_prefix("gc ")?;
            let group = rest.split_once(" ms clock, ")?.1.split_once(" ms cpu")?.0;
            let parts: Vec<f64> = group
                .split(['+', '/'])
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            match parts.as_slice() {
                [sweep_term, assist, background, _idle, mark_term] => {
                    Some(sweep_term + assist + background + mark_term)
                }
                _ => None,
            }
        }
        TraceFormat::V8 => None,
    }
}

/// Pauses seen so far, and the CPU of each collection where the trace
/// gives it, with when their line arrived.
#[derive(Debug, Clone, Default)]
pub struct GcLog(Arc<Mutex<Log>>);

#[derive(Debug, Default)]
struct Log {
    pauses: Vec<(Instant, f64)>,
    cpu: Vec<(Instant, f64)>,
}

impl GcLog {
    /// Records the pauses of `line`, if it is a trace line.
    ///
    /// `true` when the line was a trace line (kept out of the output tail,
    /// so that a crash report shows the lines that explain the crash).
    pub fn observe(&self, format: TraceFormat, line: &str) -> bool {
        let found = pauses(format, line);
        if found.is_empty() {
            return false;
        }
        let now = Instant::now();
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log.pauses.extend(found.into_iter().map(|ms| (now, ms)));
        if let Some(ms) = cpu_ms(format, line) {
            log.cpu.push((now, ms));
        }
        true
    }

    /// The pauses whose line arrived between `from` and `to`.
    pub fn between(&self, from: Instant, to: Instant) -> Vec<f64> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        within(&log.pauses, from, to)
    }

    /// Milliseconds of GC CPU whose line arrived between `from` and `to`;
    /// `None` when the trace gives no CPU figure (V8) or no collection ran.
    pub fn cpu_between(&self, from: Instant, to: Instant) -> Option<f64> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let cpu = within(&log.cpu, from, to);
        (!cpu.is_empty()).then(|| cpu.iter().sum())
    }
}

fn within(entries: &[(Instant, f64)], from: Instant, to: Instant) -> Vec<f64> {
    entries
        .iter()
        .filter(|(at, _)| *at >= from && *at <= to)
        .map(|(_, ms)| *ms)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_lines_give_both_stop_the_world_phases() {
        let line = "gc 3 @0.020s 2%: 0.011+0.39+0.027 ms clock, 0.011+0.10/0.17/0+0.027 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P";
        assert_eq!(pauses(TraceFormat::Go, line), vec![0.011, 0.027]);
        assert!(pauses(TraceFormat::Go, "go-nethttp listening on :8080").is_empty());
    }

    #[test]
    fn go_lines_give_the_collections_cpu_and_v8_lines_none() {
        let line = "gc 3 @0.020s 2%: 0.011+0.39+0.027 ms clock, 0.12+0.38/0.52/0.17+0.024 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 8 P";
        let cpu = cpu_ms(TraceFormat::Go, line).unwrap();
        // 0.12 + 0.38 + 0.52 + 0.024: the idle marking (0.17) left out.
        assert!((cpu - 1.044).abs() < 1e-9, "{cpu}");
        assert_eq!(
            cpu_ms(
                TraceFormat::Go,
                "gc 3 @0.020s 2%: 0.011+0.39+0.027 ms clock"
            ),
            None
        );
        let scavenge = "[4242:0x5f1c2d0]       35 ms: Scavenge 3.9 (4.2) -> 3.4 (5.2) MB, pooled: 0 MB, 0.83 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure;";
        assert_eq!(cpu_ms(TraceFormat::V8, scavenge), None);
        let log = GcLog::default();
        let start = Instant::now();
        assert!(log.observe(TraceFormat::Go, line));
        assert!(log.observe(TraceFormat::Go, line));
        let got = log.cpu_between(start, Instant::now()).unwrap();
        assert!((got - 2.088).abs() < 1e-9, "{got}");
        let v8 = GcLog::default();
        assert!(v8.observe(TraceFormat::V8, scavenge));
        assert_eq!(v8.cpu_between(start, Instant::now()), None);
    }

    #[test]
    fn v8_lines_give_the_main_thread_pause() {
        let scavenge = "[4242:0x5f1c2d0]       35 ms: Scavenge 3.9 (4.2) -> 3.4 (5.2) MB, pooled: 0 MB, 0.83 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure;";
        assert_eq!(pauses(TraceFormat::V8, scavenge), vec![0.83]);
        let mark = "[4242:0x5f1c2d0]     1201 ms: Mark-Compact 12.1 (14.3) -> 8.4 (13.3) MB, pooled: 0 MB, 4.21 / 0.00 ms  (+ 3.2 ms in 12 steps since start of marking, biggest step 0.5 ms, walltime since start of marking 40 ms) finalize incremental marking via task; GC in old space requested";
        assert_eq!(pauses(TraceFormat::V8, mark), vec![4.21]);
        assert!(
            pauses(
                TraceFormat::V8,
                "node-fastify listening on http://127.0.0.1:1"
            )
            .is_empty()
        );
    }

    /// Trace lines are counted, not kept: a crash report's tail holds what
    /// the service said, not dozens of collections.
    #[test]
    fn only_trace_lines_are_observed() {
        let log = GcLog::default();
        let trace = "gc 3 @0.020s 2%: 0.011+0.39+0.027 ms clock, 0.011+0.10/0.17/0+0.027 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 1 P";
        assert!(log.observe(TraceFormat::Go, trace));
        assert!(!log.observe(TraceFormat::Go, "panic: runtime error: index out of range"));
    }
}
