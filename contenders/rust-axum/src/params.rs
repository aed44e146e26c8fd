//! Query-parameter rules shared by the endpoints.

use std::collections::HashMap;

use crate::error::ApiError;

pub type Query = HashMap<String, String>;

/// A decimal integer matching `^[0-9]{1,10}$` within `0..=max`.
pub fn uint(query: &Query, name: &str, max: u64) -> Result<u64, ApiError> {
    let raw = query
        .get(name)
        .ok_or_else(|| ApiError::BadRequest(format!("missing query parameter {name}")))?;
    let valid = !raw.is_empty() && raw.len() <= 10 && raw.bytes().all(|b| b.is_ascii_digit());
    match raw.parse::<u64>() {
        Ok(value) if valid && value <= max => Ok(value),
        _ => Err(ApiError::BadRequest(format!(
            "{name} must be an integer in 0..={max}"
        ))),
    }
}

/// A string of 1..=`max_len` chars of `[A-Za-z0-9_-]`.
pub fn is_token(s: &str, max_len: usize) -> bool {
    (1..=max_len).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn token(query: &Query, name: &str) -> Result<String, ApiError> {
    match query.get(name) {
        Some(t) if is_token(t, 64) => Ok(t.clone()),
        _ => Err(ApiError::BadRequest(format!(
            "{name} must be 1-64 characters of [A-Za-z0-9_-]"
        ))),
    }
}
