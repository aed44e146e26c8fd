//! The one gate a contender passes through, whichever command asks:
//! prepare (find its runtime, build it) → start an upstream → launch it on
//! its CPUs → wait until ready → verify it against the contract → stop it.
//!
//! `verify`, `run` (before measuring), `up`, `coldstart` and every trial of
//! `run` use these steps, so a contender is built, started, told its budget
//! and stopped the same way everywhere, and every failure is one typed error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::contenders::Contender;
use crate::contenders::build::{self, BuildError, Built};
use crate::contenders::toolchain::{self, Runtime, ToolchainError};
use crate::contract;
use crate::database::Database;
use crate::http1::{self, Request};
use crate::supervise::launch::{Conditions, Peers, launch};
use crate::supervise::{CpuSet, Exit, Service, SuperviseError, free_port};
use crate::upstream::{self, Upstream};
use crate::verify::{self, Checked, Failure, Group};

/// Latency of the upstream's `/authorize`, as the contract describes it.
pub const AUTHORIZE_LATENCY: Duration = Duration::from_millis(2);

/// Why a contender did not make it through the gate.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    #[error("build failed: {0}")]
    Build(#[from] BuildError),
    #[error("could not start the upstream simulator: {0}")]
    Upstream(String),
    #[error("no free port on 127.0.0.1: {0}")]
    Port(std::io::Error),
    #[error("could not start: {0}")]
    Launch(#[from] SuperviseError),
    #[error("crashed during verification ({exit}); last output:\n{tail}")]
    CrashedInVerification { exit: Exit, tail: String },
    #[error("failed verification: {count} rule(s) broken, first: [{group}] {rule}")]
    Broken {
        count: usize,
        group: &'static str,
        rule: String,
    },
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Database(#[from] crate::database::DatabaseError),
}

impl GateError {
    /// What the user can do about it, when there is something.
    pub fn hint(&self) -> Option<&str> {
        match self {
            GateError::Toolchain(e) => e.hint(),
            _ => None,
        }
    }

    /// The runtime is missing or too old (a skip outside CI).
    pub fn is_missing_toolchain(&self) -> bool {
        matches!(
            self,
            GateError::Toolchain(ToolchainError::Missing { .. } | ToolchainError::TooOld { .. })
        )
    }

    /// The error and its `hint:` line, for the command line.
    pub fn with_hint(self) -> anyhow::Error {
        match self.hint() {
            Some(hint) => anyhow::anyhow!("{self}\nhint: {hint}"),
            None => self.into(),
        }
    }
}

/// Step 1 without the build, for a contender that was just built (the
/// `shootout coldstart` that `run` starts for each cold-start trial).
pub fn resolve_blocking(contender: &Contender) -> Result<Prepared, GateError> {
    let runtime = toolchain::resolve(&contender.runtime, &toolchain::cache_dir())?;
    Ok(Prepared {
        contender: contender.clone(),
        runtime,
        built: Built::default(),
    })
}

/// A contender whose runtime was found and whose build is current.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub contender: Contender,
    pub runtime: Runtime,
    pub built: Built,
}

/// Step 1: find the runtime (providing Node.js from npm when needed) and build.
pub async fn prepare(contender: &Contender) -> Result<Prepared, GateError> {
    let c = contender.clone();
    tokio::task::spawn_blocking(move || prepare_blocking(&c)).await?
}

/// [`prepare`] for threads outside the async runtime.
pub fn prepare_blocking(contender: &Contender) -> Result<Prepared, GateError> {
    let mut prepared = resolve_blocking(contender)?;
    prepared.built = build::build(contender, &prepared.runtime)?;
    let how = if prepared.built.reused {
        "built before, sources unchanged"
    } else {
        "built"
    };
    eprintln!(
        "shootout: {} ({} {}): {how} in {:.1} s",
        contender.name,
        prepared.runtime.name,
        prepared.runtime.version,
        prepared.built.wall.as_secs_f64()
    );
    Ok(prepared)
}

/// Where the contender's upstream runs.
#[derive(Debug, Clone)]
pub enum UpstreamPlan {
    /// Inside shootout: its counters and failure switch are at hand (verify, up).
    InProcess,
    /// As its own process pinned to `cpus`, so it can be sampled (trials).
    Process { cpus: CpuSet },
    /// One already running at this base URL.
    External(String),
}

/// The upstream a running contender calls.
#[derive(Debug)]
pub struct UpstreamHandle {
    pub url: String,
    /// In-process only: counters and the failure switch.
    pub state: Option<Arc<Upstream>>,
    /// Its own process only.
    pub process: Option<Service>,
    _server: Option<upstream::Running>,
}

impl UpstreamHandle {
    async fn start(plan: &UpstreamPlan) -> Result<Self, GateError> {
        match plan {
            UpstreamPlan::External(url) => Ok(Self {
                url: url.trim_end_matches('/').to_owned(),
                state: None,
                process: None,
                _server: None,
            }),
            UpstreamPlan::InProcess => {
                let state = Upstream::new(AUTHORIZE_LATENCY);
                let server = upstream::start(([127, 0, 0, 1], 0).into(), state.clone())
                    .await
                    .map_err(|e| GateError::Upstream(e.to_string()))?;
                Ok(Self {
                    url: server.url(),
                    state: Some(state),
                    process: None,
                    _server: Some(server),
                })
            }
            UpstreamPlan::Process { cpus } => {
                let port = free_port().map_err(GateError::Port)?;
                let mut cmd = crate::supervise::process::shootout_again()
                    .map_err(|e| GateError::Upstream(e.to_string()))?;
                cmd.args(["upstream", "--port", &port.to_string()]);
                let mut service = Service::spawn("upstream", cmd, Some(cpus))
                    .map_err(|e| GateError::Upstream(e.to_string()))?;
                let addr = SocketAddr::from(([127, 0, 0, 1], port));
                service
                    .wait_ready(addr, Duration::from_secs(10), Duration::from_millis(5))
                    .await
                    .map_err(|e| GateError::Upstream(e.to_string()))?;
                Ok(Self {
                    url: format!("http://{addr}"),
                    state: None,
                    process: Some(service),
                    _server: None,
                })
            }
        }
    }

    async fn stop(&mut self) {
        if let Some(p) = &mut self.process {
            p.stop(Duration::from_secs(2)).await;
        }
    }
}

/// How to start a prepared contender.
#[derive(Debug, Clone)]
pub struct Launch {
    pub cpus: CpuSet,
    /// Port on 127.0.0.1; a free one when `None`.
    pub port: Option<u16>,
    pub ready_timeout: Duration,
    pub upstream: UpstreamPlan,
    /// Switch the runtime's GC trace on and read its pauses.
    pub trace_gc: bool,
    /// `DATABASE_URL` for a contender with a database mode.
    pub database: Option<String>,
    /// Run it under these cgroup limits instead of pinned to `cpus`.
    pub limits: Option<crate::supervise::limits::Limits>,
    /// The address it listens on (`HOST`): 127.0.0.1 when `None`.
    pub host: Option<std::net::IpAddr>,
}

impl Launch {
    /// The common case: on `cpus`, answering within `ready_timeout`, on a
    /// free port of 127.0.0.1, with an in-process upstream, no GC trace, no
    /// database and no cgroup limits. What differs is said by the `with_*`
    /// adjustments.
    pub fn new(cpus: CpuSet, ready_timeout: Duration) -> Self {
        Self {
            cpus,
            port: None,
            ready_timeout,
            upstream: UpstreamPlan::InProcess,
            trace_gc: false,
            database: None,
            limits: None,
            host: None,
        }
    }

    /// On this port instead of a free one.
    pub fn with_port(self, port: u16) -> Self {
        Self {
            port: Some(port),
            ..self
        }
    }

    /// Its upstream started this way instead of in process.
    pub fn with_upstream(self, upstream: UpstreamPlan) -> Self {
        Self { upstream, ..self }
    }

    /// With the runtime's GC trace on (or off).
    pub fn with_gc_trace(self, trace_gc: bool) -> Self {
        Self { trace_gc, ..self }
    }

    /// Told this `DATABASE_URL`, when there is one.
    pub fn with_database(self, url: Option<String>) -> Self {
        Self {
            database: url,
            ..self
        }
    }

    /// Under these cgroup limits, when there are any.
    pub fn with_limits(self, limits: Option<crate::supervise::limits::Limits>) -> Self {
        Self { limits, ..self }
    }

    /// Listening on `host` instead of 127.0.0.1.
    pub fn with_host(self, host: std::net::IpAddr) -> Self {
        Self {
            host: Some(host),
            ..self
        }
    }

    /// The CPUs it has to work with: its quota rounded up under limits,
    /// else its pinned CPUs (sizes its database pool).
    pub fn budget_cpus(&self) -> usize {
        match self.limits.and_then(|l| l.cpu) {
            Some(cpu) => cpu.ceil() as usize,
            None => self.cpus.len(),
        }
    }
}

/// A contender up and answering, with its upstream.
#[derive(Debug)]
pub struct Running {
    pub name: String,
    pub service: Service,
    pub addr: SocketAddr,
    pub conditions: Conditions,
    /// Spawn to the first 200 on /health.
    pub ready_after: Duration,
    pub upstream: UpstreamHandle,
    /// Its GC pauses, when traced.
    pub gc: Option<crate::supervise::gc::GcLog>,
}

/// How a contender's run ended.
#[derive(Debug, Clone)]
pub struct Stopped {
    /// It had already exited before it was asked to stop: a crash.
    pub crashed: Option<Exit>,
    /// How it answered SIGTERM (or its crash).
    pub exit: Exit,
    /// Its last output.
    pub tail: String,
}

impl Prepared {
    /// Steps 2–4: upstream, launch on its CPUs with its budget, wait for /health.
    pub async fn start(&self, how: &Launch) -> Result<Running, GateError> {
        let upstream = UpstreamHandle::start(&how.upstream).await?;
        let port = match how.port {
            Some(p) => p,
            None => free_port().map_err(GateError::Port)?,
        };
        let launched = launch(
            &self.contender,
            &self.runtime,
            port,
            Peers {
                host: how.host,
                upstream: &upstream.url,
                database: how
                    .database
                    .as_deref()
                    .map(|url| (url, crate::database::pool_size(how.budget_cpus()))),
            },
            &how.cpus,
            how.ready_timeout,
            how.trace_gc,
            how.limits,
        )
        .await?;
        Ok(Running {
            name: self.contender.name.clone(),
            service: launched.service,
            addr: launched.addr,
            conditions: launched.conditions,
            ready_after: launched.ready_after,
            upstream,
            gc: launched.gc,
        })
    }

    /// The whole gate before measuring: start, verify, stop (and, with a
    /// database, restart and read back). `Ok` carries what it was started
    /// with; any broken rule or crash is an error.
    pub async fn admit(
        &self,
        how: &Launch,
        seed: u64,
        database: Option<&Database>,
    ) -> Result<Conditions, GateError> {
        let running = self.start(how).await?;
        eprintln!(
            "shootout: verifying {} against the contract…",
            self.contender.name
        );
        let mut checked = running.verify(seed, database).await;
        let conditions = running.conditions.clone();
        let stopped = running.stop().await;
        if let Some(exit) = stopped.crashed {
            return Err(GateError::CrashedInVerification {
                exit,
                tail: stopped.tail,
            });
        }
        if database.is_some() {
            if let Err(f) = self.check_persistence(how, seed).await {
                checked.failures.push(*f);
            }
        }
        match checked.failures.first() {
            Some(f) => Err(GateError::Broken {
                count: checked.failures.len(),
                group: f.group.name(),
                rule: f.rule.clone(),
            }),
            None => Ok(conditions),
        }
    }
}

impl Prepared {
    /// The database group's restart rule: an order created before a restart
    /// reads back the same after it (the contender keeps nothing that
    /// matters in memory). Starts and stops the contender twice.
    pub async fn check_persistence(&self, how: &Launch, seed: u64) -> Result<(), Box<Failure>> {
        let fail = |rule: String, response: String| {
            Box::new(Failure {
                group: Group::Database,
                rule,
                request: "POST /orders, restart, GET /orders/{id}".into(),
                response,
            })
        };
        let harness = |e: GateError| fail(format!("(harness) restart check: {e}"), String::new());
        let (order, total) =
            contract::orders::random_order(&mut crate::rng::Rng::new(seed ^ 0x5eed));
        let want = contract::orders::expected_reply(&order, total);
        let running = self.start(how).await.map_err(harness)?;
        let req = Request::post_json("/orders", order.to_string());
        let created = http1::send_once(running.addr, &req, Duration::from_secs(10)).await;
        running.stop().await;
        let created = created.map_err(|e| fail("POST /orders answers".into(), e.to_string()))?;
        let body: serde_json::Value = serde_json::from_slice(&created.body).unwrap_or_default();
        let id = contract::orders::check_created(&body, &want).map_err(|e| {
            fail(
                format!("POST /orders answers 201: {e}"),
                created.to_string(),
            )
        })?;
        let running = self.start(how).await.map_err(harness)?;
        let read = http1::send_once(
            running.addr,
            &Request::get(format!("/orders/{id}")),
            Duration::from_secs(10),
        )
        .await;
        running.stop().await;
        let read = read.map_err(|e| fail("GET /orders/{id} answers".into(), e.to_string()))?;
        let got: serde_json::Value = serde_json::from_slice(&read.body).unwrap_or_default();
        if read.status == 200 && got == body {
            Ok(())
        } else {
            Err(fail(
                "an order created before a restart reads back the same after it".into(),
                read.to_string(),
            ))
        }
    }
}

impl Running {
    /// Step 5: the whole contract (and the database group, with a
    /// database). Needs an in-process upstream (its counters prove the
    /// contender called it).
    pub async fn verify(&self, seed: u64, database: Option<&Database>) -> Checked {
        let state = self
            .upstream
            .state
            .clone()
            .unwrap_or_else(|| Upstream::new(AUTHORIZE_LATENCY));
        verify::check_contract(
            self.addr,
            crate::upstream::Control::Local(state),
            seed,
            database.map(Database::client),
        )
        .await
    }

    /// Base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Step 6: SIGTERM (SIGKILL after 5 s), then the upstream. A contender
    /// that had exited on its own is reported as crashed.
    pub async fn stop(mut self) -> Stopped {
        let crashed = self.service.try_exit();
        let exit = self.service.stop(Duration::from_secs(5)).await;
        self.upstream.stop().await;
        Stopped {
            crashed,
            exit,
            tail: self.service.tail(),
        }
    }
}
