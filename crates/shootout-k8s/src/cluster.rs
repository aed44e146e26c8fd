//! `shootout k8s run`: the rendered objects applied to the cluster of the
//! current kubeconfig context with kube-rs (server-side apply, field manager
//! `shootout`), then one contender at a time: its verification Job, and
//! only when that passed its load Job (the barrier set when it is created),
//! each shard's JSON read from its pod's log, the shards merged exactly
//! ([`shootout::load::shard::merge`]), and at the end the namespace deleted.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::{DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};

use crate::render::{self, Object, Plan};
use shootout::load::report::LoadReport;

const MANAGER: &str = "shootout";
const POLL: Duration = Duration::from_secs(2);

/// How `k8s run` runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub plan: Plan,
    /// Where each contender's merged result and its shards go.
    pub out: PathBuf,
    /// Time between creating a load Job and its barrier: for the pods to be
    /// scheduled, pull the image and start.
    pub lead: Duration,
    /// How long Deployments may take to become available.
    pub ready_timeout: Duration,
    /// Leave the namespace in place afterwards.
    pub keep: bool,
}

/// One contender's outcome.
#[derive(Debug)]
pub struct ContenderRun {
    pub contender: String,
    /// The merged load, or why there is none.
    pub result: Result<LoadReport, String>,
}

/// Where a Job stands.
#[derive(Debug, Clone, PartialEq)]
pub enum JobState {
    Running,
    Succeeded,
    Failed(String),
}

/// A Job that should finish with `pods` successes.
pub fn job_state(job: &Job, pods: usize) -> JobState {
    let status = job.status.clone().unwrap_or_default();
    if let Some(c) = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Failed" && c.status == "True")
    {
        return JobState::Failed(format!(
            "{}: {}",
            c.reason.as_deref().unwrap_or("Failed"),
            c.message.as_deref().unwrap_or("")
        ));
    }
    if status.failed.unwrap_or(0) > 0 {
        return JobState::Failed(format!("{} pod(s) failed", status.failed.unwrap_or(0)));
    }
    if status.succeeded.unwrap_or(0) as usize >= pods {
        JobState::Succeeded
    } else {
        JobState::Running
    }
}

/// Server-side apply of one object through `api`.
async fn patch<K>(api: Api<K>, object: &K, name: &str) -> kube::Result<()>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + serde::Serialize + std::fmt::Debug,
{
    api.patch(
        name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(object),
    )
    .await
    .map(drop)
}

async fn apply(client: &Client, ns: &str, object: &Object) -> kube::Result<()> {
    let (c, name) = (client.clone(), object.name());
    match object {
        Object::Namespace(o) => patch(Api::<Namespace>::all(c), o, name).await,
        Object::ConfigMap(o) => patch(Api::<ConfigMap>::namespaced(c, ns), o, name).await,
        Object::Deployment(o) => patch(Api::<Deployment>::namespaced(c, ns), o, name).await,
        Object::StatefulSet(o) => patch(Api::<StatefulSet>::namespaced(c, ns), o, name).await,
        Object::Service(o) => patch(Api::<Service>::namespaced(c, ns), o, name).await,
        Object::NetworkPolicy(o) => patch(Api::<NetworkPolicy>::namespaced(c, ns), o, name).await,
        Object::Job(o) => Api::<Job>::namespaced(c, ns)
            .create(&PostParams::default(), o)
            .await
            .map(drop),
    }
}

/// Waits until every Deployment and StatefulSet of the base has a ready
/// replica.
async fn wait_ready(
    client: &Client,
    ns: &str,
    base: &[Object],
    timeout: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    for object in base {
        let name = object.name();
        loop {
            let ready = match object {
                Object::Deployment(_) => Api::<Deployment>::namespaced(client.clone(), ns)
                    .get(name)
                    .await?
                    .status
                    .and_then(|s| s.available_replicas)
                    .unwrap_or(0),
                Object::StatefulSet(_) => Api::<StatefulSet>::namespaced(client.clone(), ns)
                    .get(name)
                    .await?
                    .status
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0),
                _ => break,
            };
            if ready >= 1 {
                eprintln!("shootout: {} {name} is ready", object.kind());
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{} {name} was not ready within {} s (kubectl -n {ns} describe {} {name})",
                object.kind(),
                timeout.as_secs(),
                object.kind().to_lowercase()
            );
            tokio::time::sleep(POLL).await;
        }
    }
    Ok(())
}

/// Creates `job` (replacing one of the same name), waits for it and
/// returns its pods' logs, in completion-index order.
async fn run_job(
    client: &Client,
    ns: &str,
    job: &Job,
    pods: usize,
    timeout: Duration,
) -> anyhow::Result<Vec<String>> {
    let jobs = Api::<Job>::namespaced(client.clone(), ns);
    let name = job.metadata.name.clone().unwrap_or_default();
    let background = DeleteParams::background();
    if jobs.get_opt(&name).await?.is_some() {
        jobs.delete(&name, &background).await?;
        while jobs.get_opt(&name).await?.is_some() {
            tokio::time::sleep(POLL).await;
        }
    }
    jobs.create(&PostParams::default(), job).await?;
    let deadline = Instant::now() + timeout;
    let state = loop {
        let state = job_state(&jobs.get(&name).await?, pods);
        if state != JobState::Running {
            break state;
        }
        if Instant::now() > deadline {
            break JobState::Failed(format!("still running after {} s", timeout.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    };
    let pod_api = Api::<Pod>::namespaced(client.clone(), ns);
    let mut listed = pod_api
        .list(&ListParams::default().labels(&format!("job-name={name}")))
        .await?
        .items;
    let index = |p: &Pod| {
        p.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("batch.kubernetes.io/job-completion-index"))
            .and_then(|i| i.parse::<usize>().ok())
            .unwrap_or(0)
    };
    listed.sort_by_key(index);
    let mut logs = Vec::new();
    for pod in &listed {
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        logs.push(pod_api.logs(&pod_name, &LogParams::default()).await?);
    }
    match state {
        JobState::Succeeded => Ok(logs),
        JobState::Failed(why) => anyhow::bail!(
            "Job {name} failed: {why}; last log lines:\n{}",
            logs.iter()
                .flat_map(|l| l
                    .lines()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev())
                .collect::<Vec<_>>()
                .join("\n")
        ),
        JobState::Running => unreachable!("the loop ends on a final state"),
    }
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    std::fs::write(path, serde_json::to_vec_pretty(value)?)?;
    Ok(())
}

/// One contender: verification, then its shards, merged.
async fn measure(client: &Client, opts: &Settings, contender: &str) -> Result<LoadReport, String> {
    let ns = &opts.plan.namespace;
    let first = render::contender_jobs(&opts.plan, contender);
    eprintln!("shootout: verifying {contender} in the cluster…");
    run_job(client, ns, &first.verify, 1, Duration::from_secs(300))
        .await
        .map_err(|e| format!("verification failed, not measured: {e:#}"))?;
    let mut plan = opts.plan.clone();
    plan.start_at = shootout::load::clock::unix_us() as f64 / 1e6 + opts.lead.as_secs_f64();
    let jobs = render::contender_jobs(&plan, contender);
    eprintln!(
        "shootout: load on {contender}: {} shards, starting in {} s…",
        plan.shards,
        opts.lead.as_secs()
    );
    let timeout = opts.lead + plan.load.warmup + plan.load.duration + Duration::from_secs(300);
    let logs = run_job(client, ns, &jobs.load, plan.shards, timeout)
        .await
        .map_err(|e| format!("{e:#}"))?;
    let mut shards = Vec::new();
    for (i, log) in logs.iter().enumerate() {
        let report =
            shootout::load::shard::report_in_log(log).map_err(|e| format!("shard {i}: {e}"))?;
        let path = opts.out.join(format!("{contender}.shard-{i}.json"));
        write_json(&path, &report).map_err(|e| e.to_string())?;
        shards.push((format!("shard {i}"), report));
    }
    let merged = shootout::load::shard::merge(&shards).map_err(|e| e.to_string())?;
    write_json(&opts.out.join(format!("{contender}.json")), &merged).map_err(|e| e.to_string())?;
    Ok(merged)
}

/// The whole run.
pub async fn run(opts: &Settings) -> anyhow::Result<Vec<ContenderRun>> {
    let client = Client::try_default().await.map_err(|e| {
        anyhow::anyhow!("no Kubernetes cluster to talk to: {e}\nhint: kubectl config current-context should name one (KUBECONFIG is read)")
    })?;
    std::fs::create_dir_all(&opts.out)?;
    let ns = &opts.plan.namespace;
    let manifests = render::render(&opts.plan);
    eprintln!(
        "shootout: applying {} objects to namespace {ns}…",
        manifests.base.len()
    );
    for object in &manifests.base {
        apply(&client, ns, object)
            .await
            .map_err(|e| anyhow::anyhow!("applying {} {}: {e}", object.kind(), object.name()))?;
    }
    let outcome = async {
        wait_ready(&client, ns, &manifests.base, opts.ready_timeout).await?;
        let mut outcomes = Vec::new();
        for contender in &opts.plan.contenders {
            let result = measure(&client, opts, contender).await;
            if let Err(e) = &result {
                eprintln!("shootout: {contender}: {e}");
            }
            outcomes.push(ContenderRun {
                contender: contender.clone(),
                result,
            });
        }
        anyhow::Ok(outcomes)
    }
    .await;
    if opts.keep {
        eprintln!("shootout: --keep: namespace {ns} left in place (kubectl delete namespace {ns})");
    } else {
        eprintln!("shootout: deleting namespace {ns}…");
        if let Err(e) = Api::<Namespace>::all(client.clone())
            .delete(ns, &DeleteParams::background())
            .await
        {
            eprintln!("shootout: could not delete namespace {ns}: {e}");
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::batch::v1::{JobCondition, JobStatus};

    #[test]
    fn a_job_is_done_when_every_index_succeeded_and_failed_at_the_first_failure() {
        let mut job = Job {
            status: Some(JobStatus {
                succeeded: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(job_state(&job, 4), JobState::Running);
        job.status.as_mut().unwrap().succeeded = Some(4);
        assert_eq!(job_state(&job, 4), JobState::Succeeded);
        job.status = Some(JobStatus {
            conditions: Some(vec![JobCondition {
                type_: "Failed".into(),
                status: "True".into(),
                reason: Some("BackoffLimitExceeded".into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
        assert!(matches!(job_state(&job, 4), JobState::Failed(r) if r.contains("BackoffLimit")));
    }
}
