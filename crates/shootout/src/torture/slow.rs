//! Slow and idle clients, held open in the background while the rest of the
//! battery runs (so "normal traffic continues" is the battery itself):
//!
//! - slowloris: a request head sent one header line every 500 ms, never
//!   finished. The service must give up on it (close, or answer 408) within
//!   the contract's head timeout, 10 s, plus 2 s of grace.
//! - slow body: a whole head announcing 1,000 bytes of body, then the body
//!   one byte every 500 ms (a body shorter than its `Content-Length` that
//!   keeps its connection busy). Given up within the contract's request
//!   timeout, 10 s, plus the same grace.
//! - idle connections: 5,000 connections opened and left silent. The service
//!   must keep serving everyone else (the other cases are the proof) and be
//!   healthy once they are gone.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// The contract's limit for a request head, and for a whole request, to
/// arrive; and the grace allowed.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const GRACE: Duration = Duration::from_secs(2);
/// Idle connections held during the battery.
pub const IDLE: usize = 5_000;

/// How the slowloris connection ended.
#[derive(Debug, Clone)]
pub enum Slowloris {
    /// The service closed it (or answered, e.g. 408) after this long.
    GaveUp {
        after: Duration,
        answer: Option<String>,
    },
    /// Still open when the time allowed was over.
    KeptOpen,
    /// Could not connect.
    Refused,
}

/// Starts the slowloris connection; its outcome when joined.
pub fn slowloris(addr: SocketAddr) -> JoinHandle<Slowloris> {
    drip(
        addr,
        b"GET /health HTTP/1.1\r\nHost: t\r\n",
        |i| format!("X-Slow-{i}: a\r\n").into_bytes(),
        HEAD_TIMEOUT,
    )
}

/// Starts the slow-body connection; its outcome when joined.
pub fn slow_body(addr: SocketAddr) -> JoinHandle<Slowloris> {
    drip(
        addr,
        b"POST /orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        |_| b" ".to_vec(),
        REQUEST_TIMEOUT,
    )
}

/// Sends `start`, then `piece(1)`, `piece(2)`, … every 500 ms until the
/// service answers or closes, or `limit` plus the grace is over.
fn drip(
    addr: SocketAddr,
    start: &'static [u8],
    piece: fn(u32) -> Vec<u8>,
    limit: Duration,
) -> JoinHandle<Slowloris> {
    tokio::spawn(async move {
        let Ok(Ok(mut stream)) =
            tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await
        else {
            return Slowloris::Refused;
        };
        let started = Instant::now();
        let deadline = started + limit + GRACE;
        if stream.write_all(start).await.is_err() {
            return Slowloris::GaveUp {
                after: started.elapsed(),
                answer: None,
            };
        }
        let mut i = 0u32;
        let mut buf = [0u8; 256];
        while Instant::now() < deadline {
            // Any byte back (an answer) or a close ends it.
            match tokio::time::timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    return Slowloris::GaveUp {
                        after: started.elapsed(),
                        answer: None,
                    };
                }
                Ok(Ok(n)) => {
                    let text = String::from_utf8_lossy(&buf[..n]);
                    return Slowloris::GaveUp {
                        after: started.elapsed(),
                        answer: text.lines().next().map(str::to_owned),
                    };
                }
                Err(_) => {}
            }
            i += 1;
            if stream.write_all(&piece(i)).await.is_err() {
                return Slowloris::GaveUp {
                    after: started.elapsed(),
                    answer: None,
                };
            }
        }
        Slowloris::KeptOpen
    })
}

/// Judges a dripping connection's outcome: `Ok(outcome)` or
/// `Err((outcome, failure))`.
pub fn judge(s: &Slowloris, what: &str, limit: Duration) -> Result<String, (String, String)> {
    match s {
        Slowloris::GaveUp { after, answer } => {
            let outcome = format!(
                "the service gave up after {:.1} s{}",
                after.as_secs_f64(),
                answer.as_ref().map_or(String::new(), |a| format!(" ({a})"))
            );
            let status = answer
                .as_deref()
                .and_then(|a| a.split_ascii_whitespace().nth(1));
            if status.is_some_and(|s| s.starts_with('5')) {
                Err((outcome, format!("{what} was answered with a 5xx")))
            } else if *after <= limit + GRACE {
                Ok(outcome)
            } else {
                Err((outcome, "gave up too late".into()))
            }
        }
        Slowloris::KeptOpen => Err((
            format!("still open after {} s", (limit + GRACE).as_secs()),
            format!(
                "{what} was kept open past {} s (+{} s grace)",
                limit.as_secs(),
                GRACE.as_secs()
            ),
        )),
        Slowloris::Refused => Err(("connection refused".into(), "could not connect".into())),
    }
}

/// Opens up to `IDLE` silent connections; returns them (held until dropped)
/// and how many the service accepted.
pub async fn idle(addr: SocketAddr) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => held.push(s),
            _ => break,
        }
    }
    held
}
