//! The load generator's commands (load, merge) and the upstream simulator.

use std::path::PathBuf;

use clap::Args;

use super::JsonArg;
use crate::supervise::CpuSet;
use crate::units::{parse_duration, parse_duration_or_zero, parse_header, parse_rate};

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the result as JSON (schema shootout.load/1, docs/load.schema.json) on stdout")))]
pub struct LoadArgs {
    /// The URL to load: http://host[:port]/path?query (plain HTTP/1.1).
    pub url: String,
    /// Connections kept open (closed model: also the concurrency).
    #[arg(short = 'c', long, default_value_t = 64, value_parser = at_least_one)]
    pub connections: usize,
    /// How long to measure, after the warm-up, e.g. 10s, 500ms, 2m.
    #[arg(short = 'd', long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration,
          allow_hyphen_values = true, conflicts_with = "requests")]
    pub duration: std::time::Duration,
    /// Stop after this many measured requests instead of a duration.
    #[arg(short = 'n', long, value_name = "REQUESTS")]
    pub requests: Option<u64>,
    /// Open model: requests per second on a constant schedule (fractions allowed, e.g. 0.5).
    #[arg(long, value_name = "R", value_parser = parse_rate, allow_hyphen_values = true)]
    pub rate: Option<f64>,
    /// Load applied before measuring, excluded from every figure.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration_or_zero)]
    pub warmup: std::time::Duration,
    /// HTTP method.
    #[arg(long, short = 'm', default_value = "GET")]
    pub method: String,
    /// File whose contents are sent as the request body.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Extra request header, repeatable: -H 'Content-Type: application/json'.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// A request with no complete response after this long counts as a timeout error.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// CPUs the generator's threads are pinned to, e.g. `0` or `0-1` [default: not pinned].
    #[arg(long, value_name = "LIST")]
    pub cpus: Option<CpuSet>,
    /// Worker threads [default: the number of pinned CPUs, or of available CPUs].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Open a new connection for every request (sends Connection: close).
    #[arg(long)]
    pub no_keepalive: bool,
    #[command(flatten)]
    pub output: JsonArg,
    /// Run shard I (0-based) of N: its share of -c, or of --rate with its
    /// schedule offset by I/N of an interval; the JSON carries the latency
    /// histograms whole, for `shootout merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<crate::load::shard::Shard>,
    /// Start at this wall-clock time, in seconds since the Unix epoch (e.g.
    /// $(( $(date +%s) + 5 ))): a barrier for shards on several hosts.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub start_at: Option<f64>,
    /// A reference clock (a `shootout upstream` that every shard reaches):
    /// this shard measures its clock's offset against it, waits for
    /// --start-at on the reference's clock, and records the offset.
    #[arg(long, value_name = "URL")]
    pub clock_ref: Option<String>,
    /// How the generator talks to the kernel: `epoll` (one send and one
    /// receive call per request, as wrk; the default, on every kernel) or
    /// `uring` (io_uring: one system call per batch of connections; opt-in,
    /// see docs/loadgen.md; an error where the kernel forbids it, never a
    /// silent fall back). Without --io, `SHOOTOUT_IO=uring|epoll` picks it
    /// (also for `shootout run`). The JSON's `io` says which ran.
    #[arg(long, value_name = "uring|epoll", default_value = "auto")]
    pub io: crate::load::Io,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print the merged result as JSON (schema shootout.load/1) on stdout")))]
pub struct MergeArgs {
    /// Shard results (`shootout load --shard I/N --json`), two or more.
    #[arg(value_name = "SHARD.json", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub output: JsonArg,
}

#[derive(Debug, Args)]
#[command(mut_arg("json", |a| a.help("Print one JSON line (schema shootout.upstream/1) when it listens (url, address, pid) and one with its counts when it stopped")))]
pub struct UpstreamArgs {
    /// Port (0 picks a free one).
    #[arg(long, short, default_value_t = 4100)]
    pub port: u16,
    /// Address to listen on: 0.0.0.0 to serve other hosts, network
    /// namespaces or pods (its `PUT /fault` lets them break it: keep it on a
    /// test network).
    #[arg(long, value_name = "IP", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Latency of POST /authorize, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2)]
    pub authorize_ms: u64,
    #[command(flatten)]
    pub output: JsonArg,
}

/// `-c`: a whole number of connections, one at least.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err(
            "at least one connection is needed (e.g. -c 1 for one at a time, -c 64 the default)"
                .to_owned(),
        ),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "{s:?} is not a whole number of connections, e.g. -c 64"
        )),
    }
}
