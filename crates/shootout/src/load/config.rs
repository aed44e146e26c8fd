//! What a load run is asked to do, validated before anything starts.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::str::FromStr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::request::Mix;
use crate::supervise::CpuSet;

/// A bad load configuration, found before the run starts.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{url:?} is not a URL shootout can load{hint}", url = .0, hint = scheme_hint(.0))]
    Scheme(String),
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// What to write instead: https is refused for a reason, anything else
/// is shown the form a URL takes.
fn scheme_hint(url: &str) -> &'static str {
    if url.starts_with("https://") {
        "\nhint: https is not supported (measure the service, not TLS): use its plain http:// port"
    } else {
        "\nhint: give http://HOST[:PORT]/PATH, e.g. http://127.0.0.1:8080/health"
    }
}

/// Where requests go.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub url: String,
    #[serde(skip)]
    pub addr: SocketAddr,
    /// `host[:port]` for the Host header.
    pub authority: String,
    /// Path and query of the URL, `/` when empty.
    pub path: String,
}

impl Target {
    /// Parses `http://host[:port][/path][?query]` and resolves the host.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| ConfigError::Scheme(url.to_owned()))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_owned()),
            None => (rest, "/".to_owned()),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(ConfigError::Invalid(format!(
                "{url:?} has no host (or has credentials)"
            )));
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
            && !authority.ends_with(']')
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addr = with_port
            .to_socket_addrs()
            .map_err(|e| ConfigError::Resolve {
                host: authority.to_owned(),
                reason: e.to_string(),
            })?
            .next()
            .ok_or_else(|| ConfigError::Resolve {
                host: authority.to_owned(),
                reason: "no addresses".into(),
            })?;
        Ok(Self {
            url: url.to_owned(),
            addr,
            authority: authority.to_owned(),
            path,
        })
    }
}

/// How arrivals are generated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Model {
    /// Each connection sends its next request when the previous answer arrives.
    Closed { connections: usize },
    /// Requests arrive on a constant schedule of `rate` per second, served by
    /// up to `connections` connections; latency counts from the intended send.
    Open { rate: f64, connections: usize },
}

impl Model {
    pub fn connections(&self) -> usize {
        match *self {
            Model::Closed { connections } | Model::Open { connections, .. } => connections,
        }
    }
}

/// When the measured part of the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// After this long (seconds in JSON).
    Duration(
        #[serde(serialize_with = "secs", deserialize_with = "from_secs")]
        #[schemars(with = "f64")]
        Duration,
    ),
    /// After this many completed requests (or errors).
    Requests(u64),
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn from_secs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = f64::deserialize(d)?;
    Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom)
}

/// The environment variable that picks the path `Io::Auto` takes.
pub const IO_ENV: &str = "SHOOTOUT_IO";

/// How the workers talk to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Io {
    /// The default path, decided at start: what `SHOOTOUT_IO` names
    /// (`uring` or `epoll`; how `shootout run` and `torture`, which have no
    /// `--io`, take the other path), epoll when it is unset. io_uring is
    /// opt-in until its late sends on a busy CPU and its timeouts at 10,000
    /// connections are understood; docs/loadgen.md has the figures.
    #[default]
    Auto,
    /// io_uring: one system call submits and reaps a whole batch of
    /// connections' sends and receives.
    Uring,
    /// epoll through tokio: one `sendto` and one `recvfrom` per request.
    Epoll,
}

impl Io {
    pub fn name(self) -> &'static str {
        match self {
            Io::Auto => "auto",
            Io::Uring => "uring",
            Io::Epoll => "epoll",
        }
    }

    /// The path to run: `Auto` becomes what `SHOOTOUT_IO` names, epoll when
    /// it is unset; io_uring asked for where it is unavailable is an error
    /// (never a silent fall back: the figures would be another path's).
    pub fn resolve(self) -> Result<Io, ConfigError> {
        match self {
            Io::Epoll => Ok(Io::Epoll),
            Io::Auto => match std::env::var(IO_ENV) {
                Err(std::env::VarError::NotPresent) => Ok(Io::Epoll),
                Ok(v) if v.is_empty() => Ok(Io::Epoll),
                Ok(v) => match v.parse::<Io>() {
                    Ok(Io::Auto | Io::Epoll) => Ok(Io::Epoll),
                    Ok(Io::Uring) => match crate::sys::uring::unavailable() {
                        None => Ok(Io::Uring),
                        Some(why) => Err(ConfigError::Invalid(format!(
                            "{IO_ENV}={v}: {why}; set {IO_ENV}=epoll or unset it"
                        ))),
                    },
                    Err(_) => Err(ConfigError::Invalid(format!(
                        "{IO_ENV}={v:?}: want uring or epoll (unset: epoll)"
                    ))),
                },
                Err(e) => Err(ConfigError::Invalid(format!("{IO_ENV}: {e}"))),
            },
            Io::Uring => match crate::sys::uring::unavailable() {
                None => Ok(Io::Uring),
                Some(why) => Err(ConfigError::Invalid(format!(
                    "--io uring: {why}; use --io epoll"
                ))),
            },
        }
    }
}

impl FromStr for Io {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Io::Auto),
            "uring" | "io_uring" => Ok(Io::Uring),
            "epoll" => Ok(Io::Epoll),
            _ => Err(format!("--io {s:?}: want uring, epoll or auto")),
        }
    }
}

/// A complete, validated load run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub target: Target,
    pub mix: Mix,
    pub model: Model,
    pub stop: Stop,
    /// Run this long before measuring; excluded from every figure.
    pub warmup: Duration,
    /// A request without a complete response after this long is a timeout error.
    pub timeout: Duration,
    pub keepalive: bool,
    pub threads: usize,
    /// CPUs the worker threads are pinned to.
    pub cpus: Option<CpuSet>,
    /// Check one response in this many, for templates that have a check.
    pub check_every: u64,
    /// Draw a one-line progress display on stderr.
    pub progress: bool,
    /// This run is one shard of a load spread over several generators
    /// (its connections or rate are already its share): its schedule is
    /// offset accordingly, and its report carries its histograms whole.
    pub shard: Option<Shard>,
    /// Wait until this wall-clock time (seconds since the Unix epoch)
    /// before starting, so that shards on other hosts start together.
    pub start_at: Option<f64>,
    /// io_uring or epoll (`Auto` is resolved when the run starts).
    pub io: Io,
}

#[cfg(test)]
impl LoadConfig {
    /// What the unit tests run: GET `url` on one thread, keep-alive, no
    /// warm-up, a 5 s timeout, every checked response checked, no progress.
    pub(crate) fn for_test(url: &str, model: Model, stop: Stop) -> Self {
        let target = Target::parse(url).expect("a test URL");
        LoadConfig {
            mix: Mix::single(super::Template::fixed("GET", &target.path, vec![], None)),
            target,
            model,
            stop,
            warmup: Duration::ZERO,
            timeout: Duration::from_secs(5),
            keepalive: true,
            threads: 1,
            cpus: None,
            check_every: 1,
            progress: false,
            shard: None,
            start_at: None,
            io: Io::default(),
        }
    }
}

impl LoadConfig {
    /// Checks the combination of settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        let connections = self.model.connections();
        if connections == 0 {
            return invalid("connections must be at least 1");
        }
        if let Model::Open { rate, .. } = self.model {
            if !(rate.is_finite() && rate > 0.0) {
                return invalid("--rate must be a positive number of requests per second");
            }
        }
        if self.threads == 0 {
            return invalid("--threads must be at least 1");
        }
        match self.stop {
            Stop::Duration(d) if d.is_zero() => return invalid("--duration must be positive"),
            Stop::Requests(0) => return invalid("--requests must be at least 1"),
            _ => {}
        }
        if self.timeout.is_zero() {
            return invalid("--timeout must be positive");
        }
        if self.check_every == 0 {
            return invalid("check_every must be at least 1");
        }
        Ok(())
    }

    /// Workers actually started: never more than connections, and for the
    /// open model never more than needed to carry the rate (so a rate of 0.5
    /// per second still sends on schedule).
    pub fn workers(&self) -> usize {
        let by_conns = self.threads.min(self.model.connections()).max(1);
        match self.model {
            Model::Open { rate, .. } => by_conns.min(rate.ceil().max(1.0) as usize),
            Model::Closed { .. } => by_conns,
        }
    }
}

/// Shard `index` of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("--shard {s:?}: want I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's share of `total` connections: an even split, the first
    /// `total % count` shards one more.
    pub fn connections(&self, total: usize) -> usize {
        total / self.count + usize::from(self.index < total % self.count)
    }

    /// This shard's share of `total` requests per second.
    pub fn rate(&self, total: f64) -> f64 {
        total / self.count as f64
    }

    /// Where in its own interval this shard's schedule starts (0..1).
    pub fn phase(&self) -> f64 {
        self.index as f64 / self.count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_with_default_port_and_path() {
        let t = Target::parse("http://127.0.0.1:8080/cpu/hash?seed=1&n=2").unwrap();
        assert_eq!(t.addr.port(), 8080);
        assert_eq!(t.path, "/cpu/hash?seed=1&n=2");
        assert_eq!(t.authority, "127.0.0.1:8080");
        let t = Target::parse("http://127.0.0.1").unwrap();
        assert_eq!((t.addr.port(), t.path.as_str()), (80, "/"));
        let t = Target::parse("http://localhost:9?x=1").unwrap();
        assert_eq!(t.path, "/?x=1");
        assert!(matches!(
            Target::parse("https://x"),
            Err(ConfigError::Scheme(_))
        ));
        assert!(matches!(
            Target::parse("127.0.0.1:80"),
            Err(ConfigError::Scheme(_))
        ));
        assert!(matches!(
            Target::parse("http:///x"),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn shards_split_connections_and_rate_evenly() {
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let conns: Vec<usize> = shards.iter().map(|s| s.connections(64)).collect();
        assert_eq!(conns, [22, 21, 21]);
        assert_eq!(conns.iter().sum::<usize>(), 64);
        assert!((shards[1].rate(300.0) - 100.0).abs() < 1e-9);
        assert!((shards[2].phase() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        for bad in ["4/4", "1", "a/b", "0/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
