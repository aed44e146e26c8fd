//! NetworkPolicies: who may open a connection to whom. Ingress is denied to
//! every pod of the namespace, then allowed per role: a contender from the
//! verify and load Jobs; the upstream simulator from the contenders (their
//! `/io` calls) and the Jobs (`--clock-ref` reads its `/clock`, `verify
//! --target` its `GET /stats` and `PUT /fault`); PostgreSQL from the
//! contenders only. A NetworkPolicy sees ports, not paths: the upstream's
//! control surface (`PUT /fault`, `GET /stats`) is reachable by whoever may
//! reach its port, which is pods of this namespace with those labels and
//! no pod of another namespace. Egress is left open (see
//! docs/distributed.md for a cluster that needs an egress policy).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::plan::{
    NAME, Plan, ROLE, ROLE_CONTENDER, ROLE_GENERATOR, ROLE_VERIFY, SERVICE_PORT, UPSTREAM_PORT,
    meta,
};

/// PostgreSQL's port.
pub const POSTGRES_PORT: i32 = 5432;

fn pods_named(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(NAME.to_owned(), name.to_owned())])),
        ..Default::default()
    }
}

/// Pods of this namespace whose role is one of `roles`.
fn pods_in_roles(roles: &[&str]) -> LabelSelector {
    LabelSelector {
        match_expressions: Some(vec![LabelSelectorRequirement {
            key: ROLE.to_owned(),
            operator: "In".to_owned(),
            values: Some(roles.iter().map(|r| (*r).to_owned()).collect()),
        }]),
        ..Default::default()
    }
}

fn policy(
    plan: &Plan,
    name: &str,
    pods: LabelSelector,
    from: &[&str],
    port: Option<i32>,
) -> NetworkPolicy {
    let ingress = port.map(|port| {
        vec![NetworkPolicyIngressRule {
            from: Some(vec![NetworkPolicyPeer {
                pod_selector: Some(pods_in_roles(from)),
                ..Default::default()
            }]),
            ports: Some(vec![NetworkPolicyPort {
                port: Some(IntOrString::Int(port)),
                protocol: Some("TCP".to_owned()),
                ..Default::default()
            }]),
        }]
    });
    NetworkPolicy {
        metadata: meta(plan, name, "network"),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pods),
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress,
            ..Default::default()
        }),
    }
}

/// The namespace's policies: deny, then allow per role.
pub fn policies(plan: &Plan) -> Vec<NetworkPolicy> {
    let jobs = [ROLE_VERIFY, ROLE_GENERATOR];
    let mut out = vec![
        // An empty selector: every pod; no rule: no ingress.
        policy(
            plan,
            "default-deny-ingress",
            LabelSelector::default(),
            &[],
            None,
        ),
        policy(
            plan,
            "contenders-from-jobs",
            pods_in_roles(&[ROLE_CONTENDER]),
            &jobs,
            Some(SERVICE_PORT),
        ),
        policy(
            plan,
            "upstream-from-contenders-and-jobs",
            pods_named("upstream"),
            &[ROLE_CONTENDER, ROLE_VERIFY, ROLE_GENERATOR],
            Some(UPSTREAM_PORT),
        ),
    ];
    if plan.database {
        out.push(policy(
            plan,
            "postgres-from-contenders",
            pods_named("postgres"),
            &[ROLE_CONTENDER],
            Some(POSTGRES_PORT),
        ));
    }
    out
}
