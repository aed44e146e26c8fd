//! The orders the battery saw acknowledged: a reference order created
//! before it, every 201 answer during it, and whether each still reads back
//! the same at the end.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;

use crate::http1::{self, Request};

/// A valid order created before the battery, to read back after it.
pub(super) async fn create_reference(addr: SocketAddr) -> Option<(String, Value)> {
    let req = Request::post_json(
        "/orders",
        r#"{"customer_id":"torture-ref","currency":"GBP","items":[{"sku":"REF","qty":3,"unit_price_cents":250}]}"#,
    );
    let resp = http1::send_once(addr, &req, Duration::from_secs(5))
        .await
        .ok()?;
    let body: Value = serde_json::from_slice(&resp.body).ok()?;
    let id = body.get("id")?.as_str()?.to_owned();
    (resp.status == 201).then_some((id, body))
}

/// Acknowledged orders that no longer read back the same.
pub(super) async fn lost(addr: SocketAddr, acknowledged: &[(String, Value)]) -> usize {
    let mut lost = 0;
    for (id, body) in acknowledged {
        let read = http1::send_once(
            addr,
            &Request::get(format!("/orders/{id}")),
            Duration::from_secs(5),
        )
        .await;
        let same = read.is_ok_and(|r| {
            r.status == 200 && serde_json::from_slice::<Value>(&r.body).ok().as_ref() == Some(body)
        });
        lost += usize::from(!same);
    }
    lost
}

pub(super) fn ack_ids(acknowledged: &[(String, Value)]) -> Vec<&str> {
    acknowledged.iter().map(|(id, _)| id.as_str()).collect()
}

/// The id and body of a 201 answer.
pub(super) fn acknowledgement(r: &http1::Response) -> Option<(String, Value)> {
    if r.status != 201 {
        return None;
    }
    let body: Value = serde_json::from_slice(&r.body).ok()?;
    let id = body.get("id")?.as_str()?.to_owned();
    Some((id, body))
}
