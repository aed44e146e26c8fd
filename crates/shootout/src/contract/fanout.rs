//! `GET /fanout` (docs/contract.md, "Fan-out"): what the answer must be and
//! how long it may take, in one place for `verify` and the load checks.

use std::time::Duration;

use serde_json::{Value, json};

/// The most upstream calls one `/fanout` makes.
pub const MAX_CALLS: u32 = 16;

/// The token call `i` of a fan-out for `token` sends the upstream.
pub fn call_token(token: &str, i: u32) -> String {
    format!("{token}-{i}")
}

/// The only right answer to `/fanout?n={calls}&ms=…&token={token}`.
pub fn expected_reply(calls: u32, token: &str) -> Value {
    let tokens: Vec<String> = (0..calls).map(|i| call_token(token, i)).collect();
    json!({ "n": calls, "tokens": tokens })
}

/// The longest a fan-out of `calls` calls of `delay` each may take when the
/// calls run at once: half of what they take one after another. A service
/// that waits for each call before the next cannot answer in less than
/// `calls × delay`, however fast its machine; one that runs them together
/// answers in about `delay`, so the bound leaves room for a loaded host.
pub fn concurrent_bound(calls: u32, delay: Duration) -> Duration {
    delay * calls / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_lists_each_call_token_in_order() {
        assert_eq!(
            expected_reply(3, "ab"),
            json!({"n": 3, "tokens": ["ab-0", "ab-1", "ab-2"]})
        );
    }

    #[test]
    fn the_bound_is_half_the_sequential_time() {
        assert_eq!(
            concurrent_bound(16, Duration::from_millis(100)),
            Duration::from_millis(800)
        );
    }
}
