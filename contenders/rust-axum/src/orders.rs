//! `POST /orders`, `GET /orders/{id}` and (with a database) `GET /orders`:
//! validation, upstream authorization and the fraud score; orders are kept
//! by [`crate::store`].

use axum::{
    Json,
    body::Bytes,
    extract::{FromRequest, Path, Query, Request, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode, header},
};
use serde::{Deserialize, Serialize};

use crate::state::{AppState, UPSTREAM_GRACE};
use crate::store::{self, Order, StoreError};
use crate::{error::ApiError, kernels, params};

pub const MAX_BODY: usize = 65_536;
/// How long a request body may take to arrive whole: one that trickles in is
/// given up with a 408 (docs/contract.md, "Hostile input").
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    customer_id: String,
    currency: String,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    sku: String,
    qty: u32,
    unit_price_cents: u32,
}

impl NewOrder {
    fn validate(&self) -> Result<(), String> {
        if !params::is_token(&self.customer_id, 64) {
            return Err("customer_id must be 1-64 characters of [A-Za-z0-9_-]".into());
        }
        if !matches!(self.currency.as_str(), "USD" | "EUR" | "GBP") {
            return Err("currency must be USD, EUR or GBP".into());
        }
        if !(1..=100).contains(&self.items.len()) {
            return Err("items must hold 1 to 100 items".into());
        }
        for (i, item) in self.items.iter().enumerate() {
            if !(1..=32).contains(&item.sku.chars().count()) {
                return Err(format!("items[{i}].sku must be 1-32 characters"));
            }
            if !(1..=1000).contains(&item.qty) {
                return Err(format!("items[{i}].qty must be in 1..=1000"));
            }
            if item.unit_price_cents > 10_000_000 {
                return Err(format!(
                    "items[{i}].unit_price_cents must be in 0..=10000000"
                ));
            }
        }
        Ok(())
    }

    fn total_cents(&self) -> u64 {
        self.items
            .iter()
            .map(|i| u64::from(i.qty) * u64::from(i.unit_price_cents))
            .sum()
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Serialize)]
struct Authorize<'a> {
    customer_id: &'a str,
    total_cents: u64,
}

#[derive(Deserialize)]
struct Authorization {
    approved: bool,
}

pub async fn create(
    State(state): State<AppState>,
    request: Request,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    if !is_json(request.headers()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = tokio::time::timeout(BODY_TIMEOUT, Bytes::from_request(request, &state))
        .await
        .map_err(|_| ApiError::RequestTimeout)?
        .map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest(e.body_text()),
        })?;
    let order: NewOrder =
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    order.validate().map_err(ApiError::BadRequest)?;
    let total_cents = order.total_cents();

    let authorization: Authorization = async {
        state
            .inner
            .http
            .post(format!("{}/authorize", state.inner.upstream))
            .json(&Authorize {
                customer_id: &order.customer_id,
                total_cents,
            })
            .timeout(UPSTREAM_GRACE)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
    .await
    .map_err(|e| ApiError::upstream("upstream authorize", e))?;
    if !authorization.approved {
        return Err(ApiError::BadGateway("upstream declined the order".into()));
    }

    let items_count = order.items.len();
    let fraud_score = kernels::hash(total_cents as u32, 1000 * items_count as u32);
    let items: Vec<store::Item> = order
        .items
        .into_iter()
        .map(|i| store::Item {
            sku: i.sku,
            qty: i.qty as i32,
            unit_price_cents: i64::from(i.unit_price_cents),
        })
        .collect();
    let stored = state
        .inner
        .orders
        .insert(
            Order {
                id: String::new(),
                customer_id: order.customer_id,
                currency: order.currency,
                items_count,
                total_cents,
                fraud_score,
                status: "authorized".to_owned(),
            },
            &items,
        )
        .await
        .map_err(internal("storing the order"))?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Logs a store failure and answers 500 without its details.
fn internal(what: &'static str) -> impl Fn(StoreError) -> ApiError {
    move |e| {
        eprintln!("{what}: {}", e.0);
        ApiError::Internal(format!("{what} failed"))
    }
}

pub async fn fetch(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    state
        .inner
        .orders
        .get(&id)
        .await
        .map_err(internal("reading the order"))?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no order {id}")))
}

#[derive(Deserialize)]
pub struct ListQuery {
    customer_id: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
pub struct OrderList {
    orders: Vec<Order>,
}

/// `GET /orders?customer_id=…&limit=…`: a customer's latest orders (database mode).
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<OrderList>, ApiError> {
    if !state.inner.orders.lists() {
        return Err(ApiError::MethodNotAllowed);
    }
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let customer_id = q
        .customer_id
        .filter(|c| params::is_token(c, 64))
        .ok_or_else(|| {
            ApiError::BadRequest("customer_id must match ^[A-Za-z0-9_-]{1,64}$".into())
        })?;
    let limit = match q.limit {
        None => 20,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n) && raw.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ApiError::BadRequest("limit must be an integer in 1..=100".into()))?,
    };
    let orders = state
        .inner
        .orders
        .list(&customer_id, limit)
        .await
        .map_err(internal("listing orders"))?;
    Ok(Json(OrderList { orders }))
}
