//! The order rules of the contract as code: a random valid order, the 201
//! reply the contract requires for it (fraud score computed with the
//! harness's own kernel), and exact comparison of JSON bodies. The verifier
//! and the checks applied during load both use them.

use serde_json::{Value, json};

use super::kernels;
use crate::rng::Rng;

message_error! {
    /// A broken contract rule, in words: what was wanted and what came.
    Broken
}

/// The outcome of a rule applied to a response.
pub type Rule = Result<(), Broken>;

/// A random valid order body and its expected total.
pub fn random_order(rng: &mut Rng) -> (Value, u64) {
    let items_count = rng.range(1, 5) as usize;
    let mut total = 0u64;
    let items: Vec<Value> = (0..items_count)
        .map(|_| {
            let qty = rng.range(1, 1000);
            let price = rng.range(0, 10_000_000);
            total += qty * price;
            json!({"sku": format!("SKU-{}", rng.token(6)), "qty": qty, "unit_price_cents": price})
        })
        .collect();
    let currency = ["USD", "EUR", "GBP"][rng.range(0, 2) as usize];
    let len = rng.range(1, 64) as usize;
    let customer_id = rng.token(len);
    (
        json!({"customer_id": customer_id, "currency": currency, "items": items}),
        total,
    )
}

/// The 201 body the contract requires for `order`, minus the id.
pub fn expected_reply(order: &Value, total: u64) -> Value {
    let items = order["items"].as_array().map_or(0, Vec::len);
    json!({
        "customer_id": order["customer_id"],
        "currency": order["currency"],
        "items_count": items,
        "total_cents": total,
        "fraud_score": kernels::hash(total as u32, 1000 * items as u32),
        "status": "authorized",
    })
}

/// Checks a 201 reply against `want` and returns the new id.
pub fn check_created(body: &Value, want: &Value) -> Result<String, Broken> {
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("201 body has a string \"id\" (got {body})"))?;
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!("id is non-empty [A-Za-z0-9_-] (got {id:?})").into());
    }
    let mut without_id = body.clone();
    if let Some(map) = without_id.as_object_mut() {
        map.remove("id");
    }
    exact(&without_id, want)?;
    Ok(id.to_owned())
}

/// The body has exactly the wanted keys and values.
pub fn exact(body: &Value, want: &Value) -> Rule {
    if body == want {
        return Ok(());
    }
    if let (Some(got), Some(w)) = (body.as_object(), want.as_object()) {
        for (k, v) in w {
            field(body, k, v)?;
        }
        if let Some(extra) = got.keys().find(|k| !w.contains_key(*k)) {
            return Err(format!("no field \"{extra}\" beyond the contract's").into());
        }
    }
    Err(format!("body {want} (got {body})").into())
}

/// `body[key]` equals `want`.
pub fn field(body: &Value, key: &str, want: &Value) -> Rule {
    match body.get(key) {
        Some(got) if got == want => Ok(()),
        Some(got) => Err(format!("\"{key}\" is {want} (got {got})").into()),
        None => Err(format!("\"{key}\" is {want} (missing)").into()),
    }
}
