//! `GET /fanout?n=K&ms=M&token=T` (docs/contract.md, "Fan-out"): K calls to
//! the upstream's `/delay`, each a task of a `JoinSet`, all in flight at
//! once. The first call that fails answers for the request, and dropping the
//! set aborts the calls still in flight.

use std::time::Duration;

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;

use crate::error::ApiError;
use crate::params;
use crate::state::{AppState, UPSTREAM_GRACE};

/// The most upstream calls one fan-out makes.
const MAX_CALLS: u64 = 16;

#[derive(Serialize)]
pub struct FanoutReply {
    n: u64,
    tokens: Vec<String>,
}

#[derive(Deserialize)]
struct Reply {
    token: String,
}

pub async fn fanout(
    State(state): State<AppState>,
    q: Result<Query<params::Query>, QueryRejection>,
) -> Result<Json<FanoutReply>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let n = params::uint(&q, "n", MAX_CALLS)?;
    if n == 0 {
        return Err(ApiError::BadRequest(format!(
            "n must be an integer in 1..={MAX_CALLS}"
        )));
    }
    let ms = params::uint(&q, "ms", 10_000)?;
    let token = params::token(&q, "token")?;
    let deadline = Duration::from_millis(ms) + UPSTREAM_GRACE;

    let mut calls = JoinSet::new();
    for i in 0..n {
        let http = state.inner.http.clone();
        let url = format!("{}/delay?ms={ms}&token={token}-{i}", state.inner.upstream);
        calls.spawn(async move {
            let reply: Result<Reply, reqwest::Error> = async {
                http.get(url)
                    .timeout(deadline)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await
            }
            .await;
            (i as usize, reply)
        });
    }
    let mut tokens = vec![String::new(); n as usize];
    while let Some(joined) = calls.join_next().await {
        let (i, reply) =
            joined.map_err(|e| ApiError::Internal(format!("an upstream call's task: {e}")))?;
        tokens[i] = reply.map_err(|e| ApiError::upstream("upstream", e))?.token;
    }
    Ok(Json(FanoutReply { n, tokens }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Instant;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::response::IntoResponse;
    use axum::{Router, routing::get};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    /// Calls seen by the test upstream: in flight now, and the most at once.
    #[derive(Default)]
    struct Seen {
        in_flight: AtomicUsize,
        peak: AtomicUsize,
    }

    /// A `/delay` on 127.0.0.1 that holds each call until `want` calls have
    /// been in flight together (or 2 s passed): a fan-out that waits for
    /// each call before the next peaks at 1. A token ending in `fail-2` is
    /// answered 503.
    async fn upstream(want: usize) -> (String, Arc<Seen>) {
        let seen = Arc::new(Seen::default());
        let counted = seen.clone();
        let delay = move |Query(q): Query<HashMap<String, String>>| {
            let seen = counted.clone();
            async move {
                let now = seen.in_flight.fetch_add(1, SeqCst) + 1;
                seen.peak.fetch_max(now, SeqCst);
                let started = Instant::now();
                while seen.peak.load(SeqCst) < want && started.elapsed() < Duration::from_secs(2) {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                seen.in_flight.fetch_sub(1, SeqCst);
                let token = q.get("token").cloned().unwrap_or_default();
                if token.ends_with("fail-2") {
                    return (StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
                }
                Json(serde_json::json!({ "token": token })).into_response()
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().route("/delay", get(delay));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    async fn call(upstream: &str, uri: &str) -> (StatusCode, String) {
        let state = AppState::new(
            upstream.to_owned(),
            crate::store::Store::Memory(Default::default()),
        )
        .unwrap();
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let resp = crate::app::app(state).oneshot(req).await.unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn calls_the_upstream_at_once_and_keeps_the_order() {
        let (url, seen) = upstream(5).await;
        let (status, body) = call(&url, "/fanout?n=5&ms=0&token=abc").await;
        assert_eq!(
            (status, body.as_str()),
            (
                StatusCode::OK,
                r#"{"n":5,"tokens":["abc-0","abc-1","abc-2","abc-3","abc-4"]}"#
            )
        );
        assert_eq!(seen.peak.load(SeqCst), 5, "calls in flight together");
    }

    #[tokio::test]
    async fn one_failed_call_fails_the_request() {
        let (url, _) = upstream(4).await;
        let (status, body) = call(&url, "/fanout?n=4&ms=0&token=fail").await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert!(body.contains(r#""error":"bad_gateway""#), "{body}");
    }

    #[tokio::test]
    async fn parameters_follow_the_contract() {
        for (uri, want) in [
            ("/fanout?n=0&ms=0&token=a", StatusCode::BAD_REQUEST),
            ("/fanout?n=17&ms=0&token=a", StatusCode::BAD_REQUEST),
            ("/fanout?ms=0&token=a", StatusCode::BAD_REQUEST),
            ("/fanout?n=2&ms=0", StatusCode::BAD_REQUEST),
            ("/fanout?n=2&ms=0&token=a", StatusCode::BAD_GATEWAY),
        ] {
            assert_eq!(call("http://127.0.0.1:9", uri).await.0, want, "{uri}");
        }
    }
}
