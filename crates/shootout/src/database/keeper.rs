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
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::sys;

/// The uid and gid PostgreSQL runs as inside its user namespace.
const NAMESPACE_ID: u32 = 1000;

/// Superuser of a private cluster (trust authentication on 127.0.0.1 only).
pub const SUPERUSER: &str = "shootout";

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
pub async fn keep(args: KeeperArgs) -> anyhow::Result<bool> {
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

async fn serve(args: &KeeperArgs) -> anyhow::Result<bool> {
    sys::become_subreaper()?;
    // Signals first: a SIGTERM during initdb must still clean up.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
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
    let mut initdb = tokio::process::Command::from(initdb).spawn()?;
    tokio::select! {
        status = initdb.wait() => {
            let status = status?;
            if !status.success() {
                anyhow::bail!("initdb failed ({status})");
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
    let mut server = tokio::process::Command::from(server).spawn()?;
    let pid = server.id().unwrap_or(0);
    let stopped = tokio::select! {
        status = server.wait() => {
            let status = status?;
            anyhow::bail!("PostgreSQL exited on its own ({status})");
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
