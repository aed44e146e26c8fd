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
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shootout_k8s::render::Object;
use shootout_k8s::strict::{StrictError, parse_list};

/// A digests file as `push` writes it, naming `images` by made-up digests
/// (the SHA-256 of each name), in `dir`.
fn digests_file(dir: &std::path::Path, images: &[&str]) -> std::path::PathBuf {
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

fn render(dir: &std::path::Path) -> std::process::Output {
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
    // Namespace; four NetworkPolicies (default deny, contenders, upstream,
    // PostgreSQL); upstream (Deployment, Service); PostgreSQL (ConfigMap,
    // StatefulSet, Service); three contenders (Deployment, Service).
    assert_eq!(
        kinds,
        BTreeMap::from([
            ("ConfigMap", 1),
            ("Deployment", 4),
            ("Namespace", 1),
            ("NetworkPolicy", 4),
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
                    c.image.clone().unwrap(),
                    format!("registry.example:5000/shootout@{}", sha256(b"shootout"))
                );
                continue;
            }
            assert_eq!(
                c.image.clone().unwrap(),
                format!(
                    "registry.example:5000/shootout-{name}@{}",
                    sha256(name.as_bytes())
                )
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

/// Every pod template of the rendered files in `dir`: (object name, pod).
fn pods(dir: &std::path::Path) -> Vec<(String, PodTemplateSpec)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        for object in parse_list(&read(dir, &file)).unwrap() {
            let name = object.name().to_owned();
            let template = match object {
                Object::Deployment(d) => d.spec.unwrap().template,
                Object::StatefulSet(s) => s.spec.unwrap().template,
                Object::Job(j) => j.spec.unwrap().template,
                _ => continue,
            };
            out.push((name, template));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The Pod Security Standard "restricted" profile's rules (baseline's
/// included), as the admission controller checks them, and the issue's own
/// rules: requests equal to limits, images by digest, no token.
fn assert_restricted(name: &str, pod: &PodSpec) {
    let psc = pod.security_context.clone().unwrap_or_default();
    assert_ne!(pod.host_network, Some(true), "{name}: hostNetwork");
    assert_ne!(pod.host_pid, Some(true), "{name}: hostPID");
    assert_ne!(pod.host_ipc, Some(true), "{name}: hostIPC");
    assert_eq!(
        pod.automount_service_account_token,
        Some(false),
        "{name}: a service-account token it never uses"
    );
    for v in pod.volumes.iter().flatten() {
        assert!(v.host_path.is_none(), "{name}: hostPath volume {}", v.name);
        assert!(
            v.config_map.is_some() || v.empty_dir.is_some(),
            "{name}: volume {} is not of a type restricted allows here",
            v.name
        );
    }
    assert_ne!(psc.run_as_user, Some(0), "{name}: runAsUser 0");
    let containers = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten());
    for c in containers {
        let at = format!("{name}/{}", c.name);
        let sc = c.security_context.clone().unwrap_or_default();
        assert_eq!(sc.allow_privilege_escalation, Some(false), "{at}");
        assert_ne!(sc.privileged, Some(true), "{at}: privileged");
        let caps = sc.capabilities.clone().unwrap_or_default();
        assert!(
            caps.drop.iter().flatten().any(|d| d == "ALL"),
            "{at}: capabilities not all dropped"
        );
        assert!(
            caps.add.iter().flatten().all(|a| a == "NET_BIND_SERVICE"),
            "{at}: adds {:?}",
            caps.add
        );
        assert!(
            sc.run_as_non_root == Some(true)
                || (sc.run_as_non_root.is_none() && psc.run_as_non_root == Some(true)),
            "{at}: runAsNonRoot"
        );
        assert_ne!(sc.run_as_user, Some(0), "{at}: runAsUser 0");
        let seccomp = sc
            .seccomp_profile
            .clone()
            .or(psc.seccomp_profile.clone())
            .map(|p| p.type_);
        assert_eq!(seccomp.as_deref(), Some("RuntimeDefault"), "{at}: seccomp");
        assert_eq!(sc.read_only_root_filesystem, Some(true), "{at}");
        for p in c.ports.iter().flatten() {
            assert!(p.host_port.is_none(), "{at}: hostPort");
        }
        let r = c.resources.clone().unwrap_or_default();
        let limits = r.limits.clone().unwrap_or_default();
        assert!(
            limits.contains_key("cpu") && limits.contains_key("memory"),
            "{at}: limits {limits:?}"
        );
        assert_eq!(r.requests, r.limits, "{at}: requests = limits");
        let image = c.image.clone().unwrap_or_default();
        let digest = image.split_once("@sha256:").map_or("", |(_, d)| d);
        assert!(
            digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
            "{at}: {image} is not by digest"
        );
    }
}

/// The labels of the pod template `name` among `pods`.
fn labels_of<'a>(
    pods: &'a [(String, PodTemplateSpec)],
    name: &str,
) -> &'a BTreeMap<String, String> {
    let (_, t) = pods.iter().find(|(n, _)| n == name).unwrap();
    t.metadata.as_ref().unwrap().labels.as_ref().unwrap()
}

fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_label = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expression = selector.match_expressions.iter().flatten().all(|e| {
        assert_eq!(e.operator, "In", "the test knows In only");
        labels
            .get(&e.key)
            .is_some_and(|v| e.values.iter().flatten().any(|w| w == v))
    });
    by_label && by_expression
}

/// Whether `policies` (one namespace's) let a pod labelled `from` open a
/// TCP connection to port `port` of a pod labelled `to`, as a CNI that
/// enforces NetworkPolicy decides it.
fn allowed(
    policies: &[NetworkPolicy],
    from: &BTreeMap<String, String>,
    to: &BTreeMap<String, String>,
    port: i32,
) -> bool {
    let applying: Vec<_> = policies
        .iter()
        .map(|p| p.spec.clone().unwrap())
        .filter(|s| selects(s.pod_selector.as_ref().unwrap(), to))
        .filter(|s| s.policy_types.iter().flatten().any(|t| t == "Ingress"))
        .collect();
    assert!(!applying.is_empty(), "a pod no policy isolates: {to:?}");
    applying.iter().any(|s| {
        s.ingress.iter().flatten().any(|rule| {
            let peer = rule.from.iter().flatten().any(|p| {
                assert!(p.namespace_selector.is_none() && p.ip_block.is_none());
                selects(p.pod_selector.as_ref().unwrap(), from)
            });
            let ports = rule.ports.iter().flatten().any(|p| {
                p.port == Some(IntOrString::Int(port)) && p.protocol.as_deref() == Some("TCP")
            });
            peer && ports
        })
    })
}

#[test]
fn every_pod_of_two_contenders_with_postgres_passes_the_restricted_profile_and_is_fenced() {
    let dir = tempfile::tempdir().unwrap();
    let pushed = tempfile::tempdir().unwrap();
    let contenders = ["go-nethttp", "node-fastify"];
    let digests = digests_file(
        pushed.path(),
        &["shootout", contenders[0], contenders[1], "postgres"],
    );
    let out = shootout_k8s()
        .args([
            "render",
            "--contenders",
            &contenders.join(","),
            "--database",
        ])
        .args([
            "--registry",
            "registry.example:5000",
            "--start-at",
            "1800000000",
        ])
        .arg("--digests")
        .arg(&digests)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );

    let pods = pods(dir.path());
    let names: Vec<&str> = pods.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "go-nethttp",
            "load-go-nethttp",
            "load-node-fastify",
            "node-fastify",
            "postgres",
            "upstream",
            "verify-go-nethttp",
            "verify-node-fastify",
        ]
    );
    for (name, template) in &pods {
        assert_restricted(name, template.spec.as_ref().unwrap());
    }
    // PostgreSQL as its image's own user, writing only emptyDirs.
    let (_, pg) = pods.iter().find(|(n, _)| n == "postgres").unwrap();
    let pg = pg.spec.as_ref().unwrap();
    let psc = pg.security_context.as_ref().unwrap();
    assert_eq!((psc.run_as_user, psc.fs_group), (Some(999), Some(999)));
    let mounts: Vec<&str> = pg.containers[0]
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| m.mount_path.as_str())
        .collect();
    for path in ["/tmp", "/var/lib/postgresql/data", "/var/run/postgresql"] {
        assert!(mounts.contains(&path), "{mounts:?}");
    }
    // The others as the images' User.
    let (_, up) = pods.iter().find(|(n, _)| n == "upstream").unwrap();
    let up = up.spec.as_ref().unwrap().security_context.as_ref().unwrap();
    assert_eq!(up.run_as_user, Some(65532));

    let base = parse_list(&read(dir.path(), "base.json")).unwrap();
    let Object::Namespace(ns) = &base[0] else {
        panic!("the namespace first")
    };
    let ns_labels = ns.metadata.labels.as_ref().unwrap();
    assert_eq!(
        ns_labels["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    let policies: Vec<NetworkPolicy> = base
        .iter()
        .filter_map(|o| match o {
            Object::NetworkPolicy(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let policy_names: Vec<&str> = policies
        .iter()
        .map(|p| p.metadata.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        policy_names,
        [
            "default-deny-ingress",
            "contenders-from-jobs",
            "upstream-from-contenders-and-jobs",
            "postgres-from-contenders",
        ]
    );
    let go = labels_of(&pods, "go-nethttp");
    let node = labels_of(&pods, "node-fastify");
    let load = labels_of(&pods, "load-go-nethttp");
    let verify = labels_of(&pods, "verify-go-nethttp");
    let upstream = labels_of(&pods, "upstream");
    let postgres = labels_of(&pods, "postgres");
    let outsider = BTreeMap::from([("app".to_owned(), "something-else".to_owned())]);
    // (from, to, port, allowed)
    let matrix = [
        (load, go, 8080, true),
        (verify, go, 8080, true),
        (load, node, 8080, true),
        (node, go, 8080, false),
        (upstream, go, 8080, false),
        (&outsider, go, 8080, false),
        (go, upstream, 4100, true),
        (load, upstream, 4100, true),
        (verify, upstream, 4100, true),
        (postgres, upstream, 4100, false),
        (&outsider, upstream, 4100, false),
        (go, postgres, 5432, true),
        (node, postgres, 5432, true),
        (verify, postgres, 5432, false),
        (load, postgres, 5432, false),
        (upstream, postgres, 5432, false),
        (go, load, 8080, false),
        (go, verify, 8080, false),
        (go, upstream, 8080, false),
    ];
    for (from, to, port, want) in matrix {
        assert_eq!(
            allowed(&policies, from, to, port),
            want,
            "{from:?} -> {to:?}:{port}"
        );
    }
}

#[test]
fn without_digests_render_says_to_push_first_and_a_tag_only_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let base = || {
        let mut cmd = shootout_k8s();
        cmd.args(["render", "--contenders", "go-nethttp"])
            .args([
                "--registry",
                "registry.example:5000",
                "--start-at",
                "1800000000",
            ])
            .arg("--out")
            .arg(dir.path());
        cmd
    };
    let missing = dir.path().join("no-such-digests.json");
    let out = base().arg("--digests").arg(&missing).output().unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("no digest for shootout's image"), "{err}");
    assert!(err.contains("hint: push it first"), "{err}");
    assert!(err.contains("--tag"), "{err}");

    let out = base()
        .arg("--digests")
        .arg(&missing)
        .args(["--tag", "latest"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("changes what is measured"),
        "{}",
        text(&out.stderr)
    );
    let base_json = parse_list(&read(dir.path(), "base.json")).unwrap();
    let Some(Object::Deployment(go)) = base_json.iter().find(|o| o.name() == "go-nethttp") else {
        panic!("no go-nethttp Deployment")
    };
    let image = go
        .spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .image
        .clone();
    assert_eq!(
        image.as_deref(),
        Some("registry.example:5000/shootout-go-nethttp:latest")
    );

    // --image pins what the digests file lacks; a tag is no pin.
    let pushed = tempfile::tempdir().unwrap();
    let digests = digests_file(pushed.path(), &["shootout", "go-nethttp"]);
    let out = base()
        .arg("--digests")
        .arg(&digests)
        .arg("--database")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--image postgres="),
        "{err}"
    );
    let pin = format!("postgres=postgres:15@{}", sha256(b"postgres"));
    let out = base()
        .arg("--digests")
        .arg(&digests)
        .args(["--database", "--image", &pin])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = base()
        .arg("--digests")
        .arg(&digests)
        .args(["--database", "--image", "postgres=postgres:15"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not pinned"),
        "{}",
        text(&out.stderr)
    );
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

    // The digests file: what render and run pull, by digest.
    let digests: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(images.join("digests.json")).unwrap())
            .unwrap();
    let by_digest = |repo: &str, p: &Value| {
        format!(
            "{}/{repo}@{}",
            registry.addr,
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
        registry.addr,
        &format!(
            "/v2/shootout-go-nethttp/manifests/{}",
            pushed[1]["manifest_digest"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(manifest.status, 200, "{manifest}");
    let manifests = work.path().join("k8s");
    let out = shootout_k8s()
        .args(["render", "--contenders", "go-nethttp", "--registry"])
        .arg(registry.addr.to_string())
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
