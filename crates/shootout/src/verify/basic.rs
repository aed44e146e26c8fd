//! Checks of the stateless endpoints: health, json, the CPU kernels, query
//! parameters, unknown paths and methods, and keep-alive.

use std::time::Duration;

use serde_json::json;

use super::checker::{Broken, Checker, Group, Rng, error_body, json_body, status};
use crate::contract::kernels;
pub use crate::contract::orders::exact;
use crate::http1::{Conn, Request};

pub async fn health(c: &mut Checker) {
    c.check(Group::Health, Request::get("/health"), |r| {
        status(r, 200)?;
        match r.media_type().as_deref() {
            Some("text/plain") => {}
            other => {
                return Err(
                    format!("Content-Type text/plain (got {})", other.unwrap_or("none")).into(),
                );
            }
        }
        if r.body != b"ok" {
            return Err(format!("body \"ok\" (got {:?})", r.body_text()).into());
        }
        Ok(())
    })
    .await;
}

pub async fn json_endpoint(c: &mut Checker) {
    c.check(Group::Json, Request::get("/json"), |r| {
        let body = json_body(r, 200)?;
        if body != json!({"message": "Hello, World!"}) {
            return Err(format!("body {{\"message\":\"Hello, World!\"}} (got {body})").into());
        }
        Ok(())
    })
    .await;
}

/// `seed`/`n` pairs: the shared vectors' inputs, edges, and random draws.
fn cases(rng: &mut Rng, max_random_n: u64, big_n: u32) -> Vec<(u32, u32)> {
    let mut cases = vec![
        (0, 0),
        (u32::MAX, 0),
        (u32::MAX, 7),
        (0x9E37_79B9, 5),
        (1, big_n),
    ];
    for _ in 0..8 {
        cases.push((rng.next_u64() as u32, rng.range(0, max_random_n) as u32));
    }
    cases
}

pub async fn cpu_hash(c: &mut Checker, rng: &mut Rng) {
    for (seed, n) in cases(rng, 20_000, 1_000_000) {
        let want = json!({"seed": seed, "n": n, "hash": kernels::hash(seed, n)});
        c.check(
            Group::CpuHash,
            Request::get(format!("/cpu/hash?seed={seed}&n={n}")),
            |r| exact(&json_body(r, 200)?, &want),
        )
        .await;
    }
    let n = kernels::HASH_MAX_N;
    let want = json!({"seed": 3, "n": n, "hash": kernels::hash(3, n)});
    c.check(
        Group::CpuHash,
        Request::get(format!("/cpu/hash?seed=3&n={n}")),
        |r| exact(&json_body(r, 200)?, &want),
    )
    .await;
}

pub async fn cpu_json(c: &mut Checker, rng: &mut Rng) {
    for (seed, n) in cases(rng, 2_000, kernels::JSON_MAX_N) {
        let k = kernels::json(seed, n);
        let want = json!({"seed": seed, "n": n, "bytes": k.bytes, "total_cents": k.total_cents});
        c.check(
            Group::CpuJson,
            Request::get(format!("/cpu/json?seed={seed}&n={n}")),
            |r| exact(&json_body(r, 200)?, &want),
        )
        .await;
    }
}

/// The binary-trees kernel: the shared vectors' inputs, edges, random
/// draws, and a depth above the limit (400).
pub async fn cpu_trees(c: &mut Checker, rng: &mut Rng) {
    let mut cases = vec![
        (0, 0),
        (u32::MAX, 1),
        (0x9E37_79B9, 3),
        (1, kernels::TREES_MAX_DEPTH),
    ];
    for _ in 0..6 {
        cases.push((rng.next_u64() as u32, rng.range(0, 14) as u32));
    }
    for (seed, depth) in cases {
        let k = kernels::trees(seed, depth);
        let want = json!({"seed": seed, "depth": depth, "nodes": k.nodes, "check": k.check});
        c.check(
            Group::CpuTrees,
            Request::get(format!("/cpu/trees?seed={seed}&depth={depth}")),
            |r| exact(&json_body(r, 200)?, &want),
        )
        .await;
    }
    for (query, what) in [
        (
            format!("seed=1&depth={}", kernels::TREES_MAX_DEPTH + 1),
            "depth above 20",
        ),
        ("seed=1".to_owned(), "depth missing"),
        ("depth=3".to_owned(), "seed missing"),
        ("seed=1&depth=-1".to_owned(), "depth negative"),
        ("seed=1&depth=%2B3".to_owned(), "depth with a sign"),
    ] {
        bad_request(c, format!("/cpu/trees?{query}"), what).await;
    }
}

pub async fn params(c: &mut Checker) {
    let bad_uint = [
        "",
        "-1",
        "1.5",
        "0x10",
        "abc",
        "1e3",
        "4294967296",
        "99999999999",
    ];
    for bad in bad_uint {
        bad_request(c, format!("/cpu/hash?seed={bad}&n=1"), "seed").await;
    }
    // A sign or whitespace around the digits: what a lenient integer
    // parser (`Number`, `strconv.Atoi`, `trim` first) lets through.
    for (what, bad) in SIGNED_OR_SPACED {
        bad_request(
            c,
            format!("/cpu/hash?seed={bad}&n=1"),
            &format!("seed, a {what},"),
        )
        .await;
        bad_request(
            c,
            format!("/cpu/json?seed=1&n={bad}"),
            &format!("n, a {what},"),
        )
        .await;
        bad_request(
            c,
            format!("/io?ms={bad}&token=abc"),
            &format!("ms, a {what},"),
        )
        .await;
    }
    bad_request(c, "/cpu/hash?n=1".into(), "seed missing").await;
    bad_request(c, "/cpu/hash?seed=1".into(), "n missing").await;
    bad_request(c, "/cpu/hash".into(), "no query").await;
    bad_request(c, "/cpu/hash?seed=1&n=10000001".into(), "n above 10000000").await;
    bad_request(c, "/cpu/json?seed=1&n=100001".into(), "n above 100000").await;
    bad_request(c, "/cpu/json?seed=-5&n=1".into(), "seed").await;
    bad_request(c, "/cpu/json?seed=1&n=x".into(), "n").await;
    bad_request(c, "/io?ms=10001&token=abc".into(), "ms above 10000").await;
    bad_request(c, "/io?ms=-1&token=abc".into(), "ms").await;
    bad_request(c, "/io?token=abc".into(), "ms missing").await;
    bad_request(c, "/io?ms=1".into(), "token missing").await;
    bad_request(c, "/io?ms=1&token=".into(), "token empty").await;
    bad_request(c, "/io?ms=1&token=a%20b".into(), "token with a space").await;
    bad_request(c, "/io?ms=1&token=tok.en".into(), "token with a dot").await;
    bad_request(
        c,
        format!("/io?ms=1&token={}", "a".repeat(65)),
        "token of 65 chars",
    )
    .await;
    // Accepted edges.
    c.check(
        Group::Params,
        Request::get("/cpu/hash?seed=4294967295&n=10000000&extra=1"),
        |r| status(r, 200),
    )
    .await;
    c.check(
        Group::Params,
        Request::get("/cpu/json?seed=0007&n=0"),
        |r| {
            exact(
                &json_body(r, 200)?,
                &json!({"seed": 7, "n": 0, "bytes": 2, "total_cents": 0}),
            )
        },
    )
    .await;
}

/// Sign and whitespace forms of the number 5, each a 400 (`^[0-9]{1,10}$`),
/// as (what, query value).
pub const SIGNED_OR_SPACED: [(&str, &str); 10] = [
    ("number with a plus sign (%2B5)", "%2B5"),
    (
        "number with a plus sign (+5, a space once form-decoded)",
        "+5",
    ),
    ("number with a trailing +", "5+"),
    ("number with a leading space", "%205"),
    ("number with a trailing space", "5%20"),
    ("number with a leading tab", "%095"),
    ("number with a trailing newline", "5%0A"),
    ("number with a minus sign (-0)", "-0"),
    ("number with a plus sign (%2B0)", "%2B0"),
    ("full-width digit", "%EF%BC%95"),
];

async fn bad_request(c: &mut Checker, target: String, what: &str) {
    let what = what.to_owned();
    c.check(Group::Params, Request::get(target), move |r| {
        error_body(r, 400).map_err(|e| Broken(format!("invalid {what} is a 400: {e}")))
    })
    .await;
}

/// With a database (or when the mode is unknown, for a remote target),
/// `GET /orders` may be the list query (the database group checks it), so
/// it is not required to be a 405.
pub async fn errors(c: &mut Checker, orders_may_be_listed: bool) {
    for path in ["/nope", "/health/extra", "/orders/", "/cpu", "/"] {
        c.check(Group::Errors, Request::get(path), |r| {
            error_body(r, 404).map_err(|e| Broken(format!("unknown path is a 404: {e}")))
        })
        .await;
    }
    c.check(Group::Errors, Request::get("/orders/no-such-order"), |r| {
        error_body(r, 404).map_err(|e| Broken(format!("unknown order id is a 404: {e}")))
    })
    .await;
    for (method, path) in [
        ("POST", "/health"),
        ("DELETE", "/json"),
        ("PUT", "/cpu/hash?seed=1&n=1"),
        ("POST", "/cpu/json?seed=1&n=1"),
        ("PATCH", "/io?ms=1&token=a"),
        ("GET", "/orders"),
        ("DELETE", "/orders"),
        ("DELETE", "/orders/ord-1"),
        ("POST", "/orders/ord-1"),
    ] {
        if orders_may_be_listed && method == "GET" && path == "/orders" {
            continue;
        }
        let req = Request::new(method, path);
        c.check(Group::Errors, req, |r| {
            error_body(r, 405)
                .map_err(|e| Broken(format!("wrong method on a known path is a 405: {e}")))
        })
        .await;
    }
}

/// Two requests on one connection: keep-alive is honoured.
pub async fn keep_alive(c: &mut Checker) {
    let req = Request::get("/health");
    let result: Result<(), Broken> = async {
        let mut conn = Conn::connect(c.addr).await.map_err(|e| e.to_string())?;
        for i in 0..3 {
            let resp = conn
                .send(&req, Duration::from_secs(5))
                .await
                .map_err(|e| format!("request {} on the same connection: {e}", i + 1))?;
            if resp.status != 200 {
                return Err(format!("request {} got {}", i + 1, resp.status).into());
            }
            if resp
                .header("connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            {
                return Err("the server closed a keep-alive connection (Connection: close)".into());
            }
        }
        Ok(())
    }
    .await;
    let result = result.map_err(|e| {
        Broken(format!(
            "HTTP/1.1 keep-alive: three requests on one connection ({e})"
        ))
    });
    c.record(Group::Headers, result, &req, None);
}
