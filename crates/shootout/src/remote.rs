//! Remote targets (`shootout run --target NAME=URL`): a service that is
//! already running somewhere else (another host, a pod, a `shootout up` in
//! another terminal). shootout did not start it, so it cannot pin it, sample
//! its memory and CPU, restart it or watch it crash; it can verify it over
//! the network and drive it. Everything measured at the generator (latency,
//! throughput, errors, checked responses) is as for a local contender; what
//! needs the process is left out of the cell and said.
//!
//! Verification needs the upstream simulator the target calls: the contract
//! checks count its calls and make it fail. A simulator in another process
//! is reached through its `GET /stats` and `PUT /fault` endpoints
//! ([`Control::Remote`]).

use std::net::SocketAddr;

use crate::load::config::{ConfigError, Target as Url};
use crate::upstream::Control;
use crate::verify::{self, Checked};

/// A target on the command line that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("--target {0:?} is not NAME=URL (e.g. go-nethttp=http://10.0.0.5:8080)")]
    Form(String),
    #[error("--target {name}: {source}")]
    Url {
        name: String,
        #[source]
        source: ConfigError,
    },
    #[error("--target {name}: {url} has a path; give the service's base URL")]
    Path { name: String, url: String },
    #[error(
        "--target needs --target-upstream URL: the upstream simulator the targets call (`shootout up` prints it as \"upstream:\"; `shootout upstream` runs one). The contract's checks count its calls and make it fail"
    )]
    NoUpstream,
    #[error("--target-upstream {url}: {source}")]
    Upstream {
        url: String,
        #[source]
        source: ConfigError,
    },
    #[error("--target {0} is named twice, or also names a local contender")]
    Duplicate(String),
}

/// A service measured where it runs.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    /// Its base URL, `http://host:port`.
    pub url: String,
    pub addr: SocketAddr,
    /// The upstream simulator it calls.
    pub upstream: SocketAddr,
}

impl Target {
    /// `NAME=URL` with the upstream simulator's URL.
    pub fn parse(spec: &str, upstream: Option<&str>) -> Result<Self, TargetError> {
        let (name, url) = spec
            .split_once('=')
            .filter(|(n, u)| !n.is_empty() && !u.is_empty())
            .ok_or_else(|| TargetError::Form(spec.to_owned()))?;
        let parsed = Url::parse(url).map_err(|source| TargetError::Url {
            name: name.to_owned(),
            source,
        })?;
        if parsed.path != "/" {
            return Err(TargetError::Path {
                name: name.to_owned(),
                url: url.to_owned(),
            });
        }
        let upstream = upstream.ok_or(TargetError::NoUpstream)?;
        let up = Url::parse(upstream).map_err(|source| TargetError::Upstream {
            url: upstream.to_owned(),
            source,
        })?;
        Ok(Self {
            name: name.to_owned(),
            url: format!("http://{}", parsed.authority),
            addr: parsed.addr,
            upstream: up.addr,
        })
    }

    /// The whole contract over the network, in either storage mode
    /// ([`verify::check_remote`]).
    pub async fn verify(&self, seed: u64) -> Checked {
        verify::check_remote(self.addr, Control::Remote(self.upstream), seed).await
    }

    /// What a cell of this target does not have, for the run's notes.
    pub fn unavailable(&self) -> String {
        format!(
            "{} is a remote target ({}): shootout did not start it, so its CPU, memory, GC, cold start, footprint, drain and torture are not measured, and it is not pinned or limited by this run",
            self.name, self.url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_name_equals_base_url_and_needs_its_upstream() {
        let t = Target::parse("go=http://127.0.0.1:8080", Some("http://127.0.0.1:9000")).unwrap();
        assert_eq!(t.name, "go");
        assert_eq!(t.url, "http://127.0.0.1:8080");
        assert_eq!(t.upstream.port(), 9000);
        for bad in ["go", "=http://x:1", "go=", "go=https://127.0.0.1:1"] {
            assert!(
                Target::parse(bad, Some("http://127.0.0.1:9000")).is_err(),
                "{bad}"
            );
        }
        let path = Target::parse("go=http://127.0.0.1:1/api", Some("http://127.0.0.1:2"));
        assert!(path.unwrap_err().to_string().contains("has a path"));
        let none = Target::parse("go=http://127.0.0.1:1", None).unwrap_err();
        assert!(none.to_string().contains("--target-upstream"), "{none}");
    }
}
