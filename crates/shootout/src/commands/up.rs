//! `shootout up`: one contender in the foreground, for curl.

use std::io::Write;
use std::time::Duration;

use super::service_cpus;
use crate::cli::UpArgs;
use crate::contenders;
use crate::database::Database;
use crate::gate::{self, GateError, Launch, UpstreamPlan};
use crate::report::Render;
use crate::report::service::{UP_SCHEMA, UpDatabase, UpLine};

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
    let ready = UpLine::Ready {
        schema: UP_SCHEMA.to_owned(),
        contender: contender.name.clone(),
        url: format!("http://{}", running.addr),
        address: running.addr.to_string(),
        pid: running.service.pid,
        upstream: running.upstream.url.clone(),
        database: database.as_ref().map(|db| UpDatabase {
            version: db.info.version.clone(),
            source: db.info.source.clone(),
            url: crate::database::redact(&db.url),
        }),
        cpus: cpus.to_string(),
        told: told(&running.conditions.env),
        ready_ms: running.ready_after.as_secs_f64() * 1000.0,
    };
    // Whoever reads stdout may go away; the service runs on until Ctrl-C.
    say(args.output.json, &ready);

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
    if args.output.json {
        say(
            true,
            &UpLine::Stopped {
                schema: UP_SCHEMA.to_owned(),
                contender: contender.name.clone(),
                exit_code: stopped.exit.code,
                signal: stopped.exit.signal,
            },
        );
    } else {
        eprintln!("shootout: stopped {} ({})", contender.name, stopped.exit);
    }
    Ok(true)
}

/// One line of JSON with `--json`, else the text; stdout flushed, and a
/// reader that went away is no reason to stop serving.
pub(super) fn say<T: serde::Serialize + Render>(json: bool, line: &T) {
    let mut out = std::io::stdout().lock();
    if json {
        if serde_json::to_writer(&mut out, line).is_ok() {
            let _ = writeln!(out);
        }
    } else {
        let _ = write!(out, "{}", line.terminal());
    }
    let _ = out.flush();
}

/// What a contender was told, without the variables every one gets.
fn told(
    env: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    env.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "PORT" | "HOST" | "UPSTREAM_URL" | "DATABASE_URL"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
