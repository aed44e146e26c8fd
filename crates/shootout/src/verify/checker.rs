//! The checking context: sends a request to the contender, applies a rule to
//! the response, and records each failure with the rule, the request and the
//! response, so a failure report says exactly what broke.

use std::net::SocketAddr;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::http1::{self, Request, Response};
use crate::upstream::{Control, ControlError, Counters, Fault};

/// The contract's check groups, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    Health,
    Json,
    CpuHash,
    CpuJson,
    CpuTrees,
    Params,
    Io,
    /// `GET /fanout`: K upstream calls at once.
    Fanout,
    Orders,
    Validation,
    Errors,
    Headers,
    Concurrency,
    Survival,
    /// Only for a contender started with a database.
    Database,
}

impl Group {
    pub const ALL: [Group; 15] = [
        Group::Health,
        Group::Json,
        Group::CpuHash,
        Group::CpuJson,
        Group::CpuTrees,
        Group::Params,
        Group::Io,
        Group::Fanout,
        Group::Orders,
        Group::Validation,
        Group::Errors,
        Group::Headers,
        Group::Concurrency,
        Group::Survival,
        Group::Database,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Group::Health => "health",
            Group::Json => "json",
            Group::CpuHash => "cpu-hash",
            Group::CpuJson => "cpu-json",
            Group::CpuTrees => "cpu-trees",
            Group::Params => "params",
            Group::Io => "io",
            Group::Fanout => "fanout",
            Group::Orders => "orders",
            Group::Validation => "validation",
            Group::Errors => "errors",
            Group::Headers => "headers",
            Group::Concurrency => "concurrency",
            Group::Survival => "survival",
            Group::Database => "database",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Failure {
    pub group: Group,
    /// The contract rule, in words.
    pub rule: String,
    /// The request sent, in short form.
    pub request: String,
    /// The response received (status, framing headers, body preview), or why there was none.
    pub response: String,
}

/// Counts per group and the failures.
#[derive(Debug)]
pub struct Checker {
    pub addr: SocketAddr,
    pub upstream: Control,
    pub timeout: Duration,
    pub passed: std::collections::BTreeMap<Group, usize>,
    pub failures: Vec<Failure>,
    /// Set once the service refuses connections: later checks are not sent.
    pub down: bool,
    /// Checks not sent because the service was down.
    pub not_run: usize,
}

/// The outcome of a rule applied to a response.
pub use crate::contract::orders::{Broken, Rule, field};

impl Checker {
    pub fn new(addr: SocketAddr, upstream: Control) -> Self {
        Self {
            addr,
            upstream,
            timeout: Duration::from_secs(10),
            passed: Default::default(),
            failures: Vec::new(),
            down: false,
            not_run: 0,
        }
    }

    /// The upstream's counters; when its control endpoint fails, that is
    /// a failure of the harness's, recorded as such.
    pub async fn upstream_counters(&mut self, group: Group) -> Option<Counters> {
        let counted = self.upstream.counters().await;
        self.harness(group, counted)
    }

    /// Tells the upstream to misbehave (or stop); false when it could not.
    pub async fn upstream_fault(&mut self, group: Group, fault: Fault) -> bool {
        let told = self.upstream.set_fault(fault).await;
        self.harness(group, told).is_some()
    }

    /// The value of a step of the harness's own; its error recorded as a
    /// `(harness)` failure of `group`.
    fn harness<T>(&mut self, group: Group, step: Result<T, ControlError>) -> Option<T> {
        step.map_err(|e| {
            let rule = format!("(harness) {e}");
            self.fail(group, rule, String::new(), String::new());
        })
        .ok()
    }

    pub fn pass(&mut self, group: Group) {
        *self.passed.entry(group).or_default() += 1;
    }

    pub fn fail(
        &mut self,
        group: Group,
        rule: impl Into<String>,
        request: String,
        response: String,
    ) {
        self.failures.push(Failure {
            group,
            rule: rule.into(),
            request,
            response,
        });
    }

    /// Records `result` for `group` against this request/response pair.
    pub fn record(&mut self, group: Group, result: Rule, req: &Request, resp: Option<&Response>) {
        match result {
            Ok(()) => self.pass(group),
            Err(rule) => {
                let response = resp.map_or_else(|| "(none)".to_owned(), ToString::to_string);
                self.fail(group, rule.0, req.to_string(), response);
            }
        }
    }

    /// Sends `req` on a fresh connection, checks its framing headers (group
    /// `headers`) and applies `rule`. Returns the response when there was one.
    pub async fn check(
        &mut self,
        group: Group,
        req: Request,
        rule: impl FnOnce(&Response) -> Rule,
    ) -> Option<Response> {
        if self.down {
            self.not_run += 1;
            return None;
        }
        match http1::send_once(self.addr, &req, self.timeout).await {
            Ok(resp) => {
                let framing = framing_rule(&req, &resp);
                self.record(Group::Headers, framing, &req, Some(&resp));
                let result = rule(&resp);
                self.record(group, result, &req, Some(&resp));
                Some(resp)
            }
            Err(e) => {
                // A refused connection means the process is gone: one failure
                // names the request that killed it, the rest are not sent.
                self.down = matches!(&e, http1::ClientError::Connect(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
                self.fail(
                    group,
                    format!("a response (got {e})"),
                    req.to_string(),
                    "(none)".into(),
                );
                None
            }
        }
    }
}

/// Every response carries Content-Length or chunked framing, and a content type
/// when it has a body.
pub fn framing_rule(req: &Request, resp: &Response) -> Rule {
    let chunked = resp
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if resp.header("content-length").is_none() && !chunked && req.method != "HEAD" {
        return Err("every response has Content-Length or Transfer-Encoding: chunked".into());
    }
    if !resp.body.is_empty() && resp.header("content-type").is_none() {
        return Err("every response with a body has a Content-Type".into());
    }
    Ok(())
}

/// Status is `status`.
pub fn status(resp: &Response, status: u16) -> Rule {
    if resp.status == status {
        Ok(())
    } else {
        Err(format!("status {status} (got {})", resp.status).into())
    }
}

/// Status `want`, `application/json`, and the body parsed.
pub fn json_body(resp: &Response, want: u16) -> Result<Value, Broken> {
    status(resp, want)?;
    match resp.media_type().as_deref() {
        Some("application/json") => {}
        other => {
            return Err(format!(
                "Content-Type application/json (got {})",
                other.unwrap_or("none")
            )
            .into());
        }
    }
    resp.json()
}

/// An error response: `status`, JSON `{"error": code, "message": text}`.
pub fn error_body(resp: &Response, want: u16) -> Rule {
    let code = match want {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        500 => "internal_error",
        502 => "bad_gateway",
        504 => "gateway_timeout",
        _ => "?",
    };
    let body = json_body(resp, want)?;
    if body.get("error").and_then(Value::as_str) != Some(code) {
        return Err(format!("error body {{\"error\":\"{code}\",…}} (got {body})").into());
    }
    if !body.get("message").is_some_and(Value::is_string) {
        return Err(format!("error body has a string \"message\" (got {body})").into());
    }
    Ok(())
}

pub use crate::rng::Rng;
