//! Every pod `shootout-k8s render` writes passes the Pod Security
//! Standard "restricted", and the NetworkPolicies fence each role.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::manifests::{digests_file, read};
use common::{shootout_k8s, text};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shootout_k8s::render::Object;
use shootout_k8s::strict::parse_list;

/// Every pod template of the rendered files in `dir`: (object name, pod).
fn pods(dir: &Path) -> Vec<(String, PodTemplateSpec)> {
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
    check_pods(&pods);
    check_fences(dir.path(), &pods);
}

/// Every pod passes "restricted"; PostgreSQL runs as its own user and
/// writes only emptyDirs; the others as the images' User.
fn check_pods(pods: &[(String, PodTemplateSpec)]) {
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
    for (name, template) in pods {
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
}

/// The namespace enforces "restricted", and the NetworkPolicies allow
/// exactly the connections a run needs.
fn check_fences(dir: &Path, pods: &[(String, PodTemplateSpec)]) {
    let base = parse_list(&read(dir, "base.json")).unwrap();
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
    let go = labels_of(pods, "go-nethttp");
    let node = labels_of(pods, "node-fastify");
    let load = labels_of(pods, "load-go-nethttp");
    let verify = labels_of(pods, "verify-go-nethttp");
    let upstream = labels_of(pods, "upstream");
    let postgres = labels_of(pods, "postgres");
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
