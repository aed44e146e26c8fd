//! One load spread over several generators: `--shard I/N` runs shard I
//! (0-based, as a Kubernetes Indexed Job numbers its pods) of N, with its
//! share of the connections (closed model) or of the rate (open model, its
//! schedule offset by I/N of an interval so that the shards together send
//! on the one uniform schedule). Each shard's report carries its latency
//! histograms whole (HDR V2, deflated, base64), and [`merge`] adds them: the
//! merged percentiles are exactly those of one histogram holding every
//! sample.

use std::collections::BTreeMap;

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

/// `--shard I/N` is a load setting ([`super::config`]); named here too,
/// beside the merge of shards.
pub use super::config::Shard;
use super::record::TimelinePoint;
use super::report::{Histograms, Latency, LoadReport, ShardLine};

/// Shards whose starts differ by more than this are said to: a tenth of a
/// timeline second.
const START_SPREAD_MS: f64 = 100.0;

/// Why shard reports cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge")]
    Empty,
    #[error("{0} has no histograms: run each shard with --shard I/N (and --json)")]
    NoHistograms(String),
    #[error("{0}: its histogram does not decode: {1}")]
    Decode(String, String),
    #[error("the shards loaded different URLs ({0} and {1})")]
    Urls(String, String),
}

/// The histogram as text.
pub fn encode(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .expect("serializing into memory does not fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The histogram [`encode`] wrote.
pub fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| e.to_string())?;
    Deserializer::new()
        .deserialize(&mut &bytes[..])
        .map_err(|e| format!("{e:?}"))
}

/// Adds shard reports into one: histograms and counts summed, throughput
/// summed over the common window (the span every shard measured in, on the
/// reference's clock, from their per-second timelines), timelines added
/// second by second. A shard that started late or measured for a shorter
/// time than the others is named in the warnings, not averaged away.
pub fn merge(named: &[(String, LoadReport)]) -> Result<LoadReport, MergeError> {
    let (_, first) = named.first().ok_or(MergeError::Empty)?;
    let (latency, service) = summed_histograms(named, &first.url)?;
    let window = named
        .iter()
        .map(|(_, r)| r.elapsed_s)
        .fold(f64::INFINITY, f64::min);
    let mut out = first.clone();
    out.elapsed_s = window;
    out.completed = named.iter().map(|(_, r)| r.completed).sum();
    out.errors = named.iter().map(|(_, r)| r.errors).sum();
    out.bytes = named.iter().map(|(_, r)| r.bytes).sum();
    let common = common_window(named);
    throughput(&mut out, named, common.as_ref());
    out.latency = Latency::from_histogram(&latency);
    out.service_time = Latency::from_histogram(&service);
    counters(&mut out, named);
    line_up(&mut out, named);
    out.histograms = Some(Histograms {
        latency: encode(&latency),
        service_time: encode(&service),
    });
    warnings(&mut out, named, common.as_ref());
    Ok(out)
}

/// The shards' latency and service-time histograms, each summed; every
/// shard must have loaded `url`.
fn summed_histograms(
    named: &[(String, LoadReport)],
    url: &str,
) -> Result<(Histogram<u64>, Histogram<u64>), MergeError> {
    let mut latency: Option<Histogram<u64>> = None;
    let mut service: Option<Histogram<u64>> = None;
    for (name, r) in named {
        if r.url != url {
            return Err(MergeError::Urls(url.to_owned(), r.url.clone()));
        }
        let h = r
            .histograms
            .as_ref()
            .ok_or_else(|| MergeError::NoHistograms(name.clone()))?;
        let decoded = |t: &str| decode(t).map_err(|e| MergeError::Decode(name.clone(), e));
        let (l, s) = (decoded(&h.latency)?, decoded(&h.service_time)?);
        match (&mut latency, &mut service) {
            (Some(al), Some(asv)) => {
                al.add(&l)
                    .map_err(|e| MergeError::Decode(name.clone(), format!("{e:?}")))?;
                asv.add(&s)
                    .map_err(|e| MergeError::Decode(name.clone(), format!("{e:?}")))?;
            }
            _ => {
                latency = Some(l);
                service = Some(s);
            }
        }
    }
    Ok((latency.expect("one shard"), service.expect("one shard")))
}

/// Throughput over the window every shard measured in: what the shards
/// applied together. Without start times (results from before they were
/// recorded), each shard's rate over its own window, summed.
fn throughput(out: &mut LoadReport, named: &[(String, LoadReport)], common: Option<&Common>) {
    match common {
        Some(c) if c.seconds > 0.0 => {
            // Each shard's share of its own rates, as its requests in the
            // common window are of its requests per second overall.
            let share = |r: &LoadReport, n: f64| {
                if r.requests_per_s > 0.0 {
                    n / c.seconds / r.requests_per_s
                } else {
                    0.0
                }
            };
            out.elapsed_s = c.seconds;
            out.requests_per_s = c.requests.iter().sum::<f64>() / c.seconds;
            out.goodput_per_s = named
                .iter()
                .zip(&c.requests)
                .map(|((_, r), n)| r.goodput_per_s * share(r, *n))
                .sum();
            out.bytes_per_s = named
                .iter()
                .zip(&c.requests)
                .map(|((_, r), n)| r.bytes_per_s * share(r, *n))
                .sum();
        }
        _ => {
            out.requests_per_s = named.iter().map(|(_, r)| r.requests_per_s).sum();
            out.goodput_per_s = named.iter().map(|(_, r)| r.goodput_per_s).sum();
            out.bytes_per_s = named.iter().map(|(_, r)| r.bytes_per_s).sum();
        }
    }
}

/// Counts summed, the generator's figures combined; no shard or clock of its own.
fn counters(out: &mut LoadReport, named: &[(String, LoadReport)]) {
    out.status = sum_maps(named.iter().map(|(_, r)| &r.status));
    out.error_kinds = sum_maps(named.iter().map(|(_, r)| &r.error_kinds));
    out.verification.checked = named.iter().map(|(_, r)| r.verification.checked).sum();
    out.verification.failed = named.iter().map(|(_, r)| r.verification.failed).sum();
    out.generator.cpu_seconds = named.iter().map(|(_, r)| r.generator.cpu_seconds).sum();
    out.generator.capacity_cpus = named.iter().map(|(_, r)| r.generator.capacity_cpus).sum();
    out.generator.cpu_quota = None;
    out.generator.saturated = named.iter().any(|(_, r)| r.generator.saturated);
    out.generator.utilization = named
        .iter()
        .map(|(_, r)| r.generator.utilization)
        .fold(0.0, f64::max);
    out.shard = None;
    out.clock = None;
}

/// Start times on the reference's clock: the timelines added second by
/// second of wall clock, and each shard's line with its start.
fn line_up(out: &mut LoadReport, named: &[(String, LoadReport)]) {
    let starts: Vec<Option<f64>> = named
        .iter()
        .map(|(_, r)| {
            let offset_s = r.clock.map_or(0.0, |c| c.offset_ms / 1e3);
            r.started_unix_s.map(|t| t + offset_s)
        })
        .collect();
    let first_start = starts
        .iter()
        .flatten()
        .copied()
        .fold(f64::INFINITY, f64::min);
    out.started_unix_s = first_start.is_finite().then_some(first_start);
    // Second i of the merge is the same wall-clock second for every shard:
    // a shard that started a whole second late joins at second 1.
    out.timeline = add_timelines(named.iter().zip(&starts).map(|((_, r), start)| {
        let late = start.map_or(0.0, |t| t - first_start);
        (&r.timeline, late.round().max(0.0) as u64)
    }));
    out.shards = named
        .iter()
        .zip(&starts)
        .map(|((name, r), start)| ShardLine {
            name: name.clone(),
            shard: r.shard,
            completed: r.completed,
            requests_per_s: r.requests_per_s,
            elapsed_s: r.elapsed_s,
            clock: r.clock,
            start_ms: start.map(|t| (t - first_start) * 1e3),
        })
        .collect();
}

/// Each shard's warnings, named, and what makes the merge doubtful.
fn warnings(out: &mut LoadReport, named: &[(String, LoadReport)], common: Option<&Common>) {
    let longest = named.iter().map(|(_, r)| r.elapsed_s).fold(0.0, f64::max);
    out.warnings = named
        .iter()
        .flat_map(|(n, r)| r.warnings.iter().map(move |w| format!("{n}: {w}")))
        .collect();
    if common.is_some_and(|c| c.seconds <= 0.0) {
        out.warnings.push(
            "the shards' measured windows did not overlap: the rate is each shard's own, summed"
                .into(),
        );
    }
    let spread_ms = out
        .shards
        .iter()
        .filter_map(|s| s.start_ms)
        .fold(0.0, f64::max);
    if spread_ms > START_SPREAD_MS {
        out.warnings.push(format!(
            "the shards started {spread_ms:.0} ms apart: their seconds do not line up in the timeline (give them one --start-at, and --clock-ref when their hosts' clocks may differ)"
        ));
    }
    if named.iter().any(|(_, r)| r.clock.is_some()) && named.iter().any(|(_, r)| r.clock.is_none())
    {
        out.warnings.push("some shards measured their clock against --clock-ref and some did not: their start times are not comparable".into());
    }
    for (name, r) in named {
        if r.elapsed_s < longest - 0.5 {
            out.warnings.push(format!(
                "{name} measured {:.1} s, the longest shard {longest:.1} s: it started late or ended early",
                r.elapsed_s
            ));
        }
    }
    out.warnings.push(format!(
        "merged from {} shards: {}",
        named.len(),
        named
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if named.iter().any(|(_, r)| r.aborted.is_some()) {
        out.aborted = Some("a shard ended early (see warnings)".into());
    }
}

/// The `shootout load --json` result in a log (a pod's log, where stdout
/// and stderr are one stream, or `kubectl logs` saved to a file): the
/// first line that opens a JSON object, to the end of that object.
pub fn report_in_log(log: &str) -> Result<LoadReport, String> {
    let start = log
        .match_indices('{')
        .map(|(i, _)| i)
        .find(|&i| i == 0 || log.as_bytes()[i - 1] == b'\n')
        .ok_or("no JSON result in its log")?;
    let mut stream = serde_json::Deserializer::from_str(&log[start..]).into_iter::<LoadReport>();
    match stream.next() {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(format!("its log's JSON is not a load result: {e}")),
        None => Err("no JSON result in its log".into()),
    }
}

/// The window every shard measured in, on the reference's clock, and each
/// shard's requests inside it (from its per-second timeline, the seconds at
/// the edges prorated).
struct Common {
    seconds: f64,
    requests: Vec<f64>,
}

fn common_window(named: &[(String, LoadReport)]) -> Option<Common> {
    let spans: Vec<(f64, f64)> = named
        .iter()
        .map(|(_, r)| {
            let offset = r.clock.map_or(0.0, |c| c.offset_ms / 1e3);
            let from = r.started_unix_s? + offset + r.warmup_s;
            Some((from, from + r.elapsed_s))
        })
        .collect::<Option<_>>()?;
    let from = spans.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
    let to = spans.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    let requests = named
        .iter()
        .zip(&spans)
        .map(|((_, r), (start, _))| {
            let (lo, hi) = (from - start, to - start);
            r.timeline
                .iter()
                .map(|p| {
                    let (a, b) = (p.second as f64, p.second as f64 + 1.0);
                    let overlap = (b.min(hi) - a.max(lo)).max(0.0);
                    p.requests as f64 * overlap
                })
                .sum()
        })
        .collect();
    Some(Common {
        seconds: to - from,
        requests,
    })
}

fn sum_maps<'a>(maps: impl Iterator<Item = &'a BTreeMap<String, u64>>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for m in maps {
        for (k, v) in m {
            *out.entry(k.clone()).or_insert(0) += v;
        }
    }
    out
}

/// Adds timelines, each shifted by its shard's whole seconds of lateness:
/// counts add; a second's percentiles cannot be added without its
/// histogram, so the merge keeps the highest of the shards'.
fn add_timelines<'a>(
    lines: impl Iterator<Item = (&'a Vec<TimelinePoint>, u64)>,
) -> Vec<TimelinePoint> {
    let mut out: BTreeMap<u64, TimelinePoint> = BTreeMap::new();
    for (line, shift) in lines {
        for p in line {
            let second = p.second + shift;
            match out.get_mut(&second) {
                None => {
                    out.insert(
                        second,
                        TimelinePoint {
                            second,
                            ..p.clone()
                        },
                    );
                }
                Some(o) => {
                    o.requests += p.requests;
                    o.errors += p.errors;
                    o.p50_us = o.p50_us.max(p.p50_us);
                    o.p99_us = o.p99_us.max(p.p99_us);
                }
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::record::histogram;
    use std::time::Duration;

    /// A real (small) load result: 20 requests to the upstream simulator.
    fn small_report() -> LoadReport {
        use crate::load::{LoadConfig, Model, Stop};
        let rt = tokio::runtime::Runtime::new().unwrap();
        let state = crate::upstream::Upstream::new(Duration::from_millis(1));
        let server = rt
            .block_on(crate::upstream::start(([127, 0, 0, 1], 0).into(), state))
            .unwrap();
        let config = LoadConfig {
            shard: Some("0/2".parse().unwrap()),
            ..LoadConfig::for_test(
                &format!("{}/health", server.url()),
                Model::Closed { connections: 2 },
                Stop::Requests(20),
            )
        };
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        crate::load::run(config, stop).unwrap()
    }

    /// Shard 1 starts a second after shard 0: the merged rate is what both
    /// sent in the three seconds they measured together, not the sum of
    /// their own rates; windows that never overlap are said so.
    #[test]
    fn throughput_is_summed_over_the_common_window() {
        let measured = small_report();
        let shard = |start: f64| {
            let mut r = measured.clone();
            r.started_unix_s = Some(start);
            r.warmup_s = 0.0;
            r.elapsed_s = 4.0;
            r.requests_per_s = 100.0;
            r.goodput_per_s = 100.0;
            r.timeline = (0..4)
                .map(|second| TimelinePoint {
                    second,
                    requests: 100,
                    errors: 0,
                    p50_us: None,
                    p99_us: None,
                })
                .collect();
            r
        };
        let merged = merge(&[("a".into(), shard(1000.0)), ("b".into(), shard(1001.0))]).unwrap();
        assert!(
            (merged.elapsed_s - 3.0).abs() < 1e-9,
            "{}",
            merged.elapsed_s
        );
        assert!((merged.requests_per_s - 200.0).abs() < 1e-9);
        assert!((merged.goodput_per_s - 200.0).abs() < 1e-9);
        assert_eq!(merged.shards[1].start_ms.map(f64::round), Some(1000.0));
        assert!(
            merged
                .warnings
                .iter()
                .any(|w| w.contains("started 1000 ms apart"))
        );

        let apart = merge(&[("a".into(), shard(1000.0)), ("b".into(), shard(1010.0))]).unwrap();
        assert!(
            (apart.requests_per_s - 200.0).abs() < 1e-9,
            "each shard's own rate, summed"
        );
        assert!(apart.warnings.iter().any(|w| w.contains("did not overlap")));
    }

    /// One recorded run's samples dealt out to N shards: the merge of the
    /// shards' encoded histograms has every percentile and count of the
    /// histogram that held them all.
    #[test]
    fn the_merge_of_shard_histograms_is_exact() {
        let mut whole = histogram();
        let mut shards: Vec<Histogram<u64>> = (0..4).map(|_| histogram()).collect();
        let mut x: u64 = 0x9E37_79B9;
        for i in 0..200_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Heavy-tailed microseconds: mostly 100 µs–2 ms, a few seconds.
            let v = 100 + (x % 1_900) + if x % 997 == 0 { x % 3_000_000 } else { 0 };
            whole.record(v).unwrap();
            shards[(i % 4) as usize].record(v).unwrap();
        }
        let mut merged = decode(&encode(&shards[0])).unwrap();
        for s in &shards[1..] {
            merged.add(decode(&encode(s)).unwrap()).unwrap();
        }
        assert_eq!(merged.len(), whole.len());
        assert_eq!(
            Latency::from_histogram(&merged),
            Latency::from_histogram(&whole)
        );
        for q in [0.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0] {
            assert_eq!(
                merged.value_at_percentile(q),
                whole.value_at_percentile(q),
                "p{q}"
            );
        }
    }

    #[test]
    fn a_shard_result_is_found_in_a_log_with_other_lines() {
        let report = small_report();
        assert_eq!(report.completed, 20);
        let log = format!(
            "shootout: waiting for the barrier\n{}\nshootout: done\n",
            serde_json::to_string_pretty(&report).unwrap()
        );
        assert_eq!(report_in_log(&log).unwrap(), report);
        assert!(report_in_log("nothing here\n").is_err());
        let broken = report_in_log("{\"schema\": 1}\n").unwrap_err();
        assert!(broken.contains("not a load result"), "{broken}");
    }
}
