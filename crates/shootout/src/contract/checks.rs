//! The response checks a scenario names, each computing the expected answer
//! itself (with the harness's own kernels), applied to a sample of responses
//! while the load runs. A wrong answer under load counts as a verification
//! failure of the cell, never as a success.

use std::sync::Arc;

use serde_json::{Value, json};

use super::kernels;
use super::orders::{Broken, check_created, expected_reply, random_order};
use crate::rng::Rng;

/// The values substituted into one request, handed to its check.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub seed: u32,
    pub n: u32,
    pub token: String,
    pub id: String,
    /// The body sent, when it was generated.
    pub body: Vec<u8>,
}

/// Verifies one response: `(vars, status, body) -> Ok or what was wrong`.
pub type Check = Arc<dyn Fn(&Vars, u16, &[u8]) -> Result<(), WrongAnswer> + Send + Sync>;

/// Generates a request body from the random generator.
pub type BodyFn = Arc<dyn Fn(&mut Rng) -> Vec<u8> + Send + Sync>;

/// A response whose content is wrong.
#[derive(Debug, thiserror::Error)]
pub enum WrongAnswer {
    /// What was wrong, in words.
    #[error("{0}")]
    Content(String),
    #[error("body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    /// The body this request sent, which the check reads back.
    #[error("own order unreadable: {0}")]
    OwnOrder(#[source] serde_json::Error),
    #[error(transparent)]
    Broken(#[from] Broken),
}

impl From<String> for WrongAnswer {
    fn from(words: String) -> Self {
        Self::Content(words)
    }
}

fn body_json(status: u16, want: u16, body: &[u8]) -> Result<Value, WrongAnswer> {
    if status != want {
        let body = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Err(format!("status {status}, want {want}: {body}").into());
    }
    serde_json::from_slice(body).map_err(WrongAnswer::NotJson)
}

fn equal(got: Value, want: Value) -> Result<(), WrongAnswer> {
    if got == want {
        Ok(())
    } else {
        Err(format!("got {got}, want {want}").into())
    }
}

/// Contract checks a request template may name.
pub const CHECKS: &[&str] = &[
    "health",
    "json",
    "cpu-hash",
    "cpu-json",
    "cpu-trees",
    "io",
    "fanout",
    "order-created",
    "order",
    "order-list",
];
/// Generated bodies a request template may name.
pub const BODIES: &[&str] = &["order", "customer-order"];

/// Customers of `customer-order` bodies: `cust-0` … `cust-999`, so that a
/// list query for `cust-{n}` with `n` in 0..=999 finds orders.
pub const CUSTOMERS: u64 = 1000;

/// The check called `name` in a scenario file.
pub fn by_name(name: &str) -> Option<Check> {
    let check: Check = match name {
        "health" => Arc::new(|_: &Vars, status, body: &[u8]| {
            if status == 200 && body == b"ok" {
                Ok(())
            } else {
                Err(format!("/health: {status} {:?}", String::from_utf8_lossy(body)).into())
            }
        }),
        "json" => Arc::new(|_: &Vars, status, body: &[u8]| {
            equal(
                body_json(status, 200, body)?,
                json!({"message": "Hello, World!"}),
            )
        }),
        "cpu-hash" => Arc::new(|v: &Vars, status, body: &[u8]| {
            equal(
                body_json(status, 200, body)?,
                json!({"seed": v.seed, "n": v.n, "hash": kernels::hash(v.seed, v.n)}),
            )
        }),
        "cpu-json" => Arc::new(|v: &Vars, status, body: &[u8]| {
            let k = kernels::json(v.seed, v.n);
            equal(
                body_json(status, 200, body)?,
                json!({"seed": v.seed, "n": v.n, "bytes": k.bytes, "total_cents": k.total_cents}),
            )
        }),
        "cpu-trees" => Arc::new(|v: &Vars, status, body: &[u8]| {
            let k = kernels::trees(v.seed, v.n);
            equal(
                body_json(status, 200, body)?,
                json!({"seed": v.seed, "depth": v.n, "nodes": k.nodes, "check": k.check}),
            )
        }),
        "io" => Arc::new(|v: &Vars, status, body: &[u8]| {
            equal(body_json(status, 200, body)?, json!({"token": v.token}))
        }),
        // `{n}` is the number of calls, `{token}` the token they derive from.
        "fanout" => Arc::new(|v: &Vars, status, body: &[u8]| {
            equal(
                body_json(status, 200, body)?,
                super::fanout::expected_reply(v.n, &v.token),
            )
        }),
        "order-created" => Arc::new(|v: &Vars, status, body: &[u8]| {
            let sent: Value = serde_json::from_slice(&v.body).map_err(WrongAnswer::OwnOrder)?;
            let total: u64 = sent["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|i| {
                            i["qty"].as_u64().unwrap_or(0)
                                * i["unit_price_cents"].as_u64().unwrap_or(0)
                        })
                        .sum()
                })
                .unwrap_or(0);
            check_created(
                &body_json(status, 201, body)?,
                &expected_reply(&sent, total),
            )
            .map(drop)
            .map_err(WrongAnswer::from)
        }),
        "order" => Arc::new(|v: &Vars, status, body: &[u8]| {
            let got = body_json(status, 200, body)?;
            if got["id"] == v.id.as_str() && got["status"] == "authorized" {
                Ok(())
            } else {
                Err(format!("GET /orders/{}: got {got}", v.id).into())
            }
        }),
        "order-list" => Arc::new(order_list),
        _ => return None,
    };
    Some(check)
}

/// `GET /orders?customer_id=cust-{n}&limit=10`: at most 10 of that
/// customer's orders, newest first.
fn order_list(v: &Vars, status: u16, body: &[u8]) -> Result<(), WrongAnswer> {
    let got = body_json(status, 200, body)?;
    let customer = format!("cust-{}", v.n);
    let orders = got["orders"]
        .as_array()
        .ok_or_else(|| WrongAnswer::Content(format!("no \"orders\" array: {got}")))?;
    if orders.len() > 10 {
        return Err(format!("limit=10, got {} orders", orders.len()).into());
    }
    let mut previous = u64::MAX;
    for o in orders {
        if o["customer_id"] != customer.as_str() {
            return Err(format!("an order of another customer in {customer}'s list: {o}").into());
        }
        // Newest first: ids given out in increasing order, listed decreasing.
        let id: u64 = o["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| WrongAnswer::Content(format!("order id is not a database id: {o}")))?;
        if id >= previous {
            return Err(format!("{customer}'s orders are not newest first: {got}").into());
        }
        previous = id;
    }
    Ok(())
}

/// The generated body called `name` in a scenario file.
pub fn body_by_name(name: &str) -> Option<BodyFn> {
    match name {
        "order" => Some(Arc::new(|rng| random_order(rng).0.to_string().into_bytes())),
        "customer-order" => Some(Arc::new(|rng| {
            let (mut order, _) = random_order(rng);
            order["customer_id"] = json!(format!("cust-{}", rng.range(0, CUSTOMERS - 1)));
            order.to_string().into_bytes()
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_check_computes_the_answer_itself() {
        let check = by_name("cpu-hash").unwrap();
        let vars = Vars {
            seed: 42,
            n: 1000,
            ..Vars::default()
        };
        assert!(check(&vars, 200, br#"{"seed":42,"n":1000,"hash":1381483124}"#).is_ok());
        let err = check(&vars, 200, br#"{"seed":42,"n":1000,"hash":1}"#).unwrap_err();
        assert!(err.to_string().contains("1381483124"), "{err}");
        assert!(check(&vars, 500, b"{}").is_err());
    }

    #[test]
    fn every_shipped_name_resolves() {
        for name in CHECKS {
            assert!(by_name(name).is_some(), "{name}");
        }
        for name in BODIES {
            assert!(body_by_name(name).is_some(), "{name}");
        }
    }
}
