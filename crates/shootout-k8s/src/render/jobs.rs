//! Per contender, to run one after another: the verification Job and the
//! load Job, an Indexed Job whose pods are the generator shards.

use crate::security::IMAGES_USER;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::batch::v1::JobSpec;
use k8s_openapi::api::core::v1::Affinity;
use k8s_openapi::api::core::v1::Container;
use k8s_openapi::api::core::v1::PodAffinityTerm;
use k8s_openapi::api::core::v1::PodAntiAffinity;
use k8s_openapi::api::core::v1::WeightedPodAffinityTerm;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use shootout::supervise::limits::Limits;
use std::collections::BTreeMap;

use super::ContenderJobs;
use super::pods::{shootout_container, template, upstream_url};
use crate::plan::{Plan, ROLE, ROLE_CONTENDER, ROLE_GENERATOR, ROLE_VERIFY, SERVICE_PORT, meta};

/// The verification Job's resources: `verify --target` sends a few hundred
/// requests, one at a time or a few dozen at once; one CPU keeps its
/// timing checks clear of CFS throttling.
pub const VERIFY_LIMITS: Limits = Limits {
    cpu: Some(1.0),
    memory_bytes: Some(256 << 20),
};

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
