//! One contender process: started in its own process group, pinned to its
//! CPUs, its output kept (the last lines) for error messages, stopped with
//! SIGTERM then SIGKILL, and killed on drop whatever happened.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::cpuset::CpuSet;
use super::gc::{GcLog, TraceFormat};
use super::orphans;
use crate::http1::{self, Request};
use crate::sys;

/// Lines of output kept for error messages.
const TAIL_LINES: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    #[error("could not start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Cgroup(#[from] crate::supervise::cgroup::CgroupError),
    #[error("{name} exited during start-up ({exit}); last output:\n{tail}")]
    ExitedEarly {
        name: String,
        exit: String,
        tail: String,
    },
    #[error("{name} did not answer 200 on /health within {timeout:?}; last output:\n{tail}")]
    NotReady {
        name: String,
        timeout: Duration,
        tail: String,
    },
}

/// How a process ended.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Exit {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    /// The kernel killed it (or one of its processes) for its cgroup's
    /// memory limit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub oom_killed: bool,
}

impl From<ExitStatus> for Exit {
    fn from(status: ExitStatus) -> Self {
        Self {
            code: status.code(),
            signal: status.signal(),
            oom_killed: false,
        }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.oom_killed {
            f.write_str("OOM-killed: the kernel killed it at its memory limit; ")?;
        }
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (_, Some(sig)) => write!(f, "killed by signal {sig}"),
            _ => write!(f, "unknown exit"),
        }
    }
}

/// The last lines a process wrote to stdout and stderr.
#[derive(Debug, Clone, Default)]
pub struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// The kept lines, or a note that there were none.
    pub fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.is_empty() {
            "  (no output)".into()
        } else {
            lines
                .iter()
                .map(|l| format!("  | {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    fn drain_from(&self, reader: impl Read + Send + 'static, gc: Option<(TraceFormat, GcLog)>) {
        let tail = self.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                match line {
                    Ok(line) => {
                        // GC trace lines are measurements: counted, not kept
                        // as the output a crash report shows.
                        let traced = gc.as_ref().is_some_and(|(f, log)| log.observe(*f, &line));
                        if !traced {
                            tail.push(line);
                        }
                    }
                    Err(_) => break,
                }
            }
        });
    }
}

/// A running process group.
#[derive(Debug)]
pub struct Service {
    pub name: String,
    pub pid: u32,
    child: Child,
    tail: Tail,
    started: Instant,
    exit: Option<Exit>,
    /// The cgroup its limits are applied through (`--limits`), if any.
    pub cgroup: Option<crate::supervise::cgroup::Cgroup>,
}

impl Service {
    /// Starts `command` in a new process group, pinned to `cpus`.
    pub fn spawn(
        name: &str,
        command: Command,
        cpus: Option<&CpuSet>,
    ) -> Result<Self, SuperviseError> {
        Self::spawn_traced(name, command, cpus, None)
    }

    /// [`Service::spawn`], also feeding its output to a GC-trace reader.
    pub fn spawn_traced(
        name: &str,
        command: Command,
        cpus: Option<&CpuSet>,
        gc: Option<(TraceFormat, GcLog)>,
    ) -> Result<Self, SuperviseError> {
        // Its own group, death with shootout even if shootout is SIGKILLed, its CPUs.
        let service = Self::spawn_with(name, command, cpus, gc, sys::SIGKILL)?;
        orphans::register(service.pid as i32);
        Ok(service)
    }

    /// [`Service::spawn_traced`] inside `cgroup` instead of pinned: it joins
    /// the cgroup before it execs, so its runtime sees the limits at once.
    pub fn spawn_limited(
        name: &str,
        mut command: Command,
        cgroup: crate::supervise::cgroup::Cgroup,
        gc: Option<(TraceFormat, GcLog)>,
    ) -> Result<Self, SuperviseError> {
        use std::os::fd::AsRawFd;
        let procs = cgroup.procs_files().map_err(|e| SuperviseError::Spawn {
            program: command.get_program().to_string_lossy().into_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
        sys::join_cgroups_on_spawn(&mut command, procs.iter().map(AsRawFd::as_raw_fd).collect());
        let mut service = Self::spawn_with(name, command, None, gc, sys::SIGKILL)?;
        drop(procs);
        orphans::register(service.pid as i32);
        service.cgroup = Some(cgroup);
        Ok(service)
    }

    /// A process that cleans up after itself (the PostgreSQL keeper): it
    /// gets SIGTERM, not SIGKILL, when shootout dies, and is left out of the
    /// registry that SIGKILLs every group on Ctrl-C, so it always gets to
    /// stop its server and remove its files. Stop it with [`Service::stop`].
    pub fn spawn_self_cleaning(
        name: &str,
        command: Command,
        cpus: Option<&CpuSet>,
    ) -> Result<Self, SuperviseError> {
        Self::spawn_with(name, command, cpus, None, sys::SIGTERM)
    }

    fn spawn_with(
        name: &str,
        mut command: Command,
        cpus: Option<&CpuSet>,
        gc: Option<(TraceFormat, GcLog)>,
        death_signal: i32,
    ) -> Result<Self, SuperviseError> {
        let program = command.get_program().to_string_lossy().into_owned();
        sys::isolate_on_spawn_with(&mut command, cpus.map(|c| c.cpus().to_vec()), death_signal);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = command.spawn().map_err(|source| SuperviseError::Spawn {
            program: program.clone(),
            source,
        })?;
        let pid = child.id();
        let tail = Tail::default();
        if let Some(out) = child.stdout.take() {
            tail.drain_from(out, gc.clone());
        }
        if let Some(err) = child.stderr.take() {
            tail.drain_from(err, gc);
        }
        Ok(Self {
            name: name.to_owned(),
            pid,
            child,
            tail,
            started,
            exit: None,
            cgroup: None,
        })
    }

    /// When it was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    pub fn tail(&self) -> String {
        self.tail.text()
    }

    /// Its exit, if it has exited.
    pub fn try_exit(&mut self) -> Option<Exit> {
        if self.exit.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut exit = Exit::from(status);
                exit.oom_killed = self.oom_killed();
                self.exit = Some(exit);
                orphans::unregister(self.pid as i32);
                // Children it left behind in its group go too.
                kill_group(self.pid, sys::SIGKILL);
            }
        }
        self.exit.clone()
    }

    /// Whether the kernel has OOM-killed a process of its cgroup.
    pub fn oom_killed(&self) -> bool {
        self.cgroup
            .as_ref()
            .is_some_and(|c| c.usage().oom_kills > 0)
    }

    /// Polls `GET /health` until it answers 200, the process exits, or `timeout` passes.
    /// Returns the time from spawn to the first 200.
    pub async fn wait_ready(
        &mut self,
        addr: SocketAddr,
        timeout: Duration,
        poll: Duration,
    ) -> Result<Duration, SuperviseError> {
        let deadline = self.started + timeout;
        let request = Request::get("/health");
        loop {
            if let Some(exit) = self.try_exit() {
                // Give the output threads a moment to collect the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return Err(SuperviseError::ExitedEarly {
                    name: self.name.clone(),
                    exit: exit.to_string(),
                    tail: self.tail(),
                });
            }
            if let Ok(resp) = http1::send_once(addr, &request, Duration::from_secs(2)).await {
                if resp.status == 200 {
                    return Ok(self.started.elapsed());
                }
            }
            if Instant::now() >= deadline {
                return Err(SuperviseError::NotReady {
                    name: self.name.clone(),
                    timeout,
                    tail: self.tail(),
                });
            }
            tokio::time::sleep(poll).await;
        }
    }

    /// SIGTERM to the group, then SIGKILL after `grace`.
    pub async fn stop(&mut self, grace: Duration) -> Exit {
        self.stop_pausing(grace, || tokio::time::sleep(Duration::from_millis(10)))
            .await
    }

    /// [`Service::stop`] for threads outside an async runtime.
    pub fn stop_blocking(&mut self, grace: Duration) -> Exit {
        // Each pause has slept by the time it is awaited, so the stop is
        // done at its first poll: no runtime needed to drive it.
        let pause = || {
            std::thread::sleep(Duration::from_millis(2));
            std::future::ready(())
        };
        let mut stopping = std::pin::pin!(self.stop_pausing(grace, pause));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(exit) = stopping.as_mut().poll(&mut cx) {
                return exit;
            }
        }
    }

    /// The one stop: SIGTERM, `pause` until it exits or `grace` is over,
    /// then SIGKILL.
    async fn stop_pausing<F: Future<Output = ()>>(
        &mut self,
        grace: Duration,
        pause: impl Fn() -> F,
    ) -> Exit {
        if let Some(exit) = self.try_exit() {
            return exit;
        }
        kill_group(self.pid, sys::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Some(exit) = self.try_exit() {
                return exit;
            }
            pause().await;
        }
        self.kill()
    }
}

impl Service {
    /// SIGKILL to the group, then reap.
    fn kill(&mut self) -> Exit {
        kill_group(self.pid, sys::SIGKILL);
        let mut status = self.child.wait().map(Exit::from).unwrap_or(Exit {
            code: None,
            signal: Some(sys::SIGKILL),
            oom_killed: false,
        });
        status.oom_killed = self.oom_killed();
        orphans::unregister(self.pid as i32);
        self.exit = Some(status.clone());
        status
    }
}

fn kill_group(pgid: u32, signal: i32) {
    sys::kill_group(pgid as i32, signal);
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.exit.is_none() {
            kill_group(self.pid, sys::SIGKILL);
            let _ = self.child.wait();
            orphans::unregister(self.pid as i32);
        }
    }
}

/// A command that runs this very shootout binary again (the upstream
/// simulator, PostgreSQL's keeper, a cold-start run): through
/// `/proc/self/exe`, so that a rebuild that replaces the file on disk during
/// a long run cannot take it away; `current_exe` elsewhere.
pub fn shootout_again() -> std::io::Result<Command> {
    let proc_self = std::path::Path::new("/proc/self/exe");
    let mut cmd = if proc_self.exists() {
        Command::new(proc_self)
    } else {
        Command::new(std::env::current_exe()?)
    };
    std::os::unix::process::CommandExt::arg0(&mut cmd, "shootout");
    Ok(cmd)
}

/// A free TCP port on 127.0.0.1 (bound, then released for the contender).
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}
