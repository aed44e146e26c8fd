//! `shootout load`: the load generator alone, against any HTTP/1.1 URL.

use anyhow::Context;

use super::print_json_or_text;
use crate::cli::LoadArgs;
use crate::supervise::CpuSet;

pub async fn load(args: LoadArgs) -> anyhow::Result<bool> {
    use crate::load::{self, LoadConfig, Mix, Model, Stop, Target, Template};
    let target = Target::parse(&args.url)?;
    let body = match &args.body {
        Some(path) => Some(
            std::fs::read(path).with_context(|| format!("reading --body {}", path.display()))?,
        ),
        None => None,
    };
    let method = args.method.to_ascii_uppercase();
    anyhow::ensure!(
        !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic()),
        "--method {:?} is not an HTTP method",
        args.method
    );
    let threads = args.threads.unwrap_or_else(|| {
        args.cpus
            .as_ref()
            .map_or_else(|| CpuSet::available().len(), CpuSet::len)
    });
    // A shard takes its share of the connections and of the rate.
    let connections = args
        .shard
        .map_or(args.connections, |s| s.connections(args.connections));
    if let Some(shard) = args.shard {
        anyhow::ensure!(
            connections > 0 || args.connections == 0,
            "--shard {shard}: -c {} leaves this shard no connection (give each shard at least one)",
            args.connections
        );
    }
    let model = match args.rate {
        Some(rate) => Model::Open {
            rate: args.shard.map_or(rate, |s| s.rate(rate)),
            connections,
        },
        None => Model::Closed { connections },
    };
    // Measured before the barrier, so that the barrier is the reference's.
    let clock = match &args.clock_ref {
        Some(url) => {
            let reference = Target::parse(url)?;
            let addr = reference.addr;
            let host = reference.authority.clone();
            Some(tokio::task::spawn_blocking(move || load::clock::estimate(addr, &host)).await??)
        }
        None => None,
    };
    let start_at = match (args.start_at, &clock) {
        (Some(at), Some(c)) => Some(c.local_time_of(at)),
        (at, _) => at,
    };
    let config = LoadConfig {
        mix: Mix::single(Template::fixed(
            &method,
            &target.path,
            args.headers.clone(),
            body,
        )),
        target,
        model,
        stop: args
            .requests
            .map_or(Stop::Duration(args.duration), Stop::Requests),
        warmup: args.warmup,
        timeout: args.timeout,
        keepalive: !args.no_keepalive,
        threads,
        cpus: args.cpus.clone(),
        check_every: 1,
        progress: !args.output.json,
        shard: args.shard,
        start_at,
        io: args.io,
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let mut report = tokio::task::spawn_blocking(move || load::run(config, stop)).await??;
    report.clock = clock;
    print_json_or_text(args.output.json, &report)?;
    Ok(report.aborted.is_none())
}
