//! What a worker records and how workers' records merge.
//!
//! Latencies go into HDR histograms (microsecond resolution, 3 significant
//! digits, fixed memory however long the run), one set per worker, merged
//! once at the end: merging HDR histograms is exact, so the merged
//! percentiles are those of the whole run, not an average of averages.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Highest latency a histogram holds: one hour, in microseconds.
pub const MAX_MICROS: u64 = 3_600_000_000;

/// A latency histogram in microseconds.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("static bounds are valid")
}

/// A coarser histogram for one second of the timeline (2 significant digits).
fn second_histogram() -> Histogram<u32> {
    Histogram::new_with_bounds(1, MAX_MICROS, 2).expect("static bounds are valid")
}

pub fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).clamp(1, MAX_MICROS)
}

/// Why a request got no response. Failed requests are data, counted by kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The TCP connection could not be opened.
    Connect,
    /// The response was malformed or the connection closed mid-response.
    Read,
    /// No complete response within `--timeout`.
    Timeout,
    /// The peer reset the connection (ECONNRESET, EPIPE).
    Reset,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 4] = [Self::Connect, Self::Read, Self::Timeout, Self::Reset];

    pub fn name(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Read => "read",
            Self::Timeout => "timeout",
            Self::Reset => "reset",
        }
    }
}

/// One second of the timeline as a worker saw it.
#[derive(Debug)]
pub struct SecondSample {
    pub second: u64,
    pub requests: u64,
    pub errors: u64,
    pub latency: Histogram<u32>,
}

/// Everything one worker measured after warm-up.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Latency from the intended send time (open model) or the actual send (closed).
    pub corrected: Histogram<u64>,
    /// Latency from the actual send: the service time alone.
    pub uncorrected: Histogram<u64>,
    /// Open model: actual send minus intended send.
    pub slip: Histogram<u64>,
    pub status: BTreeMap<u16, u64>,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub bytes: u64,
    /// Sends more than 1 ms behind schedule (open model).
    pub late: u64,
    /// Scheduled requests never sent: no connection was free before the timeout.
    pub unsent: u64,
    /// Responses whose content was checked, and those that failed the check.
    pub checked: u64,
    pub check_failures: u64,
    /// The first few failed checks, for the report.
    pub check_examples: Vec<String>,
    /// Responses, and 2xx responses, completed inside the measured window
    /// (duration mode), warm-up requests' included: throughput counts these,
    /// not the drain after.
    pub in_window: u64,
    pub in_window_2xx: u64,
    current_second: Option<(u64, u64, u64, Histogram<u32>)>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            corrected: histogram(),
            uncorrected: histogram(),
            slip: histogram(),
            status: BTreeMap::new(),
            errors: BTreeMap::new(),
            bytes: 0,
            late: 0,
            unsent: 0,
            checked: 0,
            check_failures: 0,
            check_examples: Vec::new(),
            in_window: 0,
            in_window_2xx: 0,
            current_second: None,
        }
    }
}

/// Failed checks kept verbatim per worker.
const MAX_EXAMPLES: usize = 5;

impl Recorder {
    /// An answer inside the measured window (duration mode), counted in
    /// throughput: a measured request's, or a warm-up request's that the
    /// window caught (those are in no latency figure).
    pub fn answered_in_window(&mut self, status: u16) {
        self.in_window += 1;
        self.in_window_2xx += u64::from((200..300).contains(&status));
    }

    /// A completed response.
    pub fn response(
        &mut self,
        status: u16,
        bytes: u64,
        corrected: Duration,
        uncorrected: Duration,
        in_window: bool,
    ) {
        if in_window {
            self.answered_in_window(status);
        }
        let c = micros(corrected);
        self.corrected.saturating_record(c);
        self.uncorrected.saturating_record(micros(uncorrected));
        *self.status.entry(status).or_default() += 1;
        self.bytes += bytes;
        if let Some((_, requests, _, hist)) = &mut self.current_second {
            *requests += 1;
            hist.saturating_record(c);
        }
    }

    pub fn error(&mut self, kind: ErrorKind) {
        *self.errors.entry(kind).or_default() += 1;
        if let Some((_, _, errors, _)) = &mut self.current_second {
            *errors += 1;
        }
    }

    pub fn check(&mut self, result: Result<(), crate::contract::checks::WrongAnswer>) {
        self.checked += 1;
        if let Err(e) = result {
            self.check_failures += 1;
            if self.check_examples.len() < MAX_EXAMPLES {
                self.check_examples.push(e.to_string());
            }
        }
    }

    /// Open model: the request went out `slip` after its intended time.
    pub fn sent(&mut self, slip: Duration) {
        self.slip.saturating_record(micros(slip));
        if slip > Duration::from_millis(1) {
            self.late += 1;
        }
    }

    /// Starts timeline second `second`, returning the one it ends.
    pub fn rotate(&mut self, second: u64) -> Option<SecondSample> {
        let next = Some((second, 0, 0, second_histogram()));
        std::mem::replace(&mut self.current_second, next).map(
            |(second, requests, errors, latency)| SecondSample {
                second,
                requests,
                errors,
                latency,
            },
        )
    }

    /// Ends the timeline, returning the last partial second.
    pub fn finish_timeline(&mut self) -> Option<SecondSample> {
        self.current_second
            .take()
            .map(|(second, requests, errors, latency)| SecondSample {
                second,
                requests,
                errors,
                latency,
            })
    }

    pub fn completed(&self) -> u64 {
        self.corrected.len()
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Adds `other` into `self`. Exact for every counter and histogram.
    pub fn merge(&mut self, other: &Recorder) {
        self.in_window += other.in_window;
        self.in_window_2xx += other.in_window_2xx;
        self.corrected.add(&other.corrected).expect("same bounds");
        self.uncorrected
            .add(&other.uncorrected)
            .expect("same bounds");
        self.slip.add(&other.slip).expect("same bounds");
        for (k, v) in &other.status {
            *self.status.entry(*k).or_default() += v;
        }
        for (k, v) in &other.errors {
            *self.errors.entry(*k).or_default() += v;
        }
        self.bytes += other.bytes;
        self.late += other.late;
        self.unsent += other.unsent;
        self.checked += other.checked;
        self.check_failures += other.check_failures;
        for e in &other.check_examples {
            if self.check_examples.len() < MAX_EXAMPLES {
                self.check_examples.push(e.clone());
            }
        }
    }
}

/// One second of the merged timeline. Part of the `--json` schema.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct TimelinePoint {
    /// Seconds since the end of warm-up.
    pub second: u64,
    pub requests: u64,
    pub errors: u64,
    /// Median latency of the responses completed in that second (µs); null when none.
    pub p50_us: Option<u64>,
    pub p99_us: Option<u64>,
}

/// Merges workers' seconds as they arrive; a second is final once every
/// worker has sent it, so memory stays flat however long the run.
#[derive(Debug)]
pub struct Timeline {
    workers: usize,
    pending: BTreeMap<u64, (usize, u64, u64, Histogram<u32>)>,
    pub points: Vec<TimelinePoint>,
}

impl Timeline {
    pub fn new(workers: usize) -> Self {
        Self {
            workers,
            pending: BTreeMap::new(),
            points: Vec::new(),
        }
    }

    pub fn add(&mut self, sample: SecondSample) {
        let entry = self
            .pending
            .entry(sample.second)
            .or_insert_with(|| (0, 0, 0, second_histogram()));
        entry.0 += 1;
        entry.1 += sample.requests;
        entry.2 += sample.errors;
        entry.3.add(&sample.latency).expect("same bounds");
        if entry.0 == self.workers {
            if let Some(done) = self.pending.remove(&sample.second) {
                self.finalize(sample.second, done);
            }
        }
    }

    fn finalize(
        &mut self,
        second: u64,
        (_, requests, errors, hist): (usize, u64, u64, Histogram<u32>),
    ) {
        let some = |q: f64| (!hist.is_empty()).then(|| hist.value_at_quantile(q));
        self.points.push(TimelinePoint {
            second,
            requests,
            errors,
            p50_us: some(0.5),
            p99_us: some(0.99),
        });
    }

    /// Finalizes whatever is left (a worker that ended early sent fewer seconds).
    pub fn finish(mut self) -> Vec<TimelinePoint> {
        let pending = std::mem::take(&mut self.pending);
        for (second, entry) in pending {
            self.finalize(second, entry);
        }
        self.points.sort_by_key(|p| p.second);
        self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn merging_workers_is_exact() {
        // Two workers with disjoint halves of 1..=2000 ms; the merged
        // histogram must equal one that recorded everything.
        let (mut a, mut b, mut all) = (
            Recorder::default(),
            Recorder::default(),
            Recorder::default(),
        );
        for v in 1..=2000u64 {
            let w = if v % 2 == 0 { &mut a } else { &mut b };
            w.response(200, 10, ms(v), ms(v), true);
            all.response(200, 10, ms(v), ms(v), true);
        }
        a.error(ErrorKind::Timeout);
        b.error(ErrorKind::Timeout);
        b.response(503, 5, ms(1), ms(1), true);
        all.response(503, 5, ms(1), ms(1), true);
        a.merge(&b);
        assert_eq!(a.corrected, all.corrected);
        assert_eq!(a.completed(), 2001);
        for q in [0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
            assert_eq!(
                a.corrected.value_at_quantile(q),
                all.corrected.value_at_quantile(q)
            );
        }
        assert_eq!(a.status[&200], 2000);
        assert_eq!(a.status[&503], 1);
        assert_eq!(a.errors[&ErrorKind::Timeout], 2);
        assert_eq!(a.bytes, 2000 * 10 + 5);
        // Microsecond resolution, 3 significant digits.
        let p50 = a.corrected.value_at_quantile(0.5);
        assert!((999_000..=1_001_000).contains(&p50), "{p50}");
    }

    #[test]
    fn timeline_waits_for_every_worker() {
        let mut t = Timeline::new(2);
        let mut w1 = Recorder::default();
        let mut w2 = Recorder::default();
        w1.rotate(0);
        w2.rotate(0);
        w1.response(200, 1, ms(5), ms(5), true);
        w2.response(200, 1, ms(7), ms(7), true);
        w2.error(ErrorKind::Reset);
        t.add(w1.rotate(1).unwrap());
        assert!(
            t.points.is_empty(),
            "second 0 is not final until both workers sent it"
        );
        t.add(w2.rotate(1).unwrap());
        assert_eq!(t.points.len(), 1);
        assert_eq!((t.points[0].requests, t.points[0].errors), (2, 1));
        t.add(w1.finish_timeline().unwrap());
        let points = t.finish();
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].p50_us, None);
    }
}
