//! 200 concurrent mixed requests, and the service's health after everything
//! else the verifier threw at it.

use std::time::Duration;

use serde_json::json;

use super::basic::exact;
use super::checker::{Broken, Checker, Group, Rng, json_body, status};
use super::orders::{Created, check_created, check_stored, expected_reply, random_order};
use crate::contract::kernels;
use crate::http1::{self, Request, Response};

type Rule = Box<dyn FnOnce(&Response) -> Result<(), Broken> + Send>;

/// One request of the mix and the rule its response must meet.
fn mixed(i: usize, rng: &mut Rng, created: &[Created]) -> (Request, Rule) {
    match i % 7 {
        0 => (Request::get("/health"), Box::new(|r| status(r, 200))),
        1 => (
            Request::get("/json"),
            Box::new(|r| exact(&json_body(r, 200)?, &json!({"message": "Hello, World!"}))),
        ),
        2 => {
            let (seed, n) = (rng.next_u64() as u32, rng.range(0, 50_000) as u32);
            let want = json!({"seed": seed, "n": n, "hash": kernels::hash(seed, n)});
            (
                Request::get(format!("/cpu/hash?seed={seed}&n={n}")),
                Box::new(move |r| exact(&json_body(r, 200)?, &want)),
            )
        }
        3 => {
            let (seed, n) = (rng.next_u64() as u32, rng.range(0, 500) as u32);
            let k = kernels::json(seed, n);
            let want =
                json!({"seed": seed, "n": n, "bytes": k.bytes, "total_cents": k.total_cents});
            (
                Request::get(format!("/cpu/json?seed={seed}&n={n}")),
                Box::new(move |r| exact(&json_body(r, 200)?, &want)),
            )
        }
        4 => {
            let token = rng.token(12);
            let want = json!({ "token": token });
            (
                Request::get(format!("/io?ms=20&token={token}")),
                Box::new(move |r| exact(&json_body(r, 200)?, &want)),
            )
        }
        5 => {
            let (order, total) = random_order(rng);
            let want = expected_reply(&order, total);
            (
                Request::post_json("/orders", order.to_string()),
                Box::new(move |r| check_created(&json_body(r, 201)?, &want).map(drop)),
            )
        }
        _ => match created.get(i % created.len().max(1)) {
            Some(order) => {
                let want = order.body.clone();
                (
                    Request::get(format!("/orders/{}", order.id)),
                    Box::new(move |r| exact(&json_body(r, 200)?, &want)),
                )
            }
            None => (Request::get("/health"), Box::new(|r| status(r, 200))),
        },
    }
}

pub async fn concurrent(c: &mut Checker, rng: &mut Rng, created: &[Created], count: usize) {
    if c.down {
        c.not_run += count;
        return;
    }
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let (req, rule) = mixed(i, rng, created);
        let addr = c.addr;
        tasks.push(tokio::spawn(async move {
            let resp = http1::send_once(addr, &req, Duration::from_secs(30)).await;
            let result = match &resp {
                Ok(r) => rule(r),
                Err(e) => Err(format!("a response (got {e})").into()),
            };
            (req, resp.ok(), result)
        }));
    }
    for task in tasks {
        match task.await {
            Ok((req, resp, result)) => {
                let result =
                    result.map_err(|e| Broken(format!("under {count} concurrent requests: {e}")));
                c.record(Group::Concurrency, result, &req, resp.as_ref());
            }
            Err(e) => c.fail(
                Group::Concurrency,
                format!("verifier task failed: {e}"),
                String::new(),
                String::new(),
            ),
        }
    }
}

/// After all the bad input: still alive, still correct, orders intact.
pub async fn survival(c: &mut Checker, created: &[Created]) {
    c.check(Group::Survival, Request::get("/health"), |r| status(r, 200))
        .await;
    let want = json!({"seed": 42, "n": 1000, "hash": kernels::hash(42, 1000)});
    c.check(
        Group::Survival,
        Request::get("/cpu/hash?seed=42&n=1000"),
        |r| exact(&json_body(r, 200)?, &want),
    )
    .await;
    check_stored(c, Group::Survival, created).await;
}
