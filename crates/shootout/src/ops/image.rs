//! Images that run: an OCI layout `footprint` wrote is unpacked (every blob
//! checked against its digest) into a root filesystem and started from its
//! config's entrypoint, working directory and environment — nothing from
//! the host's environment — inside new mount and PID namespaces, chrooted
//! into that root (`unshare --mount --pid --fork --root`), with what every
//! OCI runtime gives a container: a fresh `/proc`, a `/dev` of null, zero,
//! full, random, urandom and tty, an empty `/tmp`, and `PATH` and `HOME`
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

/// The entrypoint, working directory and environment of an image.
struct Config {
    entrypoint: Vec<String>,
    workdir: String,
    env: Vec<String>,
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
        },
        roles,
    ))
}

/// What a container runtime adds to an image's root: mount points for
/// `/proc`, a `/tmp`, and the standard character devices in `/dev`.
fn furnish(root: &Path) -> Result<(), OpsError> {
    for dir in ["proc", "dev", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).map_err(|e| format!("{dir}: {e}"))?;
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
        .arg(format!("--wd={}", config.workdir))
        .arg("--")
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

/// Spawns `cmd` (an image's command), waits for `GET /health` on `port`,
/// then asks `path` and applies `good` to its JSON body; stops it.
async fn serve_and_ask(
    cmd: Command,
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
            let answered = answer.as_ref().is_ok_and(|r| {
                r.status == 200 && serde_json::from_slice::<Value>(&r.body).is_ok_and(|v| good(&v))
            });
            ImageStart {
                layers,
                answered,
                ready_ms: Some(after.as_secs_f64() * 1e3),
                error: (!answered)
                    .then(|| format!("{path} did not answer as the contract says: {answer:?}")),
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
    serve_and_ask(cmd, cpus, port, ready_timeout, layers, ("/json", hello)).await
}
