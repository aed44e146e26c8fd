//! Clients that hang up: mid-request (the head and part of a body, then
//! close) and mid-response (a request whose answer is on its way: `/io`
//! waiting on the upstream, `POST /orders` being authorized; the client
//! closes before it comes). A correct service stays up, writes to the dead
//! connection without dying (EPIPE, ECONNRESET), and lets go of what each
//! abandoned request held: afterwards no more descriptors are open than a
//! connection pool of the wave's size would keep.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::CaseResult;
use super::held::Held;

/// Connections hung up per wave, all at once.
const WAVE: usize = 20;
/// Waves per case.
const WAVES: usize = 5;
/// New descriptors allowed to stay open: a pool may keep one upstream
/// connection per request of a wave, plus slack; a leak keeps one per
/// abandoned request (`WAVE × WAVES`).
pub const NEW_FDS_ALLOWED: usize = WAVE + 15;

/// How a client hangs up.
#[derive(Debug, Clone, Copy)]
enum HangUp {
    /// Half a body of what its head announced, then close.
    MidRequest,
    /// The whole request, then close before the answer: 50 ms into an
    /// `/io` that waits 100 ms on the upstream, or right after a
    /// `POST /orders` (while it is being authorized).
    MidResponse,
}

fn request(how: HangUp, i: usize) -> Vec<u8> {
    match how {
        HangUp::MidRequest => {
            let body = format!(
                r#"{{"customer_id":"gone-{i}","currency":"USD","items":[{{"sku":"G","qty":1,"unit_price_cents":1}}]}}"#
            );
            let mut out = format!(
                "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            out.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
            out
        }
        HangUp::MidResponse if i % 2 == 0 => {
            format!("GET /io?ms=100&token=gone-{i} HTTP/1.1\r\nHost: t\r\n\r\n").into_bytes()
        }
        HangUp::MidResponse => {
            let body = format!(
                r#"{{"customer_id":"gone-{i}","currency":"USD","items":[{{"sku":"G","qty":1,"unit_price_cents":1}}]}}"#
            );
            format!(
                "POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        }
    }
}

async fn hang_up(addr: SocketAddr, how: HangUp, i: usize) {
    let Ok(Ok(mut s)) =
        tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await
    else {
        return;
    };
    if s.write_all(&request(how, i)).await.is_err() {
        return;
    }
    if matches!(how, HangUp::MidResponse) && i % 2 == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A RST, as a client killed mid-request leaves: the hardest hang-up.
    crate::sys::reset_on_close(s.as_raw_fd());
    drop(s);
}

/// Both cases, in order.
pub async fn cases(addr: SocketAddr, pid: u32) -> Vec<CaseResult> {
    let mut out = Vec::new();
    for (how, name) in [
        (
            HangUp::MidRequest,
            "disconnect mid-request (head and half the body, then RST)",
        ),
        (
            HangUp::MidResponse,
            "disconnect mid-response (/io and POST /orders, RST before the answer)",
        ),
    ] {
        let before = Held::now(pid);
        for wave in 0..WAVES {
            let mut set = tokio::task::JoinSet::new();
            for i in 0..WAVE {
                set.spawn(hang_up(addr, how, wave * WAVE + i));
            }
            set.join_all().await;
            // Let the wave's abandoned work end before the next, so that a
            // pool needs no more than one wave's connections.
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let healthy = super::healthy(addr).await;
        let after = Held::now(pid);
        let (outcome, failure) = match (before, after) {
            (Some(before), Some(after)) => {
                let new = after.opened_since(&before);
                let outcome = format!(
                    "{} clients hung up; /health afterwards: {}; open descriptors {} → {} ({new} opened since and still open)",
                    WAVE * WAVES,
                    if healthy { "200" } else { "no" },
                    before.descriptors(),
                    after.descriptors()
                );
                let failure = if !healthy {
                    Some("/health did not answer 200 afterwards".to_owned())
                } else if new > NEW_FDS_ALLOWED {
                    Some(format!(
                        "{new} descriptors opened for the abandoned requests are still open (at most {NEW_FDS_ALLOWED}): connections are leaking"
                    ))
                } else {
                    None
                };
                (outcome, failure)
            }
            _ => (
                "the service's /proc entry could not be read".to_owned(),
                Some("the service is gone".to_owned()),
            ),
        };
        out.push(CaseResult {
            group: "slow clients".into(),
            case: name.into(),
            rule: format!(
                "the service stays up and answers /health; 0.5 s later at most {NEW_FDS_ALLOWED} descriptors opened meanwhile are still open ({} requests were abandoned)",
                WAVE * WAVES
            ),
            passed: failure.is_none(),
            outcome,
            failure,
            crashed: false,
            hung: false,
            server_errors: 0,
        });
    }
    out
}
