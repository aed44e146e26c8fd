//! The command line. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::supervise::CpuSet;

/// Go or Node.js? Rust, Bun, Deno? Settle it with measurements on your own machine.
///
/// shootout builds equivalent backend services ("contenders"), verifies each
/// against one HTTP contract (docs/contract.md), and measures them under the
/// same CPU budget.
#[derive(Debug, Parser)]
#[command(name = "shootout", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build contenders and check each against the whole contract.
    ///
    /// Starts each contender with a private upstream simulator and checks every
    /// endpoint, validation rule and error status, with expected answers
    /// computed by shootout itself. Exits non-zero if any contender fails.
    ///
    /// Examples:
    ///   shootout verify                  # every contender under contenders/
    ///   shootout verify go-nethttp       # just one
    ///   shootout verify --json > v.json  # machine-readable verdicts
    Verify(VerifyArgs),
    /// Build and run one contender in the foreground, for poking with curl.
    ///
    /// Starts a private upstream simulator unless --upstream is given, prints
    /// the contender's URL, and stops everything on Ctrl-C.
    ///
    /// Example:
    ///   shootout up rust-axum --port 8080
    ///   curl 'http://127.0.0.1:8080/cpu/hash?seed=42&n=1000'
    Up(UpArgs),
    /// Run each contender's own unit tests with its own toolchain.
    ///
    /// Builds first (so node_modules and the right Node.js are in place), then
    /// runs the manifest's `test` command. Exits non-zero if any fails.
    Test(TestArgs),
    /// Run the upstream simulator: the "external service" contenders call.
    ///
    /// GET /delay?ms=M&token=T waits M ms on a timer and echoes the token;
    /// POST /authorize answers {"approved":true} after --authorize-ms;
    /// GET /stats counts what was served.
    Upstream(UpstreamArgs),
}

/// Where contenders live and which CPUs they get.
#[derive(Debug, Args)]
pub struct ContenderArgs {
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
    /// CPUs the contender is pinned to, e.g. `1` or `2-3` [default: the upper half of this machine's CPUs].
    #[arg(long, value_name = "LIST")]
    pub service_cpus: Option<CpuSet>,
    /// How long a contender may take from spawn to its first 200 on /health, e.g. `30s`, `500ms`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub ready_timeout: std::time::Duration,
}

/// `250ms`, `10s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 500ms, 10s or 2m)"))?;
    let seconds = match unit {
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "us" | "µs" => value / 1e6,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("{s:?} must be a positive duration"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Contenders to verify [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Seed for the random inputs, to replay a failure [default: from the clock].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print the verdicts as JSON (schema shootout.verify/1) on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Contenders to test [default: all].
    #[arg(value_name = "CONTENDER")]
    pub contenders: Vec<String>,
    /// Folder holding one sub-folder per contender, each with a contender.toml.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "contenders",
        env = "SHOOTOUT_CONTENDERS"
    )]
    pub contenders_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// The contender to run.
    #[arg(value_name = "CONTENDER")]
    pub contender: String,
    #[command(flatten)]
    pub common: ContenderArgs,
    /// Port on 127.0.0.1 for the contender.
    #[arg(long, short, default_value_t = 8080)]
    pub port: u16,
    /// Base URL of an upstream already running [default: start a private one].
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpstreamArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, short, default_value_t = 4100)]
    pub port: u16,
    /// Latency of POST /authorize, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2)]
    pub authorize_ms: u64,
}
