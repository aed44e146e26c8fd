//! The router and the handlers of every endpoint but the orders.
use std::time::Duration;

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Query, State, rejection::QueryRejection},
    routing::get,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::{AppState, UPSTREAM_GRACE};
use crate::{kernels, orders, params};

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/json", get(json))
        .route("/cpu/hash", get(cpu_hash))
        .route("/cpu/json", get(cpu_json))
        .route("/cpu/trees", get(cpu_trees))
        .route("/io", get(io))
        .route("/fanout", get(crate::fanout::fanout))
        .route(
            "/orders",
            axum::routing::post(orders::create).get(orders::list),
        )
        .route("/orders/{id}", get(orders::fetch))
        .fallback(|| async { ApiError::NotFound("no such path".to_owned()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(orders::MAX_BODY))
        .with_state(state)
}

type QueryResult = Result<Query<params::Query>, QueryRejection>;

fn query(q: QueryResult) -> Result<params::Query, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

#[derive(Serialize)]
struct Message {
    message: &'static str,
}

async fn json() -> Json<Message> {
    Json(Message {
        message: "Hello, World!",
    })
}

#[derive(Serialize)]
struct HashReply {
    seed: u32,
    n: u32,
    hash: u32,
}

async fn cpu_hash(q: QueryResult) -> Result<Json<HashReply>, ApiError> {
    let q = query(q)?;
    let seed = params::uint(&q, "seed", u32::MAX.into())? as u32;
    let n = params::uint(&q, "n", 10_000_000)? as u32;
    let hash = offload(n > 50_000, move || kernels::hash(seed, n)).await;
    Ok(Json(HashReply { seed, n, hash }))
}

#[derive(Serialize)]
struct JsonReply {
    seed: u32,
    n: u32,
    bytes: usize,
    total_cents: u64,
}

async fn cpu_json(q: QueryResult) -> Result<Json<JsonReply>, ApiError> {
    let q = query(q)?;
    let seed = params::uint(&q, "seed", u32::MAX.into())? as u32;
    let n = params::uint(&q, "n", 100_000)? as u32;
    let (bytes, total_cents) = offload(n > 1_000, move || kernels::json(seed, n)).await;
    Ok(Json(JsonReply {
        seed,
        n,
        bytes,
        total_cents,
    }))
}

#[derive(Serialize)]
struct TreesReply {
    seed: u32,
    depth: u32,
    nodes: u32,
    check: u32,
}

async fn cpu_trees(q: QueryResult) -> Result<Json<TreesReply>, ApiError> {
    let q = query(q)?;
    let seed = params::uint(&q, "seed", u32::MAX.into())? as u32;
    let depth = params::uint(&q, "depth", 20)? as u32;
    let (nodes, check) = offload(depth > 11, move || kernels::trees(seed, depth)).await;
    Ok(Json(TreesReply {
        seed,
        depth,
        nodes,
        check,
    }))
}

/// Runs CPU work that takes more than ~100 µs on tokio's blocking pool, so it
/// does not stall the async workers that serve other connections; short work
/// runs inline, where a thread hop would cost more than it saves.
async fn offload<T: Send + 'static>(long: bool, work: impl FnOnce() -> T + Send + 'static) -> T {
    if long {
        match tokio::task::spawn_blocking(work).await {
            Ok(value) => value,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    } else {
        work()
    }
}

#[derive(Serialize, Deserialize)]
struct Token {
    token: String,
}

async fn io(State(state): State<AppState>, q: QueryResult) -> Result<Json<Token>, ApiError> {
    let q = query(q)?;
    let ms = params::uint(&q, "ms", 10_000)?;
    let token = params::token(&q, "token")?;
    let url = format!("{}/delay?ms={ms}&token={token}", state.inner.upstream);
    let reply: Token = async {
        state
            .inner
            .http
            .get(url)
            .timeout(Duration::from_millis(ms) + UPSTREAM_GRACE)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
    }
    .await
    .map_err(|e| ApiError::upstream("upstream", e))?;
    Ok(Json(reply))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn call(method: &str, uri: &str) -> (StatusCode, String) {
        let state = AppState::new(
            "http://127.0.0.1:9".into(),
            crate::store::Store::Memory(Default::default()),
        )
        .unwrap();
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let resp = app(state).oneshot(req).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn routes_and_errors_follow_the_contract() {
        assert_eq!(call("GET", "/health").await, (StatusCode::OK, "ok".into()));
        let (status, body) = call("GET", "/cpu/hash?seed=42&n=1000").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, r#"{"seed":42,"n":1000,"hash":1381483124}"#)
        );
        let (status, body) = call("GET", "/cpu/hash?seed=%2B1&n=1").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains(r#""error":"bad_request""#), "{body}");
        let (status, body) = call("DELETE", "/json").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(body.contains(r#""error":"method_not_allowed""#), "{body}");
        let (status, body) = call("GET", "/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains(r#""error":"not_found""#), "{body}");
    }

    #[tokio::test]
    async fn io_reports_an_unreachable_upstream_as_502() {
        let (status, body) = call("GET", "/io?ms=0&token=abc").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert!(body.contains(r#""error":"bad_gateway""#), "{body}");
    }
}
