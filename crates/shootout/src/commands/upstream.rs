//! `shootout upstream`: the upstream simulator on its own.

use std::time::Duration;

use anyhow::Context;

use super::up::say;
use crate::cli::UpstreamArgs;
use crate::report::service::{UPSTREAM_SCHEMA, UpstreamLine};
use crate::upstream::{self, Upstream};

pub async fn upstream(args: UpstreamArgs) -> anyhow::Result<bool> {
    let state = Upstream::new(Duration::from_millis(args.authorize_ms));
    let addr = std::net::SocketAddr::from((args.host, args.port));
    let running = upstream::start(addr, state)
        .await
        .with_context(|| format!("binding {addr}"))?;
    say(
        args.output.json,
        &UpstreamLine::Ready {
            schema: UPSTREAM_SCHEMA.to_owned(),
            url: running.url(),
            address: running.addr.to_string(),
            pid: std::process::id(),
            authorize_ms: args.authorize_ms,
        },
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    let counters = running.state.counters();
    let stopped = UpstreamLine::Stopped {
        schema: UPSTREAM_SCHEMA.to_owned(),
        delay: counters.delay,
        authorize: counters.authorize,
    };
    if args.output.json {
        say(true, &stopped);
    } else {
        eprintln!(
            "shootout: upstream served {} /delay and {} /authorize",
            counters.delay, counters.authorize
        );
    }
    Ok(true)
}
