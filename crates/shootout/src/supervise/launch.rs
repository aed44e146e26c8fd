//! Starting a built contender the same way every time: its port, the upstream,
//! its CPU budget told the way its runtime's users would tell it, and pinning.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cpuset::CpuSet;
use super::gc::GcLog;
use super::process::{Service, SuperviseError};
use crate::contenders::Contender;
use crate::contenders::build::command;
use crate::contenders::toolchain::Runtime;

/// What a contender was started with, recorded for reports.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Conditions {
    /// The CPUs it was pinned to; with `limits`, the CPUs it may use (it is
    /// not pinned: a pod's containers are not).
    pub cpus: CpuSet,
    /// The cgroup limits it ran under (`--limits`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<crate::supervise::limits::Limits>,
    /// Which cgroup interface applied them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<crate::supervise::cgroup::Version>,
    /// Every variable shootout set: PORT, UPSTREAM_URL, CPUS and the budget.
    pub env: BTreeMap<String, String>,
}

/// A running, ready contender.
#[derive(Debug)]
pub struct Launched {
    pub service: Service,
    pub addr: SocketAddr,
    pub conditions: Conditions,
    pub ready_after: Duration,
    /// The GC pauses it reports, when it was started with its GC trace on.
    pub gc: Option<GcLog>,
}

/// The services a contender talks to.
#[derive(Debug, Clone, Copy)]
pub struct Peers<'a> {
    /// The address it listens on (`HOST`): 127.0.0.1 when `None`. Always
    /// set, so that a `HOST` in shootout's own environment never leaks in.
    pub host: Option<std::net::IpAddr>,
    /// Base URL of the upstream simulator (`UPSTREAM_URL`).
    pub upstream: &'a str,
    /// `DATABASE_URL` and `DB_POOL_SIZE`, for a contender with a database
    /// mode; without them the contender keeps orders in memory.
    pub database: Option<(&'a str, usize)>,
}

/// The command that runs `contender` as a service, and the variables shootout
/// set for it: PORT, UPSTREAM_URL, CPUS and its CPU budget (only when
/// `tell_budget`: under cgroup limits the runtime must find out by itself),
/// and DATABASE_URL with DB_POOL_SIZE when it has a database.
pub fn service_command(
    contender: &Contender,
    runtime: &Runtime,
    port: u16,
    peers: Peers<'_>,
    cpus: &CpuSet,
    tell_budget: bool,
) -> (std::process::Command, BTreeMap<String, String>) {
    let mut env = BTreeMap::new();
    env.insert("PORT".to_owned(), port.to_string());
    let host = peers.host.unwrap_or(Ipv4Addr::LOCALHOST.into());
    env.insert("HOST".to_owned(), host.to_string());
    env.insert("UPSTREAM_URL".to_owned(), peers.upstream.to_owned());
    if tell_budget {
        env.insert("CPUS".to_owned(), cpus.len().to_string());
        env.extend(contender.budget_env(cpus.len()));
    }
    if let (Some((url, pool)), Some(_)) = (peers.database, &contender.database) {
        env.insert("DATABASE_URL".to_owned(), url.to_owned());
        env.insert("DB_POOL_SIZE".to_owned(), pool.to_string());
    }
    let mut cmd = command(contender, runtime, &contender.run);
    cmd.envs(&env);
    (cmd, env)
}

/// Starts `contender` on `port` and waits for `/health`. With `trace_gc`,
/// and a contender whose manifest says how (`[gc_trace]`), its runtime's GC
/// trace is switched on and read. With `limits`, it runs in a cgroup of its
/// own with those limits, unpinned and not told its budget; otherwise it is
/// pinned to `cpus` and told them.
#[allow(clippy::too_many_arguments)]
pub async fn launch(
    contender: &Contender,
    runtime: &Runtime,
    port: u16,
    peers: Peers<'_>,
    cpus: &CpuSet,
    ready_timeout: Duration,
    trace_gc: bool,
    limits: Option<crate::supervise::limits::Limits>,
) -> Result<Launched, SuperviseError> {
    // Where shootout reaches it: its own address, or loopback when it
    // listens on every address.
    let reach = match peers.host {
        Some(ip) if !ip.is_unspecified() => ip,
        _ => Ipv4Addr::LOCALHOST.into(),
    };
    let (mut cmd, mut env) =
        service_command(contender, runtime, port, peers, cpus, limits.is_none());
    let gc = match (&contender.gc_trace, trace_gc) {
        (Some(trace), true) => {
            if !trace.args.is_empty() {
                let mut argv = contender.run.clone();
                argv.splice(1..1, trace.args.iter().cloned());
                cmd = crate::contenders::build::command(contender, runtime, &argv);
                cmd.envs(&env);
            }
            cmd.envs(&trace.env);
            env.extend(trace.env.clone());
            Some((trace.format, GcLog::default()))
        }
        _ => None,
    };
    let log = gc.as_ref().map(|(_, log)| log.clone());
    let mut service = match limits {
        Some(limits) => {
            let cgroup = crate::supervise::cgroup::Cgroup::create(&contender.name, limits)?;
            Service::spawn_limited(&contender.name, cmd, cgroup, gc)?
        }
        None => Service::spawn_traced(&contender.name, cmd, Some(cpus), gc)?,
    };
    let cgroup = service.cgroup.as_ref().map(|c| c.version);
    let addr = SocketAddr::from((reach, port));
    let ready_after = service
        .wait_ready(addr, ready_timeout, Duration::from_millis(5))
        .await?;
    Ok(Launched {
        service,
        addr,
        conditions: Conditions {
            cpus: cpus.clone(),
            limits,
            cgroup,
            env,
        },
        ready_after,
        gc: log,
    })
}
