//! The battery: each case is the bytes sent and the rule a correct service
//! follows (`docs/contract.md`, "Hostile input"). Every case also obeys the
//! rules the runner checks for all of them: no 5xx, no crash, no silence
//! beyond the case's time, and a service that still answers `/health`.

use std::time::Duration;

use super::exchange::Exchange;

/// One case of the battery.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub group: &'static str,
    pub name: &'static str,
    /// The rule, as the contract states it.
    pub rule: &'static str,
    pub bytes: fn() -> Vec<u8>,
    /// Responses to wait for.
    pub want: usize,
    /// How long each response may take (the rule's time).
    pub wait: Duration,
    pub judge: fn(&Exchange) -> Result<(), String>,
}

const WAIT: Duration = Duration::from_secs(5);
const VALID: &str = r#"{"customer_id":"tort-1","currency":"USD","items":[{"sku":"A","qty":2,"unit_price_cents":150}]}"#;

fn post(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn post_json(body: &[u8]) -> Vec<u8> {
    post("application/json", body)
}

fn order_with(field: &str) -> Vec<u8> {
    format!(r#"{{"customer_id":"tort-2","currency":"EUR","items":[{{{field}}}]}}"#).into_bytes()
}

/// The first answer's status is one of `allowed`.
fn status_in(ex: &Exchange, allowed: &[u16]) -> Result<(), String> {
    match ex.first_status() {
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(s) => Err(format!("status {s}, want one of {allowed:?}")),
        None => Err(format!("no answer, want one of {allowed:?}")),
    }
}

/// One of `allowed`, or the connection closed without an answer.
fn rejected(ex: &Exchange, allowed: &[u16]) -> Result<(), String> {
    if ex.responses.is_empty() && ex.closed {
        return Ok(());
    }
    status_in(ex, allowed)
}

fn is_400(ex: &Exchange) -> Result<(), String> {
    status_in(ex, &[400])
}

fn is_201_or_400(ex: &Exchange) -> Result<(), String> {
    status_in(ex, &[201, 400])
}

fn chunked_post(chunks: &[&[u8]]) -> Vec<u8> {
    let mut out = b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for c in chunks {
        out.extend_from_slice(c);
    }
    out
}

/// What most cases share: one answer wanted within `WAIT`.
const BASE: Case = Case {
    group: "",
    name: "",
    rule: "",
    bytes: Vec::new,
    want: 1,
    wait: WAIT,
    judge: |_| Ok(()),
};

/// Every case, in the order they run.
pub const CASES: &[Case] = &[
    Case {
        group: "bodies",
        name: "truncated JSON",
        rule: "400",
        bytes: || post_json(&VALID.as_bytes()[..VALID.len() - 20]),
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "trailing garbage",
        rule: "400 (trailing data after the object)",
        bytes: || post_json(format!("{VALID} xyz").as_bytes()),
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "invalid UTF-8",
        rule: "400",
        bytes: || {
            let mut body =
                br#"{"customer_id":"tort-3","currency":"USD","items":[{"sku":""#.to_vec();
            body.extend_from_slice(&[0xff, 0xfe, 0xc3]);
            body.extend_from_slice(br#"","qty":1,"unit_price_cents":1}]}"#);
            post_json(&body)
        },
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "lone surrogate",
        rule: "201 or 400 (a \\ud800 escape is valid JSON but no character)",
        bytes: || {
            post_json(&order_with(
                r#""sku":"\ud800","qty":1,"unit_price_cents":1"#,
            ))
        },
        judge: is_201_or_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "number beyond 2^53",
        rule: "400 (out of range)",
        bytes: || {
            post_json(&order_with(
                r#""sku":"A","qty":9007199254740993,"unit_price_cents":1"#,
            ))
        },
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "number beyond 2^64",
        rule: "400 (out of range)",
        bytes: || {
            post_json(&order_with(
                r#""sku":"A","qty":1,"unit_price_cents":18446744073709551617"#,
            ))
        },
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "1e400",
        rule: "400 (out of range)",
        bytes: || post_json(&order_with(r#""sku":"A","qty":1,"unit_price_cents":1e400"#)),
        judge: is_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "negative zero",
        rule: "201 or 400 (-0 is integral; left to the JSON library)",
        bytes: || post_json(&order_with(r#""sku":"A","qty":1,"unit_price_cents":-0"#)),
        judge: is_201_or_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "100,000 levels of nesting",
        rule: "400, and the service stays up",
        bytes: || {
            let mut body = br#"{"customer_id":"#.to_vec();
            body.extend(std::iter::repeat_n(b'[', 100_000));
            body.extend(std::iter::repeat_n(b']', 100_000));
            body.push(b'}');
            // Beyond the body limit the answer may be 413; keep it under.
            body.truncate(65_000);
            post_json(&body)
        },
        judge: |ex| status_in(ex, &[400, 413]),
        ..BASE
    },
    Case {
        group: "bodies",
        name: "10 MB body with Content-Length",
        rule: "413, without reading it all",
        bytes: || post_json(&vec![b' '; 10 << 20]),
        judge: |ex| rejected(ex, &[413]),
        ..BASE
    },
    Case {
        group: "bodies",
        name: "10 MB chunked body",
        rule: "413, without buffering it",
        bytes: || {
            let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, " ".repeat(1 << 20));
            let mut chunks: Vec<&[u8]> = vec![chunk.as_bytes(); 10];
            chunks.push(b"0\r\n\r\n");
            chunked_post(&chunks)
        },
        judge: |ex| rejected(ex, &[413]),
        ..BASE
    },
    Case {
        group: "bodies",
        name: "body longer than Content-Length",
        rule: "the declared body is answered (201) and the extra bytes are a bad next request (400) or the connection closes; or the whole connection is refused with a 400 and closed, and then the order is not stored (database mode: the invented-orders audit)",
        bytes: || {
            // Its own customer, so that an order stored but never
            // acknowledged names this case in the invented-orders audit.
            let body = VALID.replace("tort-1", "tort-longer");
            let mut bytes = post("application/json", body.as_bytes());
            bytes.extend_from_slice(b"GARBAGE\r\n\r\n");
            bytes
        },
        want: 2,
        judge: |ex| {
            if ex.first_status() == Some(400) && ex.responses.len() == 1 && ex.closed {
                return Ok(());
            }
            status_in(ex, &[201])?;
            match ex.responses.get(1) {
                None => Ok(()),
                Some(r) if r.status == 400 => Ok(()),
                Some(r) => Err(format!("the extra bytes were answered {}", r.status)),
            }
        },
        ..BASE
    },
    Case {
        group: "bodies",
        name: "duplicate keys",
        rule: "201 or 400 (left to the JSON library), never 5xx",
        bytes: || {
            post_json(
                br#"{"customer_id":"tort-4","customer_id":"tort-5","currency":"USD","items":[{"sku":"A","qty":1,"unit_price_cents":1}]}"#,
            )
        },
        judge: is_201_or_400,
        ..BASE
    },
    Case {
        group: "bodies",
        name: "wrong Content-Type",
        rule: "415",
        bytes: || post("text/plain", VALID.as_bytes()),
        judge: |ex| status_in(ex, &[415]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "10,000 headers",
        rule: "400, 413 or 431, or the connection closed",
        bytes: || {
            let mut req = b"GET /health HTTP/1.1\r\nHost: t\r\n".to_vec();
            for i in 0..10_000 {
                req.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
            }
            req.extend_from_slice(b"\r\n");
            req
        },
        judge: |ex| rejected(ex, &[400, 413, 431]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "80 KB header line",
        rule: "400, 413 or 431, or the connection closed",
        bytes: || {
            format!(
                "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n",
                "a".repeat(80 * 1024)
            )
            .into_bytes()
        },
        judge: |ex| rejected(ex, &[400, 413, 431]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "invalid chunk size",
        rule: "400, or the connection closed",
        bytes: || chunked_post(&[b"zz\r\nabc\r\n0\r\n\r\n"]),
        judge: |ex| rejected(ex, &[400]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "chunk extension",
        rule: "201 (extensions are ignored) or 400",
        bytes: || {
            let head = format!("{:x};ext=1\r\n{VALID}\r\n", VALID.len());
            chunked_post(&[head.as_bytes(), b"0\r\n\r\n"])
        },
        judge: is_201_or_400,
        ..BASE
    },
    Case {
        group: "protocol",
        name: "chunked body without its terminator",
        rule: "no answer needed until the body ends; the service keeps serving others",
        bytes: || chunked_post(&[b"5\r\n{\"cus\r\n"]),
        wait: Duration::from_secs(1),
        judge: |ex| match ex.first_status() {
            None => Ok(()),
            Some(s) if s == 400 || s == 408 => Ok(()),
            Some(s) => Err(format!("answered {s} before the body ended")),
        },
        ..BASE
    },
    Case {
        group: "protocol",
        name: "Transfer-Encoding with Content-Length (smuggling)",
        rule: "one answer at most (400, or the chunked body's), then the connection closes: the bytes after the chunked body are never answered as a request",
        bytes: || {
            b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 60\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n".to_vec()
        },
        judge: |ex| {
            if ex.responses.len() > 1 {
                return Err(format!(
                    "the smuggled GET /health was answered ({} responses)",
                    ex.responses.len()
                ));
            }
            rejected(ex, &[400])
        },
        ..BASE
    },
    Case {
        group: "protocol",
        name: "HTTP/1.0 without Host",
        rule: "200 or 400",
        bytes: || b"GET /health HTTP/1.0\r\n\r\n".to_vec(),
        judge: |ex| status_in(ex, &[200, 400]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "pipelined requests",
        rule: "three 200s, in order",
        bytes: || b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n".repeat(3),
        want: 3,
        judge: |ex| {
            let statuses: Vec<u16> = ex.responses.iter().map(|r| r.status).collect();
            if statuses.len() >= 3 && statuses[..3] == [200, 200, 200] {
                Ok(())
            } else {
                Err(format!("got {statuses:?}"))
            }
        },
        ..BASE
    },
    Case {
        group: "protocol",
        name: "1 MB request line",
        rule: "400, 414 or 431, or the connection closed",
        bytes: || {
            format!(
                "GET /health?{} HTTP/1.1\r\nHost: t\r\n\r\n",
                "a".repeat(1 << 20)
            )
            .into_bytes()
        },
        judge: |ex| rejected(ex, &[400, 414, 431]),
        ..BASE
    },
    Case {
        group: "protocol",
        name: "unknown method",
        rule: "400, 405 or 501",
        bytes: || b"BREW /health HTTP/1.1\r\nHost: t\r\n\r\n".to_vec(),
        judge: |ex| rejected(ex, &[400, 405, 501]),
        ..BASE
    },
];
