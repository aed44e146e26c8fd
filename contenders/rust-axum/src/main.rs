//! rust-axum: the order-service contract (docs/contract.md) on axum and tokio.

use std::net::SocketAddr;

use tokio::net::TcpListener;

mod app;
mod error;
mod fanout;
mod kernels;
mod orders;
mod params;
mod state;
mod store;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env_or("PORT", "8080").parse()?;
    // 127.0.0.1 unless told (a pod listens on 0.0.0.0).
    let host: std::net::IpAddr = env_or("HOST", "127.0.0.1").parse()?;
    let upstream = env_or("UPSTREAM_URL", "http://127.0.0.1:4100");
    // Tokio sizes its worker pool itself: from TOKIO_WORKER_THREADS when set
    // (the manifest's budget passes the CPUs the harness gives us), else from
    // `available_parallelism`, which reads the CPU affinity and a cgroup
    // quota, as in a pod. The start-up line reports what it chose.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Orders live in PostgreSQL when DATABASE_URL is set, else in memory.
    let orders = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let size = env_or("DB_POOL_SIZE", "10").parse().unwrap_or(10);
            store::Store::postgres(&url, size).map_err(|e| format!("DATABASE_URL: {}", e.0))?
        }
        _ => store::Store::Memory(Default::default()),
    };
    runtime.block_on(serve(SocketAddr::from((host, port)), upstream, orders))
}

async fn serve(
    addr: SocketAddr,
    upstream: String,
    orders: store::Store,
) -> Result<(), Box<dyn std::error::Error>> {
    if let store::Store::Postgres(pool) = &orders {
        // Fail at start-up, not on the first order, when the database is unreachable.
        let _connection = pool
            .get()
            .await
            .map_err(|e| format!("connecting to the database: {e}"))?;
    }
    let listener = TcpListener::bind(addr).await?;
    eprintln!(
        "rust-axum listening on http://{} (workers={})",
        listener.local_addr()?,
        tokio::runtime::Handle::current().metrics().num_workers()
    );
    let state = state::AppState::new(upstream, orders)?;
    axum::serve(listener, app::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}
