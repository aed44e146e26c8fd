//! What every handler shares: the upstream client and the order store.

use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;

/// How much longer than it asked the upstream to wait a call may take before
/// it is abandoned with a 504 (docs/contract.md, "Upstream calls").
pub const UPSTREAM_GRACE: Duration = Duration::from_secs(3);

/// Shared by every handler: the upstream client and the order store.
#[derive(Clone)]
pub struct AppState {
    pub inner: Arc<Inner>,
}

pub struct Inner {
    pub http: reqwest::Client,
    pub upstream: String,
    pub orders: Store,
}

impl AppState {
    pub fn new(upstream: String, orders: Store) -> Result<Self, reqwest::Error> {
        // reqwest keeps an unbounded idle pool per host by default, so many
        // concurrent upstream calls reuse their keep-alive connections.
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                upstream: upstream.trim_end_matches('/').to_owned(),
                orders,
            }),
        })
    }
}
