//! The database group, for a contender started with `DATABASE_URL`: the
//! list query's order, limit and validation; concurrent creates for one
//! customer all land; a transaction that fails half-way (the harness makes
//! the database refuse the second item) leaves nothing behind. Persistence
//! across a restart is checked by the gate, which can restart the contender.

use std::time::Duration;

use serde_json::{Value, json};

use super::checker::{Broken, Checker, Group, Rng, error_body, json_body};
use super::orders::{Created, create, random_order};
use crate::contract::orders::exact;
use crate::http1::{self, Request};
use tokio_postgres::Client;

/// Concurrent creates for one customer.
const CONCURRENT: usize = 32;

/// A SKU the trigger installed for the half-way check refuses.
const ABORT_SKU: &str = "shootout-abort";

/// Runs the group; `db` is shootout's own connection to the same schema.
pub async fn check(c: &mut Checker, rng: &mut Rng, db: &Client) {
    list(c, rng).await;
    concurrent_creates(c, rng).await;
    half_way(c, rng, db).await;
}

fn order_for(rng: &mut Rng, customer: &str) -> (Value, u64) {
    let (mut order, total) = random_order(rng);
    order["customer_id"] = json!(customer);
    (order, total)
}

fn list_of(created: &[&Created]) -> Value {
    json!({"orders": created.iter().map(|c| c.body.clone()).collect::<Vec<_>>()})
}

async fn list(c: &mut Checker, rng: &mut Rng) {
    let customer = format!("list-{}", rng.token(12));
    let mut created = Vec::new();
    for _ in 0..3 {
        let (order, total) = order_for(rng, &customer);
        if let Some(o) = create(c, Group::Database, &order, total, "application/json").await {
            created.push(o);
        }
    }
    if created.len() != 3 {
        return;
    }
    let newest: Vec<&Created> = created.iter().rev().collect();
    let want_two = list_of(&newest[..2]);
    c.check(
        Group::Database,
        Request::get(format!("/orders?customer_id={customer}&limit=2")),
        |r| exact(&json_body(r, 200)?, &want_two),
    )
    .await;
    let want_all = list_of(&newest);
    c.check(
        Group::Database,
        Request::get(format!("/orders?customer_id={customer}")),
        |r| exact(&json_body(r, 200)?, &want_all),
    )
    .await;
    c.check(
        Group::Database,
        Request::get(format!("/orders?customer_id=nobody-{}", rng.token(12))),
        |r| exact(&json_body(r, 200)?, &json!({"orders": []})),
    )
    .await;
    for bad in [
        "/orders".to_owned(),
        "/orders?limit=5".to_owned(),
        format!("/orders?customer_id={customer}&limit=0"),
        format!("/orders?customer_id={customer}&limit=101"),
        format!("/orders?customer_id={customer}&limit=ten"),
        format!("/orders?customer_id={customer}&limit=-1"),
        "/orders?customer_id=not%20valid".to_owned(),
    ] {
        c.check(Group::Database, Request::get(bad), |r| error_body(r, 400))
            .await;
    }
    for (what, bad) in super::basic::SIGNED_OR_SPACED {
        c.check(
            Group::Database,
            Request::get(format!("/orders?customer_id={customer}&limit={bad}")),
            |r| error_body(r, 400).map_err(|e| Broken(format!("limit, a {what}, is a 400: {e}"))),
        )
        .await;
    }
}

async fn concurrent_creates(c: &mut Checker, rng: &mut Rng) {
    if c.down {
        c.not_run += 1;
        return;
    }
    let customer = format!("burst-{}", rng.token(12));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENT {
        let (order, _) = order_for(rng, &customer);
        let addr = c.addr;
        tasks.push(tokio::spawn(async move {
            let req = Request::post_json("/orders", order.to_string());
            http1::send_once(addr, &req, Duration::from_secs(30)).await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        if let Ok(Ok(resp)) = task.await {
            if resp.status == 201 {
                if let Some(id) = serde_json::from_slice::<Value>(&resp.body)
                    .ok()
                    .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
                {
                    ids.push(id);
                }
            }
        }
    }
    let req = Request::get(format!("/orders?customer_id={customer}&limit=100"));
    let got = ids.len();
    c.check(Group::Database, req, |r| {
        if got != CONCURRENT {
            return Err(format!(
                "{CONCURRENT} concurrent creates for one customer all answer 201 (got {got})"
            )
            .into());
        }
        let body = json_body(r, 200)?;
        let mut listed: Vec<String> = body["orders"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|o| o["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        listed.sort();
        ids.sort();
        if listed == ids {
            Ok(())
        } else {
            Err(format!(
                "the {CONCURRENT} orders created concurrently for one customer are all listed (listed {} of them)",
                listed.len()
            )
            .into())
        }
    })
    .await;
}

/// The database refuses the order's second item (a trigger shootout adds
/// for this check only): the service answers 500 and stores nothing.
async fn half_way(c: &mut Checker, rng: &mut Rng, db: &Client) {
    let install = format!(
        "CREATE FUNCTION shootout_abort_item() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF NEW.sku = '{ABORT_SKU}' THEN
               RAISE EXCEPTION 'shootout: the database refuses this item (a verify check)';
             END IF;
             RETURN NEW;
           END $$;
         CREATE TRIGGER shootout_abort BEFORE INSERT ON order_items
           FOR EACH ROW EXECUTE FUNCTION shootout_abort_item();"
    );
    if let Err(e) = db.batch_execute(&install).await {
        c.fail(
            Group::Database,
            format!("(harness) could not install the half-way trigger: {e}"),
            String::new(),
            String::new(),
        );
        return;
    }
    let customer = format!("halfway-{}", rng.token(12));
    let order = json!({
        "customer_id": customer,
        "currency": "EUR",
        "items": [
            {"sku": "SKU-fine", "qty": 2, "unit_price_cents": 150},
            {"sku": ABORT_SKU, "qty": 1, "unit_price_cents": 99},
        ],
    });
    c.check(
        Group::Database,
        Request::post_json("/orders", order.to_string()),
        |r| error_body(r, 500),
    )
    .await;
    let left = db
        .query_one(
            "SELECT count(*) FROM orders WHERE customer_id = $1",
            &[&customer],
        )
        .await
        .map(|r| r.get::<_, i64>(0));
    let _ = db
        .batch_execute(
            "DROP TRIGGER IF EXISTS shootout_abort ON order_items;
             DROP FUNCTION IF EXISTS shootout_abort_item();",
        )
        .await;
    let request =
        format!("POST /orders (second item refused by the database), customer {customer}");
    match left {
        Ok(0) => c.pass(Group::Database),
        Ok(n) => c.fail(
            Group::Database,
            "a transaction that fails half-way leaves nothing (no order row without its items)",
            request,
            format!("{n} order row(s) for that customer in the database"),
        ),
        Err(e) => c.fail(
            Group::Database,
            format!("(harness) could not count the orders: {e}"),
            request,
            String::new(),
        ),
    }
}
