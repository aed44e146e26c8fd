//! The keeper: a small shootout process (`shootout postgres-keeper`, hidden)
//! that owns one private PostgreSQL for its whole life. It creates the
//! cluster, runs the server, and on SIGTERM, SIGINT or SIGHUP (including the
//! SIGTERM it gets as a parent-death signal when shootout is SIGKILLed) stops
//! the server, waits for every one of its processes, and removes the data
//! directory. Nothing of a private database outlives shootout.
//!
//! PostgreSQL refuses to run as root. As root, the keeper runs `initdb` and
//! `postgres` in a user namespace (`unshare --user`) where they are an
//! ordinary user: they see the files they create as their own, and they get
//! no capability on the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::sys;

/// The uid and gid PostgreSQL runs as inside its user namespace.
const NAMESPACE_ID: u32 = 1000;

/// Superuser of a private cluster (trust authentication on 127.0.0.1 only).
pub const SUPERUSER: &str = "shootout";

/// Why the keeper could not run its server to the end.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error("become a child subreaper: {0}")]
    Subreaper(#[source] std::io::Error),
    #[error("listen for signals: {0}")]
    Signals(#[source] std::io::Error),
    #[error("run initdb: {0}")]
    RunInitdb(#[source] std::io::Error),
    #[error("initdb failed ({0})")]
    InitdbFailed(ExitStatus),
    #[error("run PostgreSQL: {0}")]
    RunServer(#[source] std::io::Error),
    #[error("PostgreSQL exited on its own ({0})")]
    ServerExited(ExitStatus),
}

/// What the keeper is told by shootout.
#[derive(Debug, Clone, clap::Args)]
pub struct KeeperArgs {
    /// Folder with PostgreSQL's programs (initdb, postgres).
    #[arg(long)]
    pub bin_dir: PathBuf,
    /// A fresh folder the keeper owns and removes when it ends.
    #[arg(long)]
    pub dir: PathBuf,
    #[arg(long)]
    pub port: u16,
    /// A server setting, `NAME=VALUE`, repeated.
    #[arg(long = "set")]
    pub settings: Vec<String>,
}

/// `program` as an ordinary user (in a user namespace) when shootout is root.
fn unprivileged(program: &Path) -> Command {
    if sys::euid() != 0 {
        return Command::new(program);
    }
    let id = NAMESPACE_ID.to_string();
    let mut cmd = Command::new("unshare");
    cmd.args(["--user", "--map-user", &id, "--map-group", &id])
        .arg(program);
    cmd
}

/// Runs the keeper; returns when the server is gone and its files removed.
pub async fn keep(args: KeeperArgs) -> Result<bool, KeeperError> {
    let outcome = serve(&args).await;
    // Whatever happened, nothing is left: every process the server started
    // was adopted by the keeper (a subreaper) and is waited for here.
    let all_gone = tokio::task::spawn_blocking(|| sys::reap_children(Duration::from_secs(10)))
        .await
        .unwrap_or(false);
    if let Err(e) = std::fs::remove_dir_all(&args.dir) {
        eprintln!("keeper: could not remove {}: {e}", args.dir.display());
    }
    if !all_gone {
        eprintln!("keeper: some PostgreSQL processes did not exit within 10 s");
    }
    outcome
}

async fn serve(args: &KeeperArgs) -> Result<bool, KeeperError> {
    sys::become_subreaper().map_err(KeeperError::Subreaper)?;
    // Signals first: a SIGTERM during initdb must still clean up.
    let listen = |kind| signal(kind).map_err(KeeperError::Signals);
    let mut term = listen(SignalKind::terminate())?;
    let mut int = listen(SignalKind::interrupt())?;
    let mut hup = listen(SignalKind::hangup())?;
    let data = args.dir.join("data");

    let mut initdb = unprivileged(&args.bin_dir.join("initdb"));
    initdb
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ])
        // The cluster is thrown away at the end; its creation need not be durable.
        .arg("--no-sync")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let mut initdb = tokio::process::Command::from(initdb)
        .spawn()
        .map_err(KeeperError::RunInitdb)?;
    tokio::select! {
        status = initdb.wait() => {
            let status = status.map_err(KeeperError::RunInitdb)?;
            if !status.success() {
                return Err(KeeperError::InitdbFailed(status));
            }
        }
        _ = term.recv() => return Ok(false),
        _ = int.recv() => return Ok(false),
        _ = hup.recv() => return Ok(false),
    }

    let mut server = unprivileged(&args.bin_dir.join("postgres"));
    server
        .arg("-D")
        .arg(&data)
        .args(["-p", &args.port.to_string()])
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", "unix_socket_directories="]);
    for setting in &args.settings {
        server.arg("-c").arg(setting);
    }
    server.stdin(Stdio::null());
    // Its own group, killed if the keeper itself is killed.
    sys::isolate_on_spawn(&mut server, None);
    let mut server = tokio::process::Command::from(server)
        .spawn()
        .map_err(KeeperError::RunServer)?;
    let pid = server.id().unwrap_or(0);
    let stopped = tokio::select! {
        status = server.wait() => {
            let status = status.map_err(KeeperError::RunServer)?;
            return Err(KeeperError::ServerExited(status));
        }
        _ = term.recv() => true,
        _ = int.recv() => true,
        _ = hup.recv() => true,
    };
    // Fast shutdown: roll back open transactions, write a checkpoint, exit.
    sys::kill_process(pid, sys::SIGINT);
    if tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .is_err()
    {
        eprintln!("keeper: PostgreSQL did not stop within 10 s; killing it");
        sys::kill_group(pid as i32, sys::SIGKILL);
        let _ = server.wait().await;
    }
    Ok(stopped)
}
