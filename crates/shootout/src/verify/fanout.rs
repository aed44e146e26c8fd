//! Checks of `GET /fanout` (docs/contract.md, "Fan-out"): the answer the
//! harness computes, one upstream call per token, the calls run at once,
//! the 400s of its parameters, and the 502 of a failing upstream.

use std::time::{Duration, Instant};

use super::checker::{Broken, Checker, Group, Rng, error_body, json_body};
use crate::contract::fanout::{MAX_CALLS, concurrent_bound, expected_reply};
use crate::contract::orders::exact;
use crate::http1::Request;
use crate::upstream::Fault;

/// The upstream delay of the concurrency check: long enough that 16 calls
/// one after another (1.6 s) cannot hide in a loaded host's noise.
const DELAY: Duration = Duration::from_millis(100);
/// Samples of the concurrency check; the fastest decides.
const SAMPLES: usize = 3;

pub async fn check(c: &mut Checker, rng: &mut Rng) {
    answers(c, rng).await;
    concurrency(c).await;
    params(c).await;
    upstream_failure(c).await;
}

/// Right answers for 1, 3, 16 and a random number of calls, and the
/// upstream counted exactly one `/delay` per call.
async fn answers(c: &mut Checker, rng: &mut Rng) {
    let before = c.upstream_counters(Group::Fanout).await;
    let mut calls = 0;
    let random = rng.range(2, u64::from(MAX_CALLS) - 1) as u32;
    for (n, ms) in [(1, 0), (3, 1), (MAX_CALLS, 0), (random, 5)] {
        let len = rng.range(1, 60) as usize;
        let token = rng.token(len);
        let want = expected_reply(n, &token);
        let ok = c
            .check(
                Group::Fanout,
                Request::get(format!("/fanout?n={n}&ms={ms}&token={token}")),
                |r| exact(&json_body(r, 200)?, &want),
            )
            .await
            .is_some_and(|r| r.status == 200);
        if ok {
            calls += u64::from(n);
        }
    }
    let (Some(before), Some(after)) = (before, c.upstream_counters(Group::Fanout).await) else {
        return;
    };
    let counted = after.delay - before.delay;
    let rule = if counted == calls {
        Ok(())
    } else {
        Err(format!(
            "each /fanout call token is one upstream /delay call: {calls} calls in good replies, upstream counted {counted}"
        )
        .into())
    };
    c.record(Group::Fanout, rule, &Request::get("/fanout?…"), None);
}

/// The fastest of [`SAMPLES`] fan-outs of 16 calls of [`DELAY`] answers
/// within half of what the calls take one after another.
async fn concurrency(c: &mut Checker) {
    let bound = concurrent_bound(MAX_CALLS, DELAY);
    let ms = DELAY.as_millis();
    let target = format!("/fanout?n={MAX_CALLS}&ms={ms}&token=together");
    let want = expected_reply(MAX_CALLS, "together");
    let mut fastest: Option<Duration> = None;
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let resp = c
            .check(Group::Fanout, Request::get(target.clone()), |r| {
                exact(&json_body(r, 200)?, &want)
            })
            .await;
        if resp.is_some_and(|r| r.status == 200) {
            let took = started.elapsed();
            fastest = Some(fastest.map_or(took, |f| f.min(took)));
        }
    }
    // No right answer at all is already a failure above.
    let Some(fastest) = fastest else { return };
    let rule = if fastest <= bound {
        Ok(())
    } else {
        Err(Broken(format!(
            "the {MAX_CALLS} upstream calls of a fan-out run at once: the fastest of {SAMPLES} answered in {} ms, over {} ms (one after another they take at least {} ms)",
            fastest.as_millis(),
            bound.as_millis(),
            (DELAY * MAX_CALLS).as_millis()
        )))
    };
    c.record(Group::Fanout, rule, &Request::get(target), None);
}

/// Invalid parameters are 400s, another method a 405. The sign form of `n`
/// is a rule of the query parameters (group `params`, as for `/io`'s `ms`),
/// the 405 one of the errors (group `errors`).
async fn params(c: &mut Checker) {
    for (group, query, what) in [
        (Group::Fanout, "n=0&ms=0&token=a", "n of 0"),
        (Group::Fanout, "n=17&ms=0&token=a", "n above 16"),
        (Group::Fanout, "ms=0&token=a", "n missing"),
        (Group::Params, "n=%2B3&ms=0&token=a", "n with a sign"),
        (Group::Fanout, "n=-1&ms=0&token=a", "n negative"),
        (Group::Fanout, "n=2&token=a", "ms missing"),
        (Group::Fanout, "n=2&ms=10001&token=a", "ms above 10000"),
        (Group::Fanout, "n=2&ms=0", "token missing"),
        (Group::Fanout, "n=2&ms=0&token=tok.en", "token with a dot"),
    ] {
        c.check(group, Request::get(format!("/fanout?{query}")), move |r| {
            error_body(r, 400).map_err(|e| Broken(format!("/fanout with {what} is a 400: {e}")))
        })
        .await;
    }
    c.check(
        Group::Errors,
        Request::new("POST", "/fanout?n=1&ms=0&token=a"),
        |r| {
            error_body(r, 405)
                .map_err(|e| Broken(format!("wrong method on a known path is a 405: {e}")))
        },
    )
    .await;
}

/// A failing upstream, and one whose 200 lacks the token, make the whole
/// fan-out a 502: never a 200 with a partial list.
async fn upstream_failure(c: &mut Checker) {
    for (fault, how) in [
        (Fault::Unavailable, "a failing upstream"),
        (Fault::Shapeless, "an upstream 200 without a token"),
    ] {
        if !c.upstream_fault(Group::Fanout, fault).await {
            return;
        }
        c.check(
            Group::Fanout,
            Request::get("/fanout?n=4&ms=0&token=down"),
            |r| error_body(r, 502).map_err(|e| Broken(format!("{how} makes /fanout a 502: {e}"))),
        )
        .await;
        c.upstream_fault(Group::Fanout, Fault::None).await;
    }
}
