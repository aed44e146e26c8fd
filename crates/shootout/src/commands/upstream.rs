//! `shootout upstream`: the upstream simulator on its own.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;

use crate::cli::UpstreamArgs;
use crate::upstream::{self, Upstream};

pub async fn upstream(args: UpstreamArgs) -> anyhow::Result<bool> {
    let state = Upstream::new(Duration::from_millis(args.authorize_ms));
    let addr = std::net::SocketAddr::from((args.host, args.port));
    let running = upstream::start(addr, state)
        .await
        .with_context(|| format!("binding {addr}"))?;
    println!("upstream simulator listening on {}", running.url());
    let _ = std::io::stdout().flush();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = terminate.recv() => {}
    }
    let counters = running.state.counters();
    eprintln!(
        "shootout: upstream served {} /delay and {} /authorize",
        counters.delay, counters.authorize
    );
    Ok(true)
}
