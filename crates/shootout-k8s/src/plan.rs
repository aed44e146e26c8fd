//! What goes on the cluster ([`Plan`]) and how its objects are named and
//! labelled: [`crate::render`] builds the objects from it, and
//! [`crate::policy`] fences them by the same labels.

use crate::images::POSTGRES;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use shootout::supervise::limits::Limits;
use std::collections::BTreeMap;
use std::time::Duration;

/// Port every contender listens on in its pod.
pub const SERVICE_PORT: i32 = 8080;
/// The upstream simulator's port.
pub const UPSTREAM_PORT: i32 = 4100;
/// Where the shootout binary lives in its image.
pub use shootout::ops::footprint::SHOOTOUT_PATH;
pub(crate) const PART_OF: &str = "app.kubernetes.io/part-of";
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

pub(crate) fn labels(name: &str, role: &str) -> BTreeMap<String, String> {
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

pub(crate) fn selector(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(NAME.to_owned(), name.to_owned())])),
        ..Default::default()
    }
}
