//! Checks of the endpoints that call the upstream (`/io`, `/orders`), the
//! order-body validation rules, and the 502 path when the upstream fails.

use serde_json::{Value, json};

use super::checker::{Broken, Checker, Group, Rng, error_body, json_body};
pub use crate::contract::orders::{check_created, expected_reply, random_order};
use crate::http1::Request;
use crate::upstream::Fault;

/// An order the harness created, with the reply it must keep returning.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    pub body: Value,
}

/// POSTs `order` and checks the 201 reply; returns what was created.
pub async fn create(
    c: &mut Checker,
    group: Group,
    order: &Value,
    total: u64,
    content_type: &str,
) -> Option<Created> {
    let want = expected_reply(order, total);
    let req = Request::new("POST", "/orders")
        .header("Content-Type", content_type)
        .body(order.to_string());
    let mut created = None;
    c.check(group, req, |r| {
        let body = json_body(r, 201)?;
        let id = check_created(&body, &want)?;
        created = Some(Created { id, body });
        Ok(())
    })
    .await;
    created
}

pub async fn io(c: &mut Checker, rng: &mut Rng) {
    let before = c.upstream_counters(Group::Io).await;
    let mut calls = 0;
    for ms in [0, 0, 1, 25] {
        let len = rng.range(1, 64) as usize;
        let token = rng.token(len);
        let ok = c
            .check(
                Group::Io,
                Request::get(format!("/io?ms={ms}&token={token}")),
                |r| super::basic::exact(&json_body(r, 200)?, &json!({"token": token})),
            )
            .await
            .is_some_and(|r| r.status == 200);
        calls += u64::from(ok);
    }
    let Some(after) = c.upstream_counters(Group::Io).await else {
        return;
    };
    let Some(before) = before else { return };
    let (before, after) = (before.delay, after.delay);
    let req = Request::get("/io?…");
    let rule = if after - before == calls {
        Ok(())
    } else {
        Err(format!(
            "each /io calls the upstream's /delay once: {calls} good replies, upstream counted {}",
            after - before
        )
        .into())
    };
    c.record(Group::Io, rule, &req, None);
}

/// The upstream fails, by an error status or by a 200 whose JSON lacks
/// what the call asks for (no `token`, no `approved`): `/io` and
/// `POST /orders` are 502 with the error body.
pub async fn upstream_failure(c: &mut Checker, rng: &mut Rng) {
    for (fault, how) in [
        (Fault::Unavailable, "a failing upstream"),
        (
            Fault::Shapeless,
            "an upstream 200 whose JSON lacks the expected field",
        ),
    ] {
        if !c.upstream_fault(Group::Io, fault).await {
            return;
        }
        c.check(Group::Io, Request::get("/io?ms=0&token=down"), |r| {
            error_body(r, 502).map_err(|e| Broken(format!("{how} makes /io a 502: {e}")))
        })
        .await;
        let (order, _) = random_order(rng);
        c.check(
            Group::Orders,
            Request::post_json("/orders", order.to_string()),
            |r| {
                error_body(r, 502)
                    .map_err(|e| Broken(format!("{how} makes POST /orders a 502: {e}")))
            },
        )
        .await;
        c.upstream_fault(Group::Io, Fault::None).await;
    }
}

pub async fn orders(c: &mut Checker, rng: &mut Rng) -> Vec<Created> {
    let before = c.upstream_counters(Group::Orders).await;
    let mut created = Vec::new();
    for i in 0..6 {
        let (order, total) = random_order(rng);
        let ct = if i == 0 {
            "application/json; charset=utf-8"
        } else {
            "application/json"
        };
        created.extend(create(c, Group::Orders, &order, total, ct).await);
    }
    // The largest order the rules allow: 100 items at the maximum quantity and
    // price, 32-character SKUs of two-byte characters (32 code points, 64 bytes).
    let items: Vec<Value> = (0..100)
        .map(|_| json!({"sku": "é".repeat(32), "qty": 1000, "unit_price_cents": 10_000_000}))
        .collect();
    let biggest = json!({"customer_id": "c".repeat(64), "currency": "GBP", "items": items});
    created.extend(
        create(
            c,
            Group::Orders,
            &biggest,
            100 * 1000 * 10_000_000,
            "application/json",
        )
        .await,
    );
    // Exactly 65,536 bytes (whitespace padding) is within the limit.
    let (order, total) = random_order(rng);
    let mut text = order.to_string();
    text.push_str(&" ".repeat(65_536 - text.len()));
    let req = Request::post_json("/orders", text);
    let want = expected_reply(&order, total);
    if let Some(resp) = c
        .check(Group::Orders, req, |r| {
            check_created(&json_body(r, 201)?, &want)
                .map(drop)
                .map_err(|e| Broken(format!("a body of exactly 65536 bytes is accepted: {e}")))
        })
        .await
    {
        if let (Ok(body), 201) = (resp.json(), resp.status) {
            if let Some(id) = body.get("id").and_then(Value::as_str) {
                created.push(Created {
                    id: id.to_owned(),
                    body,
                });
            }
        }
    }

    let mut ids: Vec<&str> = created.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rule = if ids.len() == created.len() {
        Ok(())
    } else {
        Err(Broken::from("order ids are unique"))
    };
    c.record(
        Group::Orders,
        rule,
        &Request::post_json("/orders", "…"),
        None,
    );

    let (Some(before), Some(after)) = (before, c.upstream_counters(Group::Orders).await) else {
        check_stored(c, Group::Orders, &created).await;
        return created;
    };
    let authorized = after.authorize - before.authorize;
    let rule = if authorized == created.len() as u64 {
        Ok(())
    } else {
        Err(format!(
            "each created order was authorized by the upstream once: {} created, upstream counted {authorized}",
            created.len()
        ).into())
    };
    c.record(
        Group::Orders,
        rule,
        &Request::post_json("/orders", "…"),
        None,
    );

    check_stored(c, Group::Orders, &created).await;
    created
}

/// `GET /orders/{id}` returns each created order exactly.
pub async fn check_stored(c: &mut Checker, group: Group, created: &[Created]) {
    for order in created {
        let want = order.body.clone();
        c.check(group, Request::get(format!("/orders/{}", order.id)), |r| {
            let body = json_body(r, 200)?;
            if body == want {
                Ok(())
            } else {
                Err(
                    format!("GET /orders/{{id}} returns the created order {want} (got {body})")
                        .into(),
                )
            }
        })
        .await;
    }
}

/// A valid order to mutate into invalid ones.
fn base() -> Value {
    json!({"customer_id": "cust-1", "currency": "USD",
           "items": [{"sku": "SKU-1", "qty": 2, "unit_price_cents": 150}]})
}

fn with(path: &[&str], value: Value) -> Value {
    let mut order = base();
    let mut target = &mut order;
    for key in &path[..path.len() - 1] {
        target = match key.parse::<usize>() {
            Ok(i) => &mut target[i],
            Err(_) => &mut target[*key],
        };
    }
    target[path[path.len() - 1]] = value;
    order
}

fn without(path: &[&str]) -> Value {
    let mut order = base();
    let mut target = &mut order;
    for key in &path[..path.len() - 1] {
        target = match key.parse::<usize>() {
            Ok(i) => &mut target[i],
            Err(_) => &mut target[*key],
        };
    }
    if let Some(map) = target.as_object_mut() {
        map.remove(path[path.len() - 1]);
    }
    order
}

/// Every 400 rule of the order body, as (what, raw body).
fn bad_bodies() -> Vec<(String, String)> {
    let item = json!({"sku": "S", "qty": 1, "unit_price_cents": 1});
    let mut cases: Vec<(&str, String)> = vec![
        ("malformed JSON", "{\"customer_id\":".into()),
        ("empty body", String::new()),
        ("a JSON array", "[]".into()),
        ("a JSON string", "\"order\"".into()),
        ("JSON null", "null".into()),
        ("trailing data", format!("{} x", base())),
        ("two objects", format!("{}{}", base(), base())),
        ("missing customer_id", without(&["customer_id"]).to_string()),
        ("missing currency", without(&["currency"]).to_string()),
        ("missing items", without(&["items"]).to_string()),
        ("null customer_id", with(&["customer_id"], Value::Null).to_string()),
        ("null items", with(&["items"], Value::Null).to_string()),
        ("unknown field", with(&["coupon"], json!("FREE")).to_string()),
        ("differently-cased field", {
            let mut o = without(&["currency"]);
            o["Currency"] = json!("USD");
            o.to_string()
        }),
        ("empty customer_id", with(&["customer_id"], json!("")).to_string()),
        ("customer_id of 65 chars", with(&["customer_id"], json!("a".repeat(65))).to_string()),
        ("customer_id with a space", with(&["customer_id"], json!("cust 1")).to_string()),
        ("numeric customer_id", with(&["customer_id"], json!(123)).to_string()),
        ("lower-case currency", with(&["currency"], json!("usd")).to_string()),
        ("unknown currency", with(&["currency"], json!("JPY")).to_string()),
        ("numeric currency", with(&["currency"], json!(840)).to_string()),
        ("no items", with(&["items"], json!([])).to_string()),
        ("101 items", with(&["items"], Value::Array(vec![item.clone(); 101])).to_string()),
        ("items not an array", with(&["items"], json!({"sku": "S"})).to_string()),
        ("item not an object", with(&["items"], json!([1])).to_string()),
        ("item missing qty", without(&["items", "0", "qty"]).to_string()),
        ("item missing sku", without(&["items", "0", "sku"]).to_string()),
        ("item unknown field", with(&["items", "0", "color"], json!("red")).to_string()),
        ("empty sku", with(&["items", "0", "sku"], json!("")).to_string()),
        ("sku of 33 chars", with(&["items", "0", "sku"], json!("é".repeat(33))).to_string()),
        ("numeric sku", with(&["items", "0", "sku"], json!(5)).to_string()),
        ("qty 0", with(&["items", "0", "qty"], json!(0)).to_string()),
        ("qty 1001", with(&["items", "0", "qty"], json!(1001)).to_string()),
        ("qty -1", with(&["items", "0", "qty"], json!(-1)).to_string()),
        ("fractional qty", with(&["items", "0", "qty"], json!(1.5)).to_string()),
        ("qty as a string", with(&["items", "0", "qty"], json!("2")).to_string()),
        ("null qty", with(&["items", "0", "qty"], Value::Null).to_string()),
        ("negative price", with(&["items", "0", "unit_price_cents"], json!(-1)).to_string()),
        ("price above 10000000", with(&["items", "0", "unit_price_cents"], json!(10_000_001)).to_string()),
        ("fractional price", with(&["items", "0", "unit_price_cents"], json!(2.5)).to_string()),
        ("price as a string", with(&["items", "0", "unit_price_cents"], json!("100")).to_string()),
        ("boolean price", with(&["items", "0", "unit_price_cents"], json!(true)).to_string()),
        ("huge price", "{\"customer_id\":\"c\",\"currency\":\"USD\",\"items\":[{\"sku\":\"S\",\"qty\":1,\"unit_price_cents\":1e400}]}".into()),
    ];
    cases.drain(..).map(|(w, b)| (w.to_owned(), b)).collect()
}

pub async fn validation(c: &mut Checker) {
    let valid = base().to_string();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
    ] {
        let mut req = Request::new("POST", "/orders").body(valid.clone());
        if let Some(ct) = ct {
            req = req.header("Content-Type", ct);
        }
        c.check(Group::Validation, req, |r| {
            error_body(r, 415).map_err(|e| {
                Broken(format!(
                    "POST /orders without application/json is a 415: {e}"
                ))
            })
        })
        .await;
    }
    let oversized = format!("{{\"customer_id\":\"{}\"}}", "x".repeat(70_000));
    c.check(
        Group::Validation,
        Request::post_json("/orders", oversized.clone()),
        |r| {
            error_body(r, 413).map_err(|e| Broken(format!("a body over 65536 bytes is a 413: {e}")))
        },
    )
    .await;
    c.check(
        Group::Validation,
        Request::post_json("/orders", oversized).chunked(),
        |r| {
            error_body(r, 413)
                .map_err(|e| Broken(format!("a chunked body over 65536 bytes is a 413: {e}")))
        },
    )
    .await;
    for (what, body) in bad_bodies() {
        c.check(
            Group::Validation,
            Request::post_json("/orders", body),
            move |r| {
                error_body(r, 400)
                    .map_err(|e| Broken(format!("an order body with {what} is a 400: {e}")))
            },
        )
        .await;
    }
}
