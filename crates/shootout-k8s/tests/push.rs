//! `shootout-k8s push` against a real registry on 127.0.0.1 (Debian's
//! docker-registry, started here): each image started from its own layers
//! as its non-root user first, then pushed, then read back with a client of
//! our own, and its digest recorded for `render`.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::manifests::sha256;
use common::{prerequisite, shootout_bin, shootout_k8s, stdout_json, text};
use serde_json::Value;

/// Debian's docker-registry on a free port of 127.0.0.1, storing in `dir`.
struct Registry {
    child: Child,
    addr: SocketAddr,
}

impl Registry {
    fn start(dir: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry");
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, addr }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET on the registry's HTTP API with this crate's own HTTP/1.1 client
/// (not oci-client, which pushed).
async fn get(addr: SocketAddr, path: &str) -> shootout::http1::Response {
    let req = shootout::http1::Request::get(path)
        .header("Accept", "application/vnd.oci.image.manifest.v1+json");
    shootout::http1::send_once(addr, &req, Duration::from_secs(30))
        .await
        .unwrap()
}

#[tokio::test]
async fn push_sends_the_images_to_a_registry_and_they_come_back_identical() {
    if !prerequisite::available(
        "docker-registry",
        prerequisite::missing_program("docker-registry"),
        "apt-get install docker-registry (Debian's package; .ci/run installs it)",
    ) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::start(work.path());
    let images = work.path().join("images");
    let out = shootout_k8s()
        .args(["push", "--contenders", "go-nethttp", "--json", "--registry"])
        .arg(format!("{}", registry.addr))
        .arg("--images-dir")
        .arg(&images)
        .arg("--shootout-bin")
        .arg(shootout_bin())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pushed = stdout_json(&out);
    let schema = std::fs::read_to_string(common::repo().join("docs/k8s-push.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&serde_json::from_str(&schema).unwrap()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&pushed)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "k8s-push.schema.json: {errors:?}");
    let pushed = pushed.as_array().unwrap();
    assert_eq!(
        pushed.len(),
        2,
        "shootout's own image and go-nethttp's: {pushed:?}"
    );
    for (p, name) in pushed.iter().zip(["shootout", "go-nethttp"]) {
        check_pushed(p, name, &images, registry.addr).await;
    }
    check_digests(&images, registry.addr, pushed, work.path()).await;
}

/// `name`'s image as pushed (`p`): started as its config's User before the
/// push, and the registry serves the manifest and every blob the layout on
/// disk names.
async fn check_pushed(p: &Value, name: &str, images: &Path, registry: SocketAddr) {
    // The digest the layout on disk names is what the registry serves.
    let index = std::fs::read_to_string(images.join(name).join("index.json")).unwrap();
    let index: Value = serde_json::from_str(&index).unwrap();
    let want = index["manifests"][0]["digest"].as_str().unwrap();
    assert_eq!(p["manifest_digest"], want, "{p}");
    assert_eq!(p["verified"], true);
    // Started from its own layers before it was pushed, as its
    // config's User, not root (the start checks the process's uid).
    assert!(p["ran_ms"].as_f64().is_some(), "{p}");
    let blob = |digest: &str| -> Value {
        let path = images
            .join(name)
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let config = blob(blob(want)["config"]["digest"].as_str().unwrap());
    assert_eq!(config["config"]["User"], "65532:65532", "{name}");

    let repo = if name == "shootout" {
        "shootout".to_owned()
    } else {
        format!("shootout-{name}")
    };
    let manifest = get(registry, &format!("/v2/{repo}/manifests/latest")).await;
    assert_eq!(manifest.status, 200, "{manifest}");
    assert_eq!(sha256(&manifest.body), want);
    let m: Value = serde_json::from_slice(&manifest.body).unwrap();
    let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_owned()];
    for l in m["layers"].as_array().unwrap() {
        blobs.push(l["digest"].as_str().unwrap().to_owned());
    }
    assert_eq!(p["blobs"], blobs.len());
    for digest in blobs {
        let blob = get(registry, &format!("/v2/{repo}/blobs/{digest}")).await;
        assert_eq!(blob.status, 200, "{digest}");
        assert_eq!(sha256(&blob.body), digest);
    }
}

/// The digests file names what was pushed, by digest; the registry serves
/// it; `render` reads it.
async fn check_digests(images: &Path, registry: SocketAddr, pushed: &[Value], work: &Path) {
    // The digests file: what render and run pull, by digest.
    let digests: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(images.join("digests.json")).unwrap())
            .unwrap();
    let by_digest = |repo: &str, p: &Value| {
        format!(
            "{}/{repo}@{}",
            registry,
            p["manifest_digest"].as_str().unwrap()
        )
    };
    assert_eq!(
        digests,
        BTreeMap::from([
            ("shootout".to_owned(), by_digest("shootout", &pushed[0])),
            (
                "go-nethttp".to_owned(),
                by_digest("shootout-go-nethttp", &pushed[1])
            ),
        ])
    );
    // ...which the manifest of the registry serves under that digest.
    let manifest = get(
        registry,
        &format!(
            "/v2/shootout-go-nethttp/manifests/{}",
            pushed[1]["manifest_digest"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(manifest.status, 200, "{manifest}");
    let manifests = work.join("k8s");
    let out = shootout_k8s()
        .args(["render", "--contenders", "go-nethttp", "--registry"])
        .arg(registry.to_string())
        .arg("--digests")
        .arg(images.join("digests.json"))
        .arg("--out")
        .arg(&manifests)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let base = std::fs::read_to_string(manifests.join("base.json")).unwrap();
    assert!(base.contains(&digests["go-nethttp"]), "{base}");
    assert!(base.contains(&digests["shootout"]), "{base}");
}
