//! `shootout-k8s render` without a cluster: the manifests read back into
//! the typed API objects with unknown fields rejected, snapshot-tested, and
//! images referenced by digest unless a tag is asked for.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::manifests::{digests_file, read, render, sha256};
use common::{shootout_k8s, text};
use serde_json::{Value, json};
use shootout_k8s::render::Object;
use shootout_k8s::strict::{StrictError, parse_list};

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
    check_contender_deployments(&base);
    check_load_jobs(dir.path());
    snapshot(dir.path());
}

/// Each contender: its image by digest, Guaranteed QoS, told where the
/// upstream and the database are, not told its budget.
fn check_contender_deployments(base: &[Object]) {
    for o in base {
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
}

/// Each load Job is an Indexed Job of four shards at one barrier.
fn check_load_jobs(dir: &Path) {
    for name in ["go-nethttp", "node-fastify", "rust-axum"] {
        let load = parse_list(&read(dir, &format!("{name}.load.json"))).unwrap();
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
        let verify = parse_list(&read(dir, &format!("{name}.verify.json"))).unwrap();
        assert_eq!(verify[0].name(), format!("verify-{name}"));
    }
}

fn snapshot(dir: &Path) {
    let mut all = serde_json::Map::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    for f in files {
        all.insert(f.clone(), read(dir, &f));
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
