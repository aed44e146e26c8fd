//! The human summary of a load run ([`LoadReport`]), as `shootout load`,
//! `shootout merge` and `shootout-k8s run` print it: wrk's layout, readable
//! without colour.

use std::fmt::Write;

use super::Render;
use crate::load::config::{Model, Stop};
use crate::load::report::{Latency, LoadReport};
use crate::units::thousands;

impl Render for LoadReport {
    fn terminal(&self) -> String {
        let mut out = String::new();
        header(&mut out, self);
        latency_table(&mut out, self);
        totals(&mut out, self);
        counts(&mut out, self);
        generator(&mut out, self);
        shards(&mut out, self);
        ending(&mut out, self);
        out
    }
}

fn ms(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.2}s", us as f64 / 1e6)
    } else if us >= 1_000 {
        format!("{:.2}ms", us as f64 / 1e3)
    } else {
        format!("{us}us")
    }
}

fn msf(us: f64) -> String {
    ms(us.round() as u64)
}

fn size(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.2} GB", bytes / 1e9)
    } else if bytes >= 1e6 {
        format!("{:.2} MB", bytes / 1e6)
    } else if bytes >= 1e3 {
        format!("{:.2} KB", bytes / 1e3)
    } else {
        format!("{bytes:.0} B")
    }
}

/// What was run: the URL, the model, the length, the connections.
fn header(out: &mut String, r: &LoadReport) {
    let model = match r.model {
        Model::Closed { connections } => format!("closed model, {connections} connections"),
        Model::Open { rate, connections } => {
            format!("open model at {rate} req/s, up to {connections} connections")
        }
    };
    let length = match r.stop {
        Stop::Duration(d) => format!("{:.1}s", d.as_secs_f64()),
        Stop::Requests(n) => format!("{} requests", thousands(n)),
    };
    let _ = writeln!(out, "shootout load {}", r.url);
    let _ = writeln!(
        out,
        "  {model}, {} thread(s){}, {length} after {:.1}s warm-up (excluded), {}",
        r.threads,
        r.cpus
            .as_ref()
            .map(|c| format!(" on CPUs {c}"))
            .unwrap_or_default(),
        r.warmup_s,
        if r.keepalive {
            "keep-alive"
        } else {
            "a connection per request"
        }
    );
    if r.requests_sent.len() > 1 {
        let _ = writeln!(out, "  mix: {}", r.requests_sent.join(", "));
    }
    out.push('\n');
}

/// The percentiles: latency, and service time in the open model.
fn latency_table(out: &mut String, r: &LoadReport) {
    let _ = write!(out, "  {:<14}", "");
    for h in [
        "p50", "p90", "p99", "p99.9", "p99.99", "max", "mean", "stdev",
    ] {
        let _ = write!(out, "{h:>10}");
    }
    out.push('\n');
    latency_row(out, "Latency", &r.latency);
    if r.schedule.is_some() {
        latency_row(out, "Service time", &r.service_time);
        let _ = writeln!(
            out,
            "  (latency counts from each request's intended send time; service time from its actual send)"
        );
    }
    out.push('\n');
}

fn latency_row(out: &mut String, label: &str, l: &Latency) {
    let cells = [
        ms(l.p50_us),
        ms(l.p90_us),
        ms(l.p99_us),
        ms(l.p99_9_us),
        ms(l.p99_99_us),
        ms(l.max_us),
        msf(l.mean_us),
        msf(l.stdev_us),
    ];
    let _ = write!(out, "  {label:<14}");
    for c in cells {
        let _ = write!(out, "{c:>10}");
    }
    out.push('\n');
}

/// Requests, throughput and, in the open model, how the schedule was kept.
fn totals(out: &mut String, r: &LoadReport) {
    let _ = writeln!(
        out,
        "  {} requests in {:.2}s, {} read",
        thousands(r.completed),
        r.elapsed_s,
        size(r.bytes as f64)
    );
    let _ = writeln!(out, "  Requests/sec: {:>12.2}", r.requests_per_s);
    let _ = writeln!(out, "  Transfer/sec: {:>12}", size(r.bytes_per_s));
    if let Some(s) = &r.schedule {
        let _ = writeln!(
            out,
            "  Schedule:     {:.2}/s achieved of {}/s; {} late sends (slip p99 {}, max {}); {} unsent (every connection busy)",
            s.achieved_rate,
            s.rate,
            thousands(s.late),
            ms(s.slip.p99_us),
            ms(s.slip.max_us),
            thousands(s.unsent)
        );
    }
}

/// Status codes, errors by kind, and the responses checked during the load.
fn counts(out: &mut String, r: &LoadReport) {
    let status: Vec<String> = r
        .status
        .iter()
        .map(|(k, v)| format!("{k}: {}", thousands(*v)))
        .collect();
    let _ = writeln!(out, "  Status codes: {}", or_none(&status));
    let errors: Vec<String> = r
        .error_kinds
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{k} {}", thousands(*v)))
        .collect();
    let _ = writeln!(out, "  Errors:       {}", or_none(&errors));
    if r.verification.checked > 0 {
        let _ = writeln!(
            out,
            "  Verified:     {} responses checked during load, {} wrong",
            thousands(r.verification.checked),
            thousands(r.verification.failed)
        );
        for e in &r.verification.examples {
            let _ = writeln!(out, "                - {e}");
        }
    }
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// The generator's own CPU, and its clock against `--clock-ref`.
fn generator(out: &mut String, r: &LoadReport) {
    let _ = writeln!(
        out,
        "  Generator:    {:.0}% of {} CPU{}{}",
        r.generator.utilization * 100.0,
        r.generator.capacity_cpus,
        if r.generator.capacity_cpus == 1.0 {
            ""
        } else {
            "s"
        },
        if r.generator.saturated {
            " (SATURATED: the result is a floor for the server, not its capacity)"
        } else {
            ""
        }
    );
    if let Some(c) = &r.clock {
        let _ = writeln!(
            out,
            "  Clock:        {:+.3} ms ± {:.3} ms against --clock-ref ({} round trips)",
            c.offset_ms, c.uncertainty_ms, c.samples
        );
    }
}

/// A merge's shards, one line each.
fn shards(out: &mut String, r: &LoadReport) {
    for s in &r.shards {
        let _ = writeln!(
            out,
            "  Shard {:<7} {} requests, {:.2}/s over {:.2}s{}{}  ({})",
            s.shard.map_or("?".into(), |s| s.to_string()),
            thousands(s.completed),
            s.requests_per_s,
            s.elapsed_s,
            s.start_ms
                .map(|ms| format!(", started +{ms:.1} ms"))
                .unwrap_or_default(),
            s.clock
                .map(|c| format!(", clock {:+.3} ± {:.3} ms", c.offset_ms, c.uncertainty_ms))
                .unwrap_or_default(),
            s.name
        );
    }
}

/// Why it stopped early, if it did, and the warnings.
fn ending(out: &mut String, r: &LoadReport) {
    if let Some(reason) = &r.aborted {
        let _ = writeln!(
            out,
            "\n  stopped early: {reason}; the figures above are partial"
        );
    }
    for w in &r.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
}
