//! The contract's error responses: `{"error":CODE,"message":TEXT}`.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    NotFound(String),
    MethodNotAllowed,
    /// The body did not arrive in time.
    RequestTimeout,
    PayloadTooLarge,
    UnsupportedMediaType,
    BadGateway(String),
    /// The upstream did not answer within its deadline.
    GatewayTimeout(String),
    /// The store failed (the database, never the input).
    Internal(String),
}

impl ApiError {
    /// A failed upstream call `what`: 504 when it ran out of time, 502 for
    /// anything else (a reset, a non-200, a body that is not the JSON expected).
    pub fn upstream(what: &str, e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Self::GatewayTimeout(format!("{what} timed out: {e}"))
        } else {
            Self::BadGateway(format!("{what}: {e}"))
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this path".to_owned(),
            ),
            ApiError::RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the body did not arrive within 10 s".to_owned(),
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "body exceeds 65536 bytes".to_owned(),
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Content-Type must be application/json".to_owned(),
            ),
            ApiError::BadGateway(m) => (StatusCode::BAD_GATEWAY, "bad_gateway", m),
            ApiError::GatewayTimeout(m) => (StatusCode::GATEWAY_TIMEOUT, "gateway_timeout", m),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", m),
        };
        (status, Json(Body { error, message })).into_response()
    }
}
