//! `shootout-k8s` without a cluster: the rendered manifests read back into
//! the typed API objects with unknown fields rejected (and snapshot-tested),
//! and `k8s push` against a real registry on 127.0.0.1 (Debian's
//! docker-registry, started here): each image started from its own layers
//! first, then pushed, then read back with a client of our own.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{prerequisite, shootout_bin, shootout_k8s, stdout_json, text};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shootout_k8s::render::Object;
use shootout_k8s::strict::{StrictError, parse_list};

fn render(dir: &std::path::Path) -> std::process::Output {
    shootout_k8s()
        .args([
            "render",
            "--contenders",
            "go-nethttp,node-fastify,rust-axum",
        ])
        .args(["--shards", "4", "--registry", "registry.example:5000"])
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

fn read(dir: &std::path::Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

#[test]
fn rendered_manifests_parse_back_as_typed_objects_and_match_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = render(dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("kubectl apply -f"),
        "{}",
        text(&out.stdout)
    );

    let base = parse_list(&read(dir.path(), "base.json")).unwrap();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for o in &base {
        *kinds.entry(o.kind()).or_default() += 1;
    }
    // Namespace; upstream (Deployment, Service); PostgreSQL (ConfigMap,
    // StatefulSet, Service); three contenders (Deployment, Service).
    assert_eq!(
        kinds,
        BTreeMap::from([
            ("ConfigMap", 1),
            ("Deployment", 4),
            ("Namespace", 1),
            ("Service", 5),
            ("StatefulSet", 1),
        ])
    );
    for o in &base {
        if let Object::Deployment(d) = o {
            let name = d.metadata.name.as_deref().unwrap();
            let spec = d.spec.as_ref().unwrap().template.spec.as_ref().unwrap();
            let c = &spec.containers[0];
            if name == "upstream" {
                assert_eq!(
                    c.image.as_deref(),
                    Some("registry.example:5000/shootout:latest")
                );
                continue;
            }
            assert_eq!(
                c.image.as_deref(),
                Some(format!("registry.example:5000/shootout-{name}:latest").as_str())
            );
            let r = c.resources.as_ref().unwrap();
            assert_eq!(r.limits, r.requests, "{name}: Guaranteed QoS");
            let limits = r.limits.as_ref().unwrap();
            assert_eq!(limits["cpu"].0, "1500m");
            assert_eq!(limits["memory"].0, "256Mi");
            let env: BTreeMap<_, _> = c
                .env
                .iter()
                .flatten()
                .map(|e| (e.name.as_str(), e.value.as_deref().unwrap()))
                .collect();
            assert_eq!(env["HOST"], "0.0.0.0");
            assert_eq!(env["UPSTREAM_URL"], "http://upstream:4100");
            assert!(env["DATABASE_URL"].starts_with("postgres://"));
            assert!(!env.contains_key("CPUS"), "a pod is not told its budget");
        }
    }
    for name in ["go-nethttp", "node-fastify", "rust-axum"] {
        let load = parse_list(&read(dir.path(), &format!("{name}.load.json"))).unwrap();
        let Object::Job(job) = &load[0] else {
            panic!("{name}: not a Job")
        };
        let spec = job.spec.as_ref().unwrap();
        assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
        assert_eq!(spec.completions, Some(4));
        assert_eq!(spec.parallelism, Some(4));
        let args = spec.template.spec.as_ref().unwrap().containers[0]
            .args
            .clone()
            .unwrap();
        let joined = args.join(" ");
        assert!(
            joined.contains("--shard $(JOB_COMPLETION_INDEX)/4"),
            "{joined}"
        );
        assert!(joined.contains("--start-at 1800000000.000"), "{joined}");
        assert!(joined.contains(&format!("http://{name}:8080/cpu/hash?seed=7&n=1000")));
        let verify = parse_list(&read(dir.path(), &format!("{name}.verify.json"))).unwrap();
        assert_eq!(verify[0].name(), format!("verify-{name}"));
    }

    let mut all = serde_json::Map::new();
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    for f in files {
        all.insert(f.clone(), read(dir.path(), &f));
    }
    insta::assert_snapshot!(
        "k8s_render",
        serde_json::to_string_pretty(&Value::Object(all)).unwrap()
    );
}

#[test]
fn a_misspelt_or_misplaced_field_is_rejected_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    assert!(render(dir.path()).status.success());
    let mut job = read(dir.path(), "go-nethttp.load.json");
    job["items"][0]["spec"]["completionMod"] = json!("Indexed");
    let e = parse_list(&job).unwrap_err();
    assert!(
        matches!(&e, StrictError::Unknown { path, .. } if path == ".spec.completionMod"),
        "{e}"
    );
    let mut base = read(dir.path(), "base.json");
    let items = base["items"].as_array_mut().unwrap();
    let d = items
        .iter_mut()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["resource"] = json!({});
    let e = parse_list(&base).unwrap_err().to_string();
    assert!(
        e.contains("unknown field .spec.template.spec.containers[0].resource"),
        "{e}"
    );
    let mut wrong = read(dir.path(), "base.json");
    wrong["items"][0]["kind"] = json!("Ingress");
    assert!(matches!(parse_list(&wrong), Err(StrictError::Kind { .. })));
}

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

fn sha256(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
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
        .arg("--images")
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
        // The digest the layout on disk names is what the registry serves.
        let index = std::fs::read_to_string(images.join(name).join("index.json")).unwrap();
        let index: Value = serde_json::from_str(&index).unwrap();
        let want = index["manifests"][0]["digest"].as_str().unwrap();
        assert_eq!(p["manifest_digest"], want, "{p}");
        assert_eq!(p["verified"], true);
        // Started from its own layers before it was pushed.
        assert!(p["ran_ms"].as_f64().is_some(), "{p}");

        let repo = if name == "shootout" {
            "shootout".to_owned()
        } else {
            format!("shootout-{name}")
        };
        let manifest = get(registry.addr, &format!("/v2/{repo}/manifests/latest")).await;
        assert_eq!(manifest.status, 200, "{manifest}");
        assert_eq!(sha256(&manifest.body), want);
        let m: Value = serde_json::from_slice(&manifest.body).unwrap();
        let mut blobs = vec![m["config"]["digest"].as_str().unwrap().to_owned()];
        for l in m["layers"].as_array().unwrap() {
            blobs.push(l["digest"].as_str().unwrap().to_owned());
        }
        assert_eq!(p["blobs"], blobs.len());
        for digest in blobs {
            let blob = get(registry.addr, &format!("/v2/{repo}/blobs/{digest}")).await;
            assert_eq!(blob.status, 200, "{digest}");
            assert_eq!(sha256(&blob.body), digest);
        }
    }
}
