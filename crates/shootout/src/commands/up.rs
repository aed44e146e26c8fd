//! `shootout up`: one contender in the foreground, for curl.

use std::io::Write;
use std::time::Duration;

use super::service_cpus;
use crate::cli::UpArgs;
use crate::contenders;
use crate::database::Database;
use crate::gate::{self, GateError, Launch, UpstreamPlan};

pub async fn up(args: UpArgs) -> anyhow::Result<bool> {
    let all = super::discover_contenders(&args.common.dir.contenders_dir)?;
    let contender = contenders::select(all, std::slice::from_ref(&args.contender))?.remove(0);
    let cpus = service_cpus(&args.common)?;
    let prepared = gate::prepare(&contender)
        .await
        .map_err(GateError::with_hint)?;
    let upstream = match &args.upstream {
        Some(url) => UpstreamPlan::External(url.clone()),
        None => UpstreamPlan::InProcess,
    };
    let database = match args.database.plan() {
        Some(plan) if contender.database.is_some() => Some(Database::start(&plan, None).await?),
        _ => None,
    };
    let mut running = prepared
        .start(
            &Launch::new(cpus.clone(), args.common.ready_timeout)
                .with_port(args.port)
                .with_upstream(upstream)
                .with_database(database.as_ref().map(|d| d.url.clone()))
                .with_host(args.host),
        )
        .await
        .map_err(|e| anyhow::anyhow!("starting {}: {e}", contender.name))?;
    // Whoever reads stdout may go away; the service runs on until Ctrl-C.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{} is up at http://{}", contender.name, running.addr);
    let _ = writeln!(out, "  upstream: {}", running.upstream.url);
    if let Some(db) = &database {
        let _ = writeln!(
            out,
            "  database: PostgreSQL {} ({}), {}",
            db.info.version,
            db.info.source,
            crate::database::redact(&db.url)
        );
    }
    let _ = writeln!(
        out,
        "  CPUs: {cpus}; told: {}",
        env_summary(&running.conditions.env)
    );
    let _ = writeln!(
        out,
        "  try: curl 'http://{}/cpu/hash?seed=42&n=1000'",
        running.addr
    );
    let _ = writeln!(out, "Ctrl-C stops it.");
    let _ = out.flush();
    drop(out);

    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                if let Some(exit) = running.service.try_exit() {
                    anyhow::bail!("{} stopped on its own ({exit}); last output:\n{}", contender.name, running.service.tail());
                }
            }
        }
    }
    let stopped = running.stop().await;
    if let Some(db) = database {
        db.stop().await;
    }
    eprintln!("shootout: stopped {} ({})", contender.name, stopped.exit);
    Ok(true)
}

/// The variables a contender was told, without the obvious ones.
pub(super) fn env_summary(env: &std::collections::BTreeMap<String, String>) -> String {
    env.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "PORT" | "HOST" | "UPSTREAM_URL" | "DATABASE_URL"
            )
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}
