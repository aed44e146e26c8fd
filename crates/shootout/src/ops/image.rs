//! Images that run: an OCI layout `footprint` wrote is unpacked (every blob
//! checked against its digest) into a root filesystem and started from its
//! config's entrypoint, working directory and environment — nothing from
//! the host's environment — inside new mount and PID namespaces, chrooted
//! into that root (`unshare --mount --pid --fork --root`), as its config's
//! `User` (`--setuid`/`--setgid`: not root, so the image's files, root's
//! and not writable, are as read-only as in a pod), with what every
//! OCI runtime gives a container: a fresh `/proc`, a `/dev` of null, zero,
//! full, random, urandom and tty, an empty `/tmp` anyone may write (a pod's
//! `emptyDir`), and `PATH` and `HOME`
//! when the image sets none (runc's defaults). The network is
//! the host's loopback, so the harness can reach the port; the files are the
//! image's alone. `crun` would do the same from a generated `config.json`;
//! util-linux's `unshare` is on every machine and adds no moving part.
//! Then `/health` and `/json` must answer.

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::OpsError;
use crate::http1::{self, Request};
use crate::supervise::{CpuSet, Service};

/// One attempt to start an image. Part of the results schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ImageStart {
    /// Which layers were unpacked (their roles, base first).
    pub layers: Vec<String>,
    /// `/health` answered 200 and `/json` the contract's body.
    pub answered: bool,
    /// From spawn to the first 200 on `/health`, when it came.
    pub ready_ms: Option<f64>,
    /// Why it did not answer: the start's error and the process's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The entrypoint, working directory, environment and user of an image.
struct Config {
    entrypoint: Vec<String>,
    workdir: String,
    env: Vec<String>,
    /// `User` as uid and gid; `None` (root) when the config names none.
    user: Option<(u32, u32)>,
}

/// A config's `User`: `UID` or `UID:GID`, numeric (a name would need the
/// image's `/etc/passwd`; shootout's images name none). Empty is root.
fn parse_user(user: &str) -> Result<Option<(u32, u32)>, OpsError> {
    if user.is_empty() {
        return Ok(None);
    }
    let number = |s: &str| {
        s.parse::<u32>()
            .map_err(|_| format!("the image's User {user:?} is not numeric UID[:GID]"))
    };
    let (uid, gid) = match user.split_once(':') {
        Some((u, g)) => (number(u)?, number(g)?),
        None => (number(user)?, number(user)?),
    };
    Ok(Some((uid, gid)))
}

/// Unpacks the layers whose role `keep` accepts into `root`; returns the
/// config and the roles unpacked.
fn unpack(
    layout: &Path,
    root: &Path,
    keep: &dyn Fn(&str) -> bool,
) -> Result<(Config, Vec<String>), OpsError> {
    let index: Value = serde_json::from_slice(
        &std::fs::read(layout.join("index.json")).map_err(|e| format!("index.json: {e}"))?,
    )
    .map_err(|e| format!("index.json: {e}"))?;
    let manifest: Value =
        serde_json::from_slice(&super::oci::read_blob(layout, &index["manifests"][0])?)
            .map_err(|e| format!("manifest: {e}"))?;
    let config: Value =
        serde_json::from_slice(&super::oci::read_blob(layout, &manifest["config"])?)
            .map_err(|e| format!("config: {e}"))?;
    let mut roles = Vec::new();
    for layer in manifest["layers"]
        .as_array()
        .ok_or("manifest has no layers")?
    {
        let role = layer["annotations"][super::oci::ROLE]
            .as_str()
            .unwrap_or("app")
            .to_owned();
        if !keep(&role) {
            continue;
        }
        let compressed = super::oci::read_blob(layout, layer)?;
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut tar)
            .map_err(|e| format!("layer {role} does not gunzip: {e}"))?;
        let mut archive = tar::Archive::new(&tar[..]);
        archive.set_preserve_permissions(true);
        archive
            .unpack(root)
            .map_err(|e| format!("layer {role} does not unpack: {e}"))?;
        roles.push(role);
    }
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let c = &config["config"];
    Ok((
        Config {
            entrypoint: strings(&c["Entrypoint"]),
            workdir: c["WorkingDir"].as_str().unwrap_or("/").to_owned(),
            env: strings(&c["Env"]),
            user: parse_user(c["User"].as_str().unwrap_or(""))?,
        },
        roles,
    ))
}

/// What a container runtime adds to an image's root: mount points for
/// `/proc`, a `/tmp` anyone may write, and the standard character devices
/// in `/dev`; the root itself open to every user (a temporary folder is
/// its owner's alone).
fn furnish(root: &Path) -> Result<(), OpsError> {
    use std::os::unix::fs::PermissionsExt;
    for dir in ["proc", "dev", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).map_err(|e| format!("{dir}: {e}"))?;
    }
    for (dir, mode) in [(root.to_owned(), 0o755), (root.join("tmp"), 0o1777)] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let devices = [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("random", 1, 8),
        ("urandom", 1, 9),
        ("tty", 5, 0),
    ];
    for (name, major, minor) in devices {
        let path = root.join("dev").join(name);
        if !path.exists() {
            crate::sys::make_char_device(&path, major, minor)
                .map_err(|e| format!("/dev/{name}: {e}"))?;
        }
    }
    Ok(())
}

/// The command that runs the image unpacked into `root` (its entrypoint
/// followed by `args`), with nothing from the host's environment.
fn command(root: &Path, config: &Config, args: &[String]) -> Result<Command, OpsError> {
    if config.entrypoint.is_empty() {
        return Err("the image's config has no Entrypoint".into());
    }
    furnish(root)?;
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--pid", "--fork", "--kill-child", "--mount-proc"])
        .arg(format!("--root={}", root.display()))
        .arg(format!("--wd={}", config.workdir));
    if let Some((uid, gid)) = config.user {
        // Set after the chroot, and the supplementary groups dropped.
        cmd.arg(format!("--setuid={uid}"))
            .arg(format!("--setgid={gid}"));
    }
    cmd.arg("--")
        .args(&config.entrypoint)
        .args(args)
        .env_clear();
    cmd.env(
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )
    .env("HOME", "/");
    for kv in &config.env {
        if let Some((k, v)) = kv.split_once('=') {
            cmd.env(k, v);
        }
    }
    Ok(cmd)
}

fn rootfs() -> Result<tempfile::TempDir, OpsError> {
    tempfile::Builder::new()
        .prefix("shootout-rootfs-")
        .tempdir()
        .map_err(|e| e.to_string().into())
}

/// The effective uid and gid of the process whose parent is `parent` (the
/// entrypoint `unshare --fork` started), from `/proc`.
fn child_user(parent: u32) -> Option<(u32, u32)> {
    let field = |status: &str, key: &str| -> Option<u32> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        // Real, effective, saved, filesystem: the effective one.
        line[key.len()..].split_whitespace().nth(1)?.parse().ok()
    };
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            let ppid = status.lines().find(|l| l.starts_with("PPid:"))?;
            (ppid["PPid:".len()..].trim() == parent.to_string())
                .then(|| Some((field(&status, "Uid:")?, field(&status, "Gid:")?)))
                .flatten()
        })
}

/// Spawns `cmd` (an image's command, to run as `user`), waits for `GET
/// /health` on `port`, checks that it runs as `user`, then asks `path` and
/// applies `good` to its JSON body; stops it.
async fn serve_and_ask(
    cmd: Command,
    user: Option<(u32, u32)>,
    cpus: Option<&CpuSet>,
    port: u16,
    ready_timeout: Duration,
    layers: Vec<String>,
    (path, good): (&str, fn(&Value) -> bool),
) -> Result<ImageStart, OpsError> {
    let mut service = Service::spawn("image", cmd, cpus).map_err(|e| e.to_string())?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let ready = service
        .wait_ready(addr, ready_timeout, Duration::from_millis(5))
        .await;
    let outcome = match ready {
        Err(e) => ImageStart {
            layers,
            answered: false,
            ready_ms: None,
            error: Some(format!(
                "the image did not start: {e}; output:\n{}",
                service.tail()
            )),
        },
        Ok(after) => {
            let answer = http1::send_once(addr, &Request::get(path), Duration::from_secs(5)).await;
            let good_answer = answer.as_ref().is_ok_and(|r| {
                r.status == 200 && serde_json::from_slice::<Value>(&r.body).is_ok_and(|v| good(&v))
            });
            let ran_as = child_user(service.pid);
            let as_user = user.is_none() || ran_as == user;
            let error = if !good_answer {
                Some(format!(
                    "{path} did not answer as the contract says: {answer:?}"
                ))
            } else if !as_user {
                Some(format!(
                    "it ran as uid:gid {ran_as:?}, not as its config's User {user:?}"
                ))
            } else {
                None
            };
            ImageStart {
                layers,
                answered: error.is_none(),
                ready_ms: Some(after.as_secs_f64() * 1e3),
                error,
            }
        }
    };
    service.stop(Duration::from_secs(5)).await;
    Ok(outcome)
}

/// shootout's own image (the one `shootout-k8s push` sends for the generator shards
/// and the upstream simulator): started from its layers as `shootout
/// upstream --port PORT`, its `/health` and `/clock` must answer.
pub async fn start_shootout(layout: &Path, port: u16) -> Result<ImageStart, OpsError> {
    let root = rootfs()?;
    let (config, layers) = unpack(layout, root.path(), &|_| true)?;
    let args = ["upstream".to_owned(), "--port".to_owned(), port.to_string()];
    let cmd = command(root.path(), &config, &args)?;
    let clock = |v: &Value| v["unix_us"].as_u64().is_some();
    serve_and_ask(
        cmd,
        config.user,
        None,
        port,
        Duration::from_secs(10),
        layers,
        ("/clock", clock),
    )
    .await
}

/// Unpacks the image at `layout` (only the layers `keep` accepts) and starts
/// it on `port`, pinned to `cpus`; checks `/health` and `/json` and stops it.
pub async fn start(
    layout: &Path,
    keep: &dyn Fn(&str) -> bool,
    cpus: Option<&CpuSet>,
    port: u16,
    ready_timeout: Duration,
) -> Result<ImageStart, OpsError> {
    let root = rootfs()?;
    let (config, layers) = unpack(layout, root.path(), keep)?;
    let mut cmd = command(root.path(), &config, &[])?;
    // The upstream is not needed: /health and /json never call it.
    cmd.env("PORT", port.to_string())
        .env("UPSTREAM_URL", "http://127.0.0.1:9");
    let hello = |v: &Value| *v == serde_json::json!({"message": "Hello, World!"});
    let user = config.user;
    serve_and_ask(
        cmd,
        user,
        cpus,
        port,
        ready_timeout,
        layers,
        ("/json", hello),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_user_is_numeric_and_empty_is_root() {
        assert_eq!(parse_user("").unwrap(), None);
        assert_eq!(parse_user("65532:65532").unwrap(), Some((65532, 65532)));
        assert_eq!(parse_user("1000").unwrap(), Some((1000, 1000)));
        assert!(parse_user("nonroot").is_err());
        assert!(parse_user("1000:staff").is_err());
    }

    #[test]
    fn the_command_sets_the_users_ids_after_the_chroot() {
        let root = tempfile::tempdir().unwrap();
        let config = Config {
            entrypoint: vec!["/app/server".into()],
            workdir: "/app".into(),
            env: vec!["HOME=/tmp".into()],
            user: Some((65532, 65532)),
        };
        let cmd = command(root.path(), &config, &[]).unwrap();
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        let dashes = args.iter().position(|a| a == "--").unwrap();
        assert!(
            args[..dashes].contains(&"--setuid=65532".into()),
            "{args:?}"
        );
        assert!(
            args[..dashes].contains(&"--setgid=65532".into()),
            "{args:?}"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(
            mode(&root.path().join("tmp")),
            0o1777,
            "/tmp as an emptyDir"
        );
        assert_eq!(mode(root.path()), 0o755, "the root open to its user");
    }

    #[test]
    fn the_child_of_a_process_is_found_with_its_user() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id();
        let found = child_user(me);
        let _ = child.kill();
        let _ = child.wait();
        // This process's own ids.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let id = |key: &str| -> u32 {
            let line = status.lines().find(|l| l.starts_with(key)).unwrap();
            line[key.len()..]
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        };
        assert_eq!(found, Some((id("Uid:"), id("Gid:"))));
    }
}
