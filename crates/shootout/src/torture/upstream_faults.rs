//! Upstream faults: the upstream simulator is told to misbehave
//! ([`Fault`]) while `/io` and `POST /orders` are called. Each call must be
//! answered with the contract's 502 (a reset, a 500, a body that is not
//! JSON) or 504 (an upstream that does not answer) within the call's deadline
//! (`docs/contract.md`, "Upstream calls"). Afterwards the upstream behaves
//! again: the service must answer normally, and its open descriptors and
//! memory must go back to what they were before the faults.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::CaseResult;
use super::held::Held;
use crate::http1::{self, Request};
use crate::upstream::{Fault, Upstream};

/// The contract's margin on every upstream call.
pub const DEADLINE: Duration = Duration::from_secs(3);
/// Allowed on top of the deadline before an answer counts as late.
const GRACE: Duration = Duration::from_secs(1);
/// `/io` calls per fault, all at once.
const IO_CALLS: usize = 20;
/// `POST /orders` calls per fault, beside them.
const ORDER_CALLS: usize = 5;
/// Descriptors opened during the faults that may still be open afterwards:
/// a pool whose connections were reset or abandoned replaces them once (one
/// round's worth, `IO_CALLS + ORDER_CALLS`), plus slack; a leak keeps one per
/// failed call (four rounds' worth). Only new descriptors are counted, so
/// idle connections the service closes meanwhile cannot hide a leak.
pub const NEW_FDS_ALLOWED: usize = IO_CALLS + ORDER_CALLS + 15;
/// Memory growth allowed across the fault rounds: 640 KB per failed call.
/// Only a gross leak shows in 100 calls beside a garbage collector's
/// swings (node-fastify grew 20 MB here without leaking), so this catches
/// only that; descriptors are the sharp check.
pub const RSS_SLACK_MB: f64 = 64.0;

/// The faults, each with what it is called and the status it must give.
const FAULTS: [(Fault, &str, u16); 4] = [
    (Fault::Reset, "the upstream resets the connection", 502),
    (Fault::Error, "the upstream answers 500", 502),
    (
        Fault::Garbage,
        "the upstream answers 200 with a body that is not JSON",
        502,
    ),
    (Fault::Slow, "the upstream does not answer (for 30 s)", 504),
];

/// One round of calls: every status (or none) and how long each took, and
/// the orders acknowledged (id, 201 body).
struct Round {
    answers: Vec<(Option<u16>, Duration)>,
    acknowledged: Vec<(String, serde_json::Value)>,
}

impl Round {
    fn describe(&self) -> String {
        let mut counts = std::collections::BTreeMap::<String, usize>::new();
        for (status, _) in &self.answers {
            let key = status.map_or("no answer".to_owned(), |s| s.to_string());
            *counts.entry(key).or_default() += 1;
        }
        let slowest = self.answers.iter().map(|a| a.1).max().unwrap_or_default();
        let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n}× {k}")).collect();
        format!(
            "{} calls: {}; slowest {} ms",
            self.answers.len(),
            parts.join(", "),
            slowest.as_millis()
        )
    }
}

async fn round(addr: SocketAddr, tag: &str) -> Round {
    let limit = DEADLINE + GRACE + Duration::from_secs(1);
    let calls = (0..IO_CALLS)
        .map(|i| Request::get(format!("/io?ms=0&token={tag}-{i}")))
        .chain((0..ORDER_CALLS).map(|i| {
            Request::post_json(
                "/orders",
                format!(
                    r#"{{"customer_id":"{tag}-{i}","currency":"USD","items":[{{"sku":"U","qty":1,"unit_price_cents":100}}]}}"#
                ),
            )
        }));
    let mut set = tokio::task::JoinSet::new();
    for req in calls {
        set.spawn(async move {
            let started = Instant::now();
            let reply = http1::send_once(addr, &req, limit).await.ok();
            (reply, started.elapsed())
        });
    }
    let mut round = Round {
        answers: Vec::new(),
        acknowledged: Vec::new(),
    };
    for (reply, took) in set.join_all().await {
        round.answers.push((reply.as_ref().map(|r| r.status), took));
        if let Some(ack) = reply.as_ref().and_then(super::orders::acknowledgement) {
            round.acknowledged.push(ack);
        }
    }
    round
}

/// Every fault, then the recovery and leak check: one case each; and the
/// orders acknowledged meanwhile.
pub async fn faults(
    addr: SocketAddr,
    pid: u32,
    upstream: &Upstream,
) -> (Vec<CaseResult>, Vec<(String, serde_json::Value)>) {
    let mut out = Vec::new();
    let mut acknowledged = Vec::new();
    // Warm the service's pool to the size the rounds need, then count.
    upstream.set_fault(Fault::None);
    let warm = round(addr, "warm").await;
    acknowledged.extend(warm.acknowledged.iter().cloned());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = Held::now(pid);
    for (fault, name, want) in FAULTS {
        upstream.set_fault(fault);
        let r = round(addr, "fault").await;
        upstream.set_fault(Fault::None);
        acknowledged.extend(r.acknowledged.iter().cloned());
        out.push(fault_case(&r, name, want));
    }
    // Let abandoned calls and closed connections settle, then recover.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let recovered = round(addr, "after").await;
    acknowledged.extend(recovered.acknowledged.iter().cloned());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = Held::now(pid);
    out.push(recovery_case(&warm, &recovered, before, after));
    (out, acknowledged)
}

/// A fault's round judged: every call answered `want` in time.
fn fault_case(r: &Round, name: &str, want: u16) -> CaseResult {
    let late = DEADLINE + GRACE;
    let wrong = r.answers.iter().filter(|(s, _)| *s != Some(want)).count();
    let slow = r.answers.iter().filter(|(_, t)| *t > late).count();
    let unanswered = r.answers.iter().filter(|(s, _)| s.is_none()).count();
    let server_errors = r
        .answers
        .iter()
        .filter(|(s, _)| s.is_some_and(|s| s >= 500 && s != want))
        .count();
    let failure = if wrong > 0 {
        Some(format!(
            "{wrong} of {} calls were not {want}",
            r.answers.len()
        ))
    } else if slow > 0 {
        Some(format!(
            "{slow} answers came later than {} s",
            late.as_secs_f64()
        ))
    } else {
        None
    };
    CaseResult {
        group: "upstream".into(),
        case: name.into(),
        rule: format!(
            "every /io and POST /orders is answered {want} within the call's deadline (3 s beyond what it asked the upstream to take) + {} s",
            GRACE.as_secs()
        ),
        passed: failure.is_none(),
        outcome: r.describe(),
        failure,
        crashed: false,
        hung: unanswered > 0,
        server_errors,
    }
}

/// The rounds with a healthy upstream judged: every call succeeds once it
/// is healthy again, and no descriptors or memory leaked across the faults.
fn recovery_case(
    warm: &Round,
    recovered: &Round,
    before: Option<Held>,
    after: Option<Held>,
) -> CaseResult {
    // With the upstream healthy, any 5xx is the service's own.
    let server_errors = [warm, recovered]
        .iter()
        .flat_map(|r| &r.answers)
        .filter(|(s, _)| s.is_some_and(|s| s >= 500))
        .count();
    let not_ok = recovered
        .answers
        .iter()
        .filter(|(s, _)| !matches!(s, Some(200 | 201)))
        .count();
    let (outcome, failure) = match (before, after) {
        (Some(before), Some(after)) => {
            let new = after.opened_since(&before);
            let (rss0, rss1) = (before.rss_mb, after.rss_mb);
            let outcome = format!(
                "after the faults: {}; open descriptors {} → {} ({new} opened since and still open); RSS {rss0:.1} → {rss1:.1} MB",
                recovered.describe(),
                before.descriptors(),
                after.descriptors()
            );
            let failure = if not_ok > 0 {
                Some(format!(
                    "{not_ok} of {} calls failed once the upstream was healthy again",
                    recovered.answers.len()
                ))
            } else if new > NEW_FDS_ALLOWED {
                Some(format!(
                    "{new} descriptors opened during the upstream's faults are still open (at most {NEW_FDS_ALLOWED}: one pool's worth of replaced connections): connections are leaking"
                ))
            } else if rss1 - rss0 > RSS_SLACK_MB {
                Some(format!(
                    "memory grew {:.1} MB across the faults (more than {RSS_SLACK_MB} MB allowed)",
                    rss1 - rss0
                ))
            } else {
                None
            };
            (outcome, failure)
        }
        _ => (
            "the service's /proc entry could not be read".to_owned(),
            Some("not measured: the service's descriptors could not be read".to_owned()),
        ),
    };
    CaseResult {
        group: "upstream".into(),
        case: "after the faults: recovery, no leak".into(),
        rule: format!(
            "once the upstream behaves again every call succeeds; at most {NEW_FDS_ALLOWED} descriptors opened during the faults are still open (a pool replacing its connections once); RSS grows less than {RSS_SLACK_MB} MB"
        ),
        passed: failure.is_none(),
        outcome,
        failure,
        crashed: false,
        hung: false,
        server_errors,
    }
}
