//! The manifests `render` writes, read back; a digests file as `push`
//! writes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::shootout_k8s;

pub fn sha256(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// A digests file as `push` writes it, naming `images` by made-up digests
/// (the SHA-256 of each name), in `dir`.
pub fn digests_file(dir: &Path, images: &[&str]) -> PathBuf {
    let map: BTreeMap<&str, String> = images
        .iter()
        .map(|&name| {
            let repo = match name {
                "postgres" => "postgres:15".to_owned(),
                "shootout" => "registry.example:5000/shootout".to_owned(),
                _ => format!("registry.example:5000/shootout-{name}"),
            };
            (name, format!("{repo}@{}", sha256(name.as_bytes())))
        })
        .collect();
    let path = dir.join("digests.json");
    std::fs::write(&path, serde_json::to_string_pretty(&map).unwrap()).unwrap();
    path
}

/// `render` of three contenders, four shards and PostgreSQL into `dir`.
pub fn render(dir: &Path) -> std::process::Output {
    let pushed = tempfile::tempdir().unwrap();
    let digests = digests_file(
        pushed.path(),
        &[
            "shootout",
            "go-nethttp",
            "node-fastify",
            "rust-axum",
            "postgres",
        ],
    );
    shootout_k8s()
        .args([
            "render",
            "--contenders",
            "go-nethttp,node-fastify,rust-axum",
        ])
        .args(["--shards", "4", "--registry", "registry.example:5000"])
        .arg("--digests")
        .arg(&digests)
        .args([
            "--start-at",
            "1800000000",
            "--database",
            "--path",
            "/cpu/hash?seed=7&n=1000",
        ])
        .args(["--limits", "cpu=1500m,memory=256Mi", "--out"])
        .arg(dir)
        .output()
        .unwrap()
}

pub fn read(dir: &Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}
