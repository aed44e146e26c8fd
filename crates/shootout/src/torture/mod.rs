//! `shootout torture`: hostile input against a running contender, case by
//! case ([`cases::CASES`]), scored. Each case is judged by its rule in
//! `docs/contract.md` ("Hostile input") and by the rules every case shares:
//! no 5xx, no crash (a crashed contender is restarted and the crash counted),
//! no silence beyond the case's time, `/health` still answering afterwards.
//! At the end every order the contender acknowledged during the battery must
//! read back as it was created: a crash that loses them is counted. In its
//! database mode (when it has one and a database is at hand) the tables are
//! read too: an order stored though its request was refused (400, 502, …)
//! is *invented*, and counted. Only orders whose answers the battery
//! deliberately never reads (clients that hang up: customers `gone-*`) may
//! exist unacknowledged.
//!
//! After the cases, overload ([`overload`]): three times capacity, then half,
//! and the time until p99 recovers.
//!
//! A slowloris connection and 5,000 idle ones are held open in the background
//! from the start ([`slow`]), so the other cases run beside them.
//!
//! Between the cases and the overload, upstream faults ([`upstream`]): the
//! upstream resets, fails, talks garbage and goes silent, and the service
//! must answer 502/504 in time and return what it held afterwards.

pub mod cases;
pub mod disconnect;
pub mod exchange;
pub mod held;
mod orders;
pub mod overload;
pub mod slow;
pub mod upstream_faults;

use std::net::SocketAddr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::database::Database;
use crate::gate::{GateError, Launch, Prepared, Running};
use crate::http1::{self, Request};

/// One case against one contender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CaseResult {
    pub group: String,
    pub case: String,
    /// The rule it was judged by.
    pub rule: String,
    pub passed: bool,
    /// What happened, in words.
    pub outcome: String,
    /// Why it failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub crashed: bool,
    pub hung: bool,
    pub server_errors: usize,
}

/// A contender's score over the whole battery. A crash or a lost order is
/// counted on its own, never folded into the pass rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Scorecard {
    pub contender: String,
    pub passed: usize,
    pub failed: usize,
    /// 5xx answers to any case.
    pub server_errors: usize,
    /// Times the process died (it was restarted after each).
    pub crashes: usize,
    /// Cases that got no answer within their time.
    pub hangs: usize,
    /// Orders acknowledged (201) during the battery, read back at the end.
    pub orders_acknowledged: usize,
    /// Of those, missing or different at the end.
    pub orders_lost: usize,
    /// Orders in the database that were never acknowledged (database mode
    /// only; `None`: in-memory mode, where the orders cannot be listed).
    pub orders_invented: Option<usize>,
    /// The first few invented orders, as `id (customer)`: the customer id
    /// names the case that sent it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invented_examples: Vec<String>,
    pub cases: Vec<CaseResult>,
    /// The overload phase, when it ran.
    pub overload: Option<overload::Overload>,
}

/// Runs every case against `prepared`, started as `how` says, then the
/// overload phase with the load generator on `generator` (none: skipped).
/// With `database`, the contender runs in its database mode on it (the
/// tables emptied first) and the tables are audited at the end.
pub async fn battery(
    prepared: &Prepared,
    how: &Launch,
    generator: Option<&crate::supervise::CpuSet>,
    database: Option<&Database>,
) -> Result<Scorecard, GateError> {
    let mut how = how.clone();
    if let Some(db) = database {
        db.reset().await?;
        how = how.with_database(Some(db.url.clone()));
    }
    let how = &how;
    let mut running = prepared.start(how).await?;
    let mut card = Scorecard::new(&prepared.contender.name);
    let mut acknowledged: Vec<(String, Value)> = Vec::new();
    if let Some(first) = orders::create_reference(running.addr).await {
        acknowledged.push(first);
    }
    let loris = slow::slowloris(running.addr);
    let body = slow::slow_body(running.addr);
    let idle = slow::idle(running.addr).await;
    for case in cases::CASES {
        let (acks, crashed) = one_case(case, &mut running, &mut card).await;
        if crashed {
            running.stop().await;
            running = prepared.start(how).await?;
        }
        acknowledged.extend(acks);
    }
    let hung_up = disconnect::cases(running.addr, running.service.pid).await;
    group(
        hung_up,
        &mut running,
        prepared,
        how,
        &mut card,
        "clients hanging up",
    )
    .await?;
    if let Some(state) = running.upstream.state.clone() {
        let (faults, acks) =
            upstream_faults::faults(running.addr, running.service.pid, &state).await;
        acknowledged.extend(acks);
        group(
            faults,
            &mut running,
            prepared,
            how,
            &mut card,
            "the upstream's faults",
        )
        .await?;
    }
    if let Some(generator) = generator {
        overload_case(&mut running, prepared, how, generator, &mut card).await?;
    }
    slow_cases(&running, [loris, body], idle, &mut card).await;
    card.orders_acknowledged = acknowledged.len();
    card.orders_lost = orders::lost(running.addr, &acknowledged).await;
    stop(running, &mut card).await;
    if let Some(db) = database {
        let invented = db
            .unacknowledged(&orders::ack_ids(&acknowledged), "gone-")
            .await?;
        card.orders_invented = Some(invented.len());
        card.invented_examples = invented
            .iter()
            .take(5)
            .map(|(id, customer)| format!("{id} ({customer})"))
            .collect();
    }
    Ok(card)
}

impl Scorecard {
    /// Nothing run yet.
    fn new(contender: &str) -> Self {
        Self {
            contender: contender.to_owned(),
            passed: 0,
            failed: 0,
            server_errors: 0,
            crashes: 0,
            hangs: 0,
            orders_acknowledged: 0,
            orders_lost: 0,
            orders_invented: None,
            invented_examples: Vec::new(),
            cases: Vec::new(),
            overload: None,
        }
    }
}

/// One case of the battery, judged and recorded in `card`: the orders it
/// acknowledged, and whether the service died of it.
async fn one_case(
    case: &cases::Case,
    running: &mut Running,
    card: &mut Scorecard,
) -> (Vec<(String, Value)>, bool) {
    let ex = exchange::exchange(running.addr, (case.bytes)(), case.want, case.wait).await;
    // Health first: a process that is dying has had time to be reaped.
    let alive = healthy(running.addr).await;
    if !alive {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let crashed = running.service.try_exit().is_some();
    let server_errors = ex.server_errors();
    let mut failure = if server_errors > 0 {
        Some(format!("{server_errors} answer(s) were 5xx"))
    } else {
        (case.judge)(&ex).err()
    };
    let hung = ex.silent && failure.is_some();
    if crashed {
        failure = Some(format!(
            "the service died; last output:\n{}",
            running.service.tail()
        ));
        card.crashes += 1;
    } else if !alive && failure.is_none() {
        failure = Some("/health stopped answering 200 after the case".into());
    }
    card.server_errors += server_errors;
    card.hangs += usize::from(hung);
    if failure.is_none() {
        card.passed += 1;
    } else {
        card.failed += 1;
    }
    card.cases.push(CaseResult {
        group: case.group.to_owned(),
        case: case.name.to_owned(),
        rule: case.rule.to_owned(),
        passed: failure.is_none(),
        outcome: ex.describe(),
        failure,
        crashed,
        hung,
        server_errors,
    });
    let acks = ex
        .responses
        .iter()
        .filter_map(orders::acknowledgement)
        .collect();
    (acks, crashed)
}

/// Records a group's cases; if the service died during them, that is a
/// crash of its own (and the service is restarted for what follows).
async fn group(
    results: Vec<CaseResult>,
    running: &mut Running,
    prepared: &Prepared,
    how: &Launch,
    card: &mut Scorecard,
    during: &str,
) -> Result<(), GateError> {
    for result in results {
        card.server_errors += result.server_errors;
        card.hangs += usize::from(result.hung);
        record(card, result);
    }
    if running.service.try_exit().is_none() {
        return Ok(());
    }
    card.crashes += 1;
    record(
        card,
        CaseResult {
            group: "crash".into(),
            case: format!("the service survives {during}"),
            rule: "no crash".into(),
            passed: false,
            outcome: "the service died".into(),
            failure: Some(format!(
                "the service died during {during}; last output:\n{}",
                running.service.tail()
            )),
            crashed: true,
            hung: false,
            server_errors: 0,
        },
    );
    let dead = std::mem::replace(running, prepared.start(how).await?);
    dead.stop().await;
    Ok(())
}

/// Overload, scored as one more case: the service stays up and recovers.
async fn overload_case(
    running: &mut Running,
    prepared: &Prepared,
    how: &Launch,
    generator: &crate::supervise::CpuSet,
    card: &mut Scorecard,
) -> Result<(), GateError> {
    let measured = overload::overload(&running.url(), running.service.pid, generator).await;
    let crashed = running.service.try_exit().is_some();
    let (outcome, failure) = match &measured {
        Err(e) => (format!("not measured: {e}"), Some(format!("harness: {e}"))),
        Ok(o) => {
            let outcome = format!(
                "capacity {:.0} req/s{}; at 3×: {:.0} req/s reached, {} answered ({} shed with 503/429, {} other 5xx), {} timed out, p99 {:.0} ms; RSS {:.1} → {:.1} MB; p99 back within 2× of {:.1} ms {}",
                o.capacity_requests_per_s,
                if o.generator_saturated {
                    " (the load generator was the limit)"
                } else {
                    ""
                },
                o.overload_requests_per_s,
                o.answered,
                o.shed,
                o.server_errors,
                o.timeouts,
                o.p99_during_ms,
                o.rss_before_mb,
                o.rss_peak_mb,
                o.p99_before_ms,
                o.recovery_s
                    .map_or("never (within 8 s)".to_owned(), |s| format!("after {s} s"))
            );
            let failure = if o.timeouts > 0 {
                Some(format!(
                    "{} requests were left to time out (2 s) instead of being answered or shed",
                    o.timeouts
                ))
            } else {
                match o.recovery_s {
                    Some(s) if s <= overload::RECOVERY_LIMIT_S => None,
                    _ => Some(format!(
                        "p99 not back within 2× of its value before the overload within {} s",
                        overload::RECOVERY_LIMIT_S
                    )),
                }
            };
            (outcome, failure)
        }
    };
    let failure = if crashed {
        card.crashes += 1;
        Some(format!(
            "the service died under overload; last output:
{}",
            running.service.tail()
        ))
    } else {
        failure
    };
    let server_errors = measured.as_ref().map_or(0, |o| o.server_errors as usize);
    card.server_errors += server_errors;
    if failure.is_none() {
        card.passed += 1;
    } else {
        card.failed += 1;
    }
    card.cases.push(CaseResult {
        group: "overload".into(),
        case: "3× capacity, then half".into(),
        rule: format!(
            "stays up; no request is left to time out (2 s): each is answered in time or shed with a 503/429; p99 is back within 2× of its pre-overload value within {} s of the overload's end",
            overload::RECOVERY_LIMIT_S
        ),
        passed: failure.is_none(),
        outcome,
        failure,
        crashed,
        hung: false,
        server_errors,
    });
    card.overload = measured.ok();
    if crashed {
        let dead = std::mem::replace(running, prepared.start(how).await?);
        dead.stop().await;
    }
    Ok(())
}

/// The background cases, judged once the rest of the battery is over.
async fn slow_cases(
    running: &Running,
    [loris, body]: [tokio::task::JoinHandle<slow::Slowloris>; 2],
    idle: Vec<tokio::net::TcpStream>,
    card: &mut Scorecard,
) {
    let dripping = [
        (
            loris,
            "slowloris (one header line every 500 ms)",
            "an unfinished request head",
            slow::HEAD_TIMEOUT,
            "an unfinished request head is given up (closed, or 408) within",
        ),
        (
            body,
            "slow body (one byte every 500 ms, never complete)",
            "an unfinished request body",
            slow::REQUEST_TIMEOUT,
            "a request whose body has not arrived whole is given up (closed, or a 4xx such as 408) within",
        ),
    ];
    for (handle, case, what, limit, rule) in dripping {
        let (outcome, failure) = match handle.await {
            Ok(s) => match slow::judge(&s, what, limit) {
                Ok(outcome) => (outcome, None),
                Err((outcome, failure)) => (outcome, Some(failure)),
            },
            Err(e) => (format!("harness: {e}"), Some(format!("harness: {e}"))),
        };
        let hung = failure.is_some();
        card.hangs += usize::from(hung);
        record(
            card,
            CaseResult {
                group: "slow clients".into(),
                case: case.into(),
                rule: format!("{rule} {} s", limit.as_secs()),
                passed: failure.is_none(),
                outcome,
                failure,
                crashed: false,
                hung,
                server_errors: 0,
            },
        );
    }
    let held = idle.len();
    let mut closed_by_service = 0;
    for s in &idle {
        let mut probe = [0u8; 1];
        if matches!(s.try_read(&mut probe), Ok(0)) {
            closed_by_service += 1;
        }
    }
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let alive = healthy(running.addr).await;
    record(
        card,
        CaseResult {
            group: "slow clients".into(),
            case: format!("{} idle connections", slow::IDLE),
            rule: "the service keeps serving the rest of the battery while they are open (closing idle ones is allowed), and answers /health once they are gone".into(),
            passed: alive,
            outcome: format!(
                "{held} opened, {closed_by_service} closed by the service before the end of the battery; /health afterwards: {}",
                if alive { "200" } else { "no" }
            ),
            failure: (!alive).then(|| "/health did not answer 200 after the idle connections".into()),
            crashed: false,
            hung: false,
            server_errors: 0,
        },
    );
}

fn record(card: &mut Scorecard, result: CaseResult) {
    if result.passed {
        card.passed += 1;
    } else {
        card.failed += 1;
    }
    card.cases.push(result);
}

async fn stop(running: Running, card: &mut Scorecard) {
    if running.stop().await.crashed.is_some() {
        card.crashes += 1;
    }
}

async fn healthy(addr: SocketAddr) -> bool {
    http1::send_once(addr, &Request::get("/health"), Duration::from_secs(2))
        .await
        .is_ok_and(|r| r.status == 200)
}
