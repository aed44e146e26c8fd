//! The cluster's objects, built as typed Kubernetes API objects
//! (`k8s-openapi`), never as text templates.
//!
//! - the base: a Namespace (enforcing the Pod Security Standard
//!   "restricted"); its NetworkPolicies ([`crate::policy`]); the upstream
//!   simulator (a Deployment of the
//!   shootout image running `shootout upstream`, and its Service); with
//!   `database`, PostgreSQL (a StatefulSet of the official `postgres` image
//!   whose first start applies `contract/schema.sql` from a ConfigMap, and
//!   its Service); per contender a Deployment with the same
//!   `resources.limits` (requests equal to limits: Guaranteed QoS, as a
//!   benchmark wants) and a Service;
//! - per contender, to run one after another: a verification Job (`shootout
//!   verify --target`, the contract over the cluster network) and the load
//!   Job, an **Indexed Job** whose pods are the generator shards
//!   (`completionMode: Indexed`, the completion index is the shard index,
//!   `--start-at` the barrier, the upstream's clock the reference).
//!
//! Generator pods prefer nodes without a contender (soft anti-affinity: a
//! one-node cluster still runs, and the merged result says when a shard
//! saturated its CPU).
//!
//! Every pod is hardened by [`crate::security`], every container has
//! requests equal to its limits (Guaranteed QoS), and every image is the
//! reference [`crate::images`] resolved: by digest unless `--tag` was given.

mod jobs;
mod pods;

use crate::images::POSTGRES;
use crate::images::repository;
use crate::security::POSTGRES_USER;
use crate::security::Writable;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::apps::v1::StatefulSetSpec;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::core::v1::ConfigMapVolumeSource;
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::api::core::v1::ContainerPort;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::core::v1::Volume;
use k8s_openapi::api::core::v1::VolumeMount;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::plan::{
    LoadPlan, NAME, Plan, ROLE, ROLE_CONTENDER, ROLE_DATABASE, ROLE_GENERATOR, ROLE_UPSTREAM,
    ROLE_VERIFY, SERVICE_PORT, SHOOTOUT_PATH, UPSTREAM_PORT,
};
use crate::plan::{PART_OF, meta, selector};
pub use jobs::{VERIFY_LIMITS, contender_jobs};
use pods::{
    deployment, env, health_probe, resources, service, shootout_container, template, upstream_url,
};

const DATABASE_URL: &str = "postgres://shootout:shootout@postgres:5432/shootout";

/// PostgreSQL's folders that must be writable: its data (an `emptyDir`: a
/// benchmark's database starts empty and is thrown away with the
/// namespace) and its socket folder.
const POSTGRES_WRITABLE: [Writable; 2] = [
    Writable {
        volume: "data",
        path: "/var/lib/postgresql/data",
        size_limit: None,
    },
    Writable {
        volume: "run",
        path: "/var/run/postgresql",
        size_limit: Some("16Mi"),
    },
];

/// A folder of the data volume, so that `initdb`, as `postgres`, creates
/// it and may set its mode (the volume's root belongs to root).
const PGDATA: &str = "/var/lib/postgresql/data/pgdata";

/// One object of the manifests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Object {
    Namespace(Namespace),
    ConfigMap(ConfigMap),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    Service(Service),
    Job(Job),
    NetworkPolicy(NetworkPolicy),
}

impl Object {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Namespace(_) => "Namespace",
            Self::ConfigMap(_) => "ConfigMap",
            Self::Deployment(_) => "Deployment",
            Self::StatefulSet(_) => "StatefulSet",
            Self::Service(_) => "Service",
            Self::Job(_) => "Job",
            Self::NetworkPolicy(_) => "NetworkPolicy",
        }
    }

    pub fn name(&self) -> &str {
        let meta = match self {
            Self::Namespace(o) => &o.metadata,
            Self::ConfigMap(o) => &o.metadata,
            Self::Deployment(o) => &o.metadata,
            Self::StatefulSet(o) => &o.metadata,
            Self::Service(o) => &o.metadata,
            Self::Job(o) => &o.metadata,
            Self::NetworkPolicy(o) => &o.metadata,
        };
        meta.name.as_deref().unwrap_or("")
    }
}

/// Everything, in the order it is applied.
#[derive(Debug, Clone)]
pub struct Manifests {
    /// Namespace, upstream, database, contenders.
    pub base: Vec<Object>,
    /// Per contender: its verification Job, then its load Job.
    pub runs: Vec<ContenderJobs>,
}

#[derive(Debug, Clone)]
pub struct ContenderJobs {
    pub contender: String,
    pub verify: Job,
    pub load: Job,
}

/// The image `shootout-k8s push` writes for `name` (a contender, or
/// `shootout` itself for the generator and the upstream), by tag.
pub fn image_ref(registry: &str, name: &str, tag: &str) -> String {
    format!("{}:{tag}", repository(registry, name))
}

fn base(plan: &Plan) -> Vec<Object> {
    let mut out = vec![Object::Namespace(Namespace {
        metadata: ObjectMeta {
            name: Some(plan.namespace.clone()),
            // Pod Security admission refuses a pod that breaks the
            // "restricted" profile, as a strict cluster's namespace would.
            labels: Some(BTreeMap::from([
                (PART_OF.to_owned(), "shootout".to_owned()),
                (
                    "pod-security.kubernetes.io/enforce".to_owned(),
                    "restricted".to_owned(),
                ),
                (
                    "pod-security.kubernetes.io/warn".to_owned(),
                    "restricted".to_owned(),
                ),
            ])),
            ..Default::default()
        },
        ..Default::default()
    })];
    out.extend(
        crate::policy::policies(plan)
            .into_iter()
            .map(Object::NetworkPolicy),
    );
    let mut upstream = shootout_container(
        plan,
        "upstream",
        vec![
            "upstream".into(),
            "--host".into(),
            "0.0.0.0".into(),
            "--port".into(),
            UPSTREAM_PORT.to_string(),
        ],
        &plan.upstream_limits,
    );
    upstream.ports = Some(vec![ContainerPort {
        container_port: UPSTREAM_PORT,
        ..Default::default()
    }]);
    upstream.readiness_probe = health_probe(UPSTREAM_PORT);
    out.push(deployment(plan, "upstream", ROLE_UPSTREAM, upstream));
    out.push(service(plan, "upstream", ROLE_UPSTREAM, UPSTREAM_PORT));
    if plan.database {
        out.extend(database(plan));
    }
    for name in &plan.contenders {
        let mut vars = vec![
            ("PORT", SERVICE_PORT.to_string()),
            ("HOST", "0.0.0.0".to_owned()),
            ("UPSTREAM_URL", upstream_url()),
        ];
        if plan.database {
            vars.push(("DATABASE_URL", DATABASE_URL.to_owned()));
            let cpus = plan.limits.cpu.map_or(1, |c| c.ceil() as usize);
            vars.push((
                "DB_POOL_SIZE",
                shootout::database::pool_size(cpus).to_string(),
            ));
        }
        // Not told its CPU budget: as in a pod, its runtime finds its
        // limits itself (`--limits` locally does the same).
        let container = Container {
            name: name.clone(),
            image: Some(plan.image(name)),
            env: env(&vars),
            ports: Some(vec![ContainerPort {
                container_port: SERVICE_PORT,
                ..Default::default()
            }]),
            resources: resources(&plan.limits),
            readiness_probe: health_probe(SERVICE_PORT),
            ..Default::default()
        };
        out.push(deployment(plan, name, ROLE_CONTENDER, container));
        out.push(service(plan, name, ROLE_CONTENDER, SERVICE_PORT));
    }
    out
}

fn database(plan: &Plan) -> Vec<Object> {
    let schema = ConfigMap {
        metadata: meta(plan, "postgres-schema", ROLE_DATABASE),
        data: Some(BTreeMap::from([(
            "schema.sql".to_owned(),
            shootout::database::SCHEMA_SQL.to_owned(),
        )])),
        ..Default::default()
    };
    let container = Container {
        name: "postgres".to_owned(),
        image: Some(plan.image(POSTGRES)),
        env: env(&[
            ("POSTGRES_USER", "shootout".to_owned()),
            ("POSTGRES_PASSWORD", "shootout".to_owned()),
            ("POSTGRES_DB", "shootout".to_owned()),
            ("PGDATA", PGDATA.to_owned()),
        ]),
        ports: Some(vec![ContainerPort {
            container_port: crate::policy::POSTGRES_PORT,
            ..Default::default()
        }]),
        resources: resources(&plan.database_limits),
        volume_mounts: Some(vec![VolumeMount {
            name: "schema".to_owned(),
            mount_path: "/docker-entrypoint-initdb.d".to_owned(),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let set = StatefulSet {
        metadata: meta(plan, "postgres", ROLE_DATABASE),
        spec: Some(StatefulSetSpec {
            replicas: Some(1),
            service_name: Some("postgres".to_owned()),
            selector: selector("postgres"),
            template: template(
                "postgres",
                ROLE_DATABASE,
                container,
                (POSTGRES_USER, &POSTGRES_WRITABLE),
                |spec| {
                    spec.volumes = Some(vec![Volume {
                        name: "schema".to_owned(),
                        config_map: Some(ConfigMapVolumeSource {
                            name: "postgres-schema".to_owned(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]);
                },
            ),
            ..Default::default()
        }),
        ..Default::default()
    };
    vec![
        Object::ConfigMap(schema),
        Object::StatefulSet(set),
        service(
            plan,
            "postgres",
            ROLE_DATABASE,
            crate::policy::POSTGRES_PORT,
        ),
    ]
}

/// Every object of `plan`.
pub fn render(plan: &Plan) -> Manifests {
    Manifests {
        base: base(plan),
        runs: plan
            .contenders
            .iter()
            .map(|c| contender_jobs(plan, c))
            .collect(),
    }
}

/// A `v1 List` of `objects`, which `kubectl apply -f` takes as it is.
pub fn list(objects: &[Object]) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": objects,
    })
}
