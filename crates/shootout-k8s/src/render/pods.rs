//! The pods and the workloads around them: resources (requests equal to
//! limits), hardened templates, Deployments, Services, probes.

use crate::security;
use crate::security::IMAGES_USER;
use crate::security::RunAs;
use crate::security::Writable;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::apps::v1::DeploymentSpec;
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::api::core::v1::EnvVar;
use k8s_openapi::api::core::v1::HTTPGetAction;
use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::api::core::v1::Probe;
use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::core::v1::ServicePort;
use k8s_openapi::api::core::v1::ServiceSpec;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shootout::supervise::limits::Limits;
use std::collections::BTreeMap;

use super::Object;
use crate::plan::{NAME, Plan, SHOOTOUT_PATH, UPSTREAM_PORT, labels, meta, selector};

pub(super) fn env(pairs: &[(&str, String)]) -> Option<Vec<EnvVar>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| EnvVar {
                name: (*k).to_owned(),
                value: Some(v.clone()),
                ..Default::default()
            })
            .collect(),
    )
}

/// A Kubernetes quantity for a CPU count: millicores.
pub(super) fn cpu_quantity(cpus: f64) -> Quantity {
    Quantity(format!("{}m", (cpus * 1000.0).round() as u64))
}

pub(super) fn memory_quantity(bytes: u64) -> Quantity {
    Quantity(if bytes % (1 << 20) == 0 {
        format!("{}Mi", bytes >> 20)
    } else {
        bytes.to_string()
    })
}

/// Requests equal to limits: the Guaranteed QoS class.
pub(super) fn resources(limits: &Limits) -> Option<ResourceRequirements> {
    let mut q = BTreeMap::new();
    if let Some(cpu) = limits.cpu {
        q.insert("cpu".to_owned(), cpu_quantity(cpu));
    }
    if let Some(m) = limits.memory_bytes {
        q.insert("memory".to_owned(), memory_quantity(m));
    }
    (!q.is_empty()).then(|| ResourceRequirements {
        limits: Some(q.clone()),
        requests: Some(q),
        ..Default::default()
    })
}

/// A pod of one container, run as `user`, hardened
/// ([`security::harden`]) with `writable` folders besides `/tmp`.
pub(super) fn template(
    name: &str,
    role: &str,
    container: Container,
    (user, writable): (RunAs, &[Writable]),
    extra: impl FnOnce(&mut PodSpec),
) -> PodTemplateSpec {
    let mut spec = PodSpec {
        containers: vec![container],
        ..Default::default()
    };
    extra(&mut spec);
    security::harden(&mut spec, user, writable);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(name, role)),
            ..Default::default()
        }),
        spec: Some(spec),
    }
}

pub(super) fn deployment(plan: &Plan, name: &str, role: &str, container: Container) -> Object {
    Object::Deployment(Deployment {
        metadata: meta(plan, name, role),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: selector(name),
            template: template(name, role, container, (IMAGES_USER, &[]), |_| {}),
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub(super) fn service(plan: &Plan, name: &str, role: &str, port: i32) -> Object {
    Object::Service(Service {
        metadata: meta(plan, name, role),
        spec: Some(ServiceSpec {
            selector: Some(BTreeMap::from([(NAME.to_owned(), name.to_owned())])),
            ports: Some(vec![ServicePort {
                name: Some("http".to_owned()),
                port,
                target_port: Some(IntOrString::Int(port)),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub(super) fn health_probe(port: i32) -> Option<Probe> {
    Some(Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/health".to_owned()),
            port: IntOrString::Int(port),
            ..Default::default()
        }),
        period_seconds: Some(2),
        ..Default::default()
    })
}

pub(super) fn upstream_url() -> String {
    format!("http://upstream:{UPSTREAM_PORT}")
}

pub(super) fn shootout_container(
    plan: &Plan,
    name: &str,
    args: Vec<String>,
    limits: &Limits,
) -> Container {
    Container {
        name: name.to_owned(),
        image: Some(plan.image("shootout")),
        command: Some(vec![SHOOTOUT_PATH.to_owned()]),
        args: Some(args),
        resources: resources(limits),
        ..Default::default()
    }
}
