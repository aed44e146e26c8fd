//! What `shootout up` and `shootout upstream` print while they serve: a
//! line when the service is ready (where it listens, its process id, what
//! it was told) and one when it stopped. With `--json` each is one JSON
//! object on a line of its own (`shootout.up/1`, `shootout.upstream/1`),
//! so a script can start either in the background and read its address
//! from the first line.

use std::collections::BTreeMap;
use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Render;

/// The schema name and version of `shootout up --json` lines.
pub const UP_SCHEMA: &str = "shootout.up/1";
/// The schema name and version of `shootout upstream --json` lines.
pub const UPSTREAM_SCHEMA: &str = "shootout.upstream/1";

/// One line of `shootout up --json`: `ready` once the contender answers
/// /health, `stopped` after Ctrl-C (SIGINT) or SIGTERM.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
pub enum UpLine {
    Ready {
        /// `shootout.up/1`.
        schema: String,
        contender: String,
        /// `http://ADDRESS`, ready for requests.
        url: String,
        /// `IP:PORT` it listens on.
        address: String,
        /// The contender's process id (the leader of its process group).
        pid: u32,
        /// The upstream simulator it calls (its `UPSTREAM_URL`).
        upstream: String,
        /// The PostgreSQL it uses in database mode; null without one.
        database: Option<UpDatabase>,
        /// The CPUs it is pinned to, e.g. `1` or `2-3`.
        cpus: String,
        /// What it was told besides PORT, HOST, UPSTREAM_URL and
        /// DATABASE_URL (CPUS and its runtime's budget).
        told: BTreeMap<String, String>,
        /// Spawn to its first 200 on /health, in milliseconds.
        ready_ms: f64,
    },
    Stopped {
        /// `shootout.up/1`.
        schema: String,
        contender: String,
        /// Its exit code after SIGTERM (null when a signal ended it).
        exit_code: Option<i32>,
        /// The signal that ended it, if one did (9 when it had to be killed).
        signal: Option<i32>,
    },
}

/// The database of an `up` contender.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpDatabase {
    /// `server_version` as PostgreSQL reports it.
    pub version: String,
    /// Where the server came from.
    pub source: String,
    /// Its URL with the password hidden.
    pub url: String,
}

/// One line of `shootout upstream --json`: `ready` once it listens,
/// `stopped` after Ctrl-C (SIGINT) or SIGTERM, with what it served.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "event", rename_all = "kebab-case", deny_unknown_fields)]
pub enum UpstreamLine {
    Ready {
        /// `shootout.upstream/1`.
        schema: String,
        /// `http://ADDRESS`.
        url: String,
        /// `IP:PORT` it listens on (the port the OS picked for `--port 0`).
        address: String,
        /// The process id of this shootout, which serves it.
        pid: u32,
        /// Latency of POST /authorize, in milliseconds.
        authorize_ms: u64,
    },
    Stopped {
        /// `shootout.upstream/1`.
        schema: String,
        /// GET /delay requests served.
        delay: u64,
        /// POST /authorize requests served.
        authorize: u64,
    },
}

impl Render for UpLine {
    fn terminal(&self) -> String {
        let mut out = String::new();
        match self {
            UpLine::Ready {
                contender,
                url,
                upstream,
                database,
                cpus,
                told,
                ..
            } => {
                let _ = writeln!(out, "{contender} is up at {url}");
                let _ = writeln!(out, "  upstream: {upstream}");
                if let Some(db) = database {
                    let _ = writeln!(
                        out,
                        "  database: PostgreSQL {} ({}), {}",
                        db.version, db.source, db.url
                    );
                }
                let told: Vec<String> = told.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(out, "  CPUs: {cpus}; told: {}", told.join(" "));
                let _ = writeln!(out, "  try: curl '{url}/cpu/hash?seed=42&n=1000'");
                let _ = writeln!(out, "Ctrl-C stops it.");
            }
            UpLine::Stopped {
                contender,
                exit_code,
                signal,
                ..
            } => {
                let how = match (exit_code, signal) {
                    (Some(code), _) => format!("exit code {code}"),
                    (None, Some(sig)) => format!("signal {sig}"),
                    (None, None) => "exit unknown".to_owned(),
                };
                let _ = writeln!(out, "stopped {contender} ({how})");
            }
        }
        out
    }
}

impl Render for UpstreamLine {
    fn terminal(&self) -> String {
        match self {
            UpstreamLine::Ready { url, .. } => {
                format!("upstream simulator listening on {url}\n")
            }
            UpstreamLine::Stopped {
                delay, authorize, ..
            } => format!("upstream served {delay} /delay and {authorize} /authorize\n"),
        }
    }
}
