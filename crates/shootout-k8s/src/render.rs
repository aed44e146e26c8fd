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

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Affinity, ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EnvVar, HTTPGetAction,
    Namespace, PodAffinityTerm, PodAntiAffinity, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
    WeightedPodAffinityTerm,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};

use shootout::limits::Limits;

use crate::images::{POSTGRES, repository};
use crate::security::{self, IMAGES_USER, POSTGRES_USER, RunAs, Writable};

/// Port every contender listens on in its pod.
pub const SERVICE_PORT: i32 = 8080;
/// The upstream simulator's port.
pub const UPSTREAM_PORT: i32 = 4100;
/// Where the shootout binary lives in its image.
pub use shootout::ops::footprint::SHOOTOUT_PATH;
const PART_OF: &str = "app.kubernetes.io/part-of";
/// The label naming a pod's Deployment, StatefulSet or Job.
pub const NAME: &str = "app.kubernetes.io/name";
/// The label saying what a pod is for: one of the `ROLE_*`.
pub const ROLE: &str = "shootout.dev/role";
pub const ROLE_CONTENDER: &str = "contender";
/// The upstream simulator.
pub const ROLE_UPSTREAM: &str = "upstream";
pub const ROLE_DATABASE: &str = "database";
/// The verification Jobs' pods.
pub const ROLE_VERIFY: &str = "verify";
/// The load Jobs' pods: the shards.
pub const ROLE_GENERATOR: &str = "generator";
const DATABASE_URL: &str = "postgres://shootout:shootout@postgres:5432/shootout";
/// The verification Job's resources: `verify --target` sends a few hundred
/// requests, one at a time or a few dozen at once; one CPU keeps its
/// timing checks clear of CFS throttling.
pub const VERIFY_LIMITS: Limits = Limits {
    cpu: Some(1.0),
    memory_bytes: Some(256 << 20),
};
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

/// What to put on the cluster.
#[derive(Debug, Clone)]
pub struct Plan {
    pub namespace: String,
    /// Each image's reference (`shootout`, each contender, `postgres`), by
    /// digest unless the user asked for a tag ([`crate::images::resolve`]).
    pub images: BTreeMap<String, String>,
    pub contenders: Vec<String>,
    /// Each contender's `resources.limits` (and requests).
    pub limits: Limits,
    /// The upstream simulator's.
    pub upstream_limits: Limits,
    /// PostgreSQL's.
    pub database_limits: Limits,
    /// Generator pods.
    pub shards: usize,
    /// Each generator pod's `resources.limits`.
    pub shard_limits: Limits,
    pub load: LoadPlan,
    /// Unix seconds the shards start at.
    pub start_at: f64,
    /// Run PostgreSQL and give the contenders `DATABASE_URL`.
    pub database: bool,
}

impl Plan {
    /// The reference of the image `name` (`shootout`, a contender,
    /// `postgres`).
    pub fn image(&self, name: &str) -> String {
        self.images.get(name).cloned().unwrap_or_default()
    }

    /// The names of the images the pods run.
    pub fn image_names(&self) -> Vec<&str> {
        let mut names = vec!["shootout"];
        names.extend(self.contenders.iter().map(String::as_str));
        if self.database {
            names.push(POSTGRES);
        }
        names
    }
}

/// What every generator shard runs: `shootout load` with these, each shard
/// its share.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Path and query, e.g. `/json`.
    pub path: String,
    /// Connections in all (closed model; open model: the pool).
    pub connections: usize,
    /// Requests per second in all (open model).
    pub rate: Option<f64>,
    pub duration: Duration,
    pub warmup: Duration,
}

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

fn labels(name: &str, role: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (PART_OF.to_owned(), "shootout".to_owned()),
        (NAME.to_owned(), name.to_owned()),
        (ROLE.to_owned(), role.to_owned()),
    ])
}

pub(crate) fn meta(plan: &Plan, name: &str, role: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(plan.namespace.clone()),
        labels: Some(labels(name, role)),
        ..Default::default()
    }
}

fn env(pairs: &[(&str, String)]) -> Option<Vec<EnvVar>> {
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
fn cpu_quantity(cpus: f64) -> Quantity {
    Quantity(format!("{}m", (cpus * 1000.0).round() as u64))
}

fn memory_quantity(bytes: u64) -> Quantity {
    Quantity(if bytes % (1 << 20) == 0 {
        format!("{}Mi", bytes >> 20)
    } else {
        bytes.to_string()
    })
}

/// Requests equal to limits: the Guaranteed QoS class.
fn resources(limits: &Limits) -> Option<ResourceRequirements> {
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
fn template(
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

fn selector(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(NAME.to_owned(), name.to_owned())])),
        ..Default::default()
    }
}

fn deployment(plan: &Plan, name: &str, role: &str, container: Container) -> Object {
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

fn service(plan: &Plan, name: &str, role: &str, port: i32) -> Object {
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

fn health_probe(port: i32) -> Option<Probe> {
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

fn upstream_url() -> String {
    format!("http://upstream:{UPSTREAM_PORT}")
}

fn shootout_container(plan: &Plan, name: &str, args: Vec<String>, limits: &Limits) -> Container {
    Container {
        name: name.to_owned(),
        image: Some(plan.image("shootout")),
        command: Some(vec![SHOOTOUT_PATH.to_owned()]),
        args: Some(args),
        resources: resources(limits),
        ..Default::default()
    }
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

fn job(
    plan: &Plan,
    (name, role): (&str, &str),
    pods: usize,
    indexed: bool,
    container: Container,
) -> Job {
    Job {
        metadata: meta(plan, name, role),
        spec: Some(JobSpec {
            completion_mode: indexed.then(|| "Indexed".to_owned()),
            completions: Some(pods as i32),
            parallelism: Some(pods as i32),
            backoff_limit: Some(0),
            template: template(name, role, container, (IMAGES_USER, &[]), |spec| {
                spec.restart_policy = Some("Never".to_owned());
                spec.affinity = Some(away_from_contenders());
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Prefer nodes that run no contender.
fn away_from_contenders() -> Affinity {
    Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![
                WeightedPodAffinityTerm {
                    weight: 100,
                    pod_affinity_term: PodAffinityTerm {
                        label_selector: Some(LabelSelector {
                            match_labels: Some(BTreeMap::from([(
                                ROLE.to_owned(),
                                ROLE_CONTENDER.to_owned(),
                            )])),
                            ..Default::default()
                        }),
                        topology_key: "kubernetes.io/hostname".to_owned(),
                        ..Default::default()
                    },
                },
            ]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The verification Job and the load Job of `contender`.
pub fn contender_jobs(plan: &Plan, contender: &str) -> ContenderJobs {
    let base = format!("http://{contender}:{SERVICE_PORT}");
    let verify = shootout_container(
        plan,
        "verify",
        vec![
            "verify".into(),
            "--json".into(),
            "--target".into(),
            format!("{contender}={base}"),
            "--target-upstream".into(),
            upstream_url(),
        ],
        &VERIFY_LIMITS,
    );
    let l = &plan.load;
    let mut args = vec![
        "load".to_owned(),
        format!("{base}{}", l.path),
        "-c".into(),
        l.connections.to_string(),
        "-d".into(),
        format!("{}ms", l.duration.as_millis()),
        "--warmup".into(),
        format!("{}ms", l.warmup.as_millis()),
    ];
    if let Some(rate) = l.rate {
        args.extend(["--rate".into(), rate.to_string()]);
    }
    args.extend([
        // The Job controller sets JOB_COMPLETION_INDEX in each pod; the
        // kubelet expands $(VAR) in args.
        "--shard".into(),
        format!("$(JOB_COMPLETION_INDEX)/{}", plan.shards),
        "--start-at".into(),
        format!("{:.3}", plan.start_at),
        "--clock-ref".into(),
        upstream_url(),
        "--json".into(),
    ]);
    let shard = shootout_container(plan, "shard", args, &plan.shard_limits);
    ContenderJobs {
        contender: contender.to_owned(),
        verify: job(
            plan,
            (&format!("verify-{contender}"), ROLE_VERIFY),
            1,
            false,
            verify,
        ),
        load: job(
            plan,
            (&format!("load-{contender}"), ROLE_GENERATOR),
            plan.shards,
            true,
            shard,
        ),
    }
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
