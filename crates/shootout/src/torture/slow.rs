//! Slow and idle clients, held open in the background while the rest of the
//! battery runs (so "normal traffic continues" is the battery itself):
//!
//! - slowloris: a request head sent one header line every 500 ms, never
//!   finished. The service must give up on it (close, or answer 408) within
//!   the contract's head timeout, 10 s, plus 2 s of grace.
//! - idle connections: 5,000 connections opened and left silent. The service
//!   must keep serving everyone else (the other cases are the proof) and be
//!   healthy once they are gone.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

/// The contract's limit for a request head to arrive, and the grace allowed.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
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
    tokio::spawn(async move {
        let Ok(Ok(mut stream)) =
            tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await
        else {
            return Slowloris::Refused;
        };
        let started = Instant::now();
        let deadline = started + HEAD_TIMEOUT + GRACE;
        if stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n")
            .await
            .is_err()
        {
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
            if stream
                .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                return Slowloris::GaveUp {
                    after: started.elapsed(),
                    answer: None,
                };
            }
        }
        Slowloris::KeptOpen
    })
}

/// Judges the slowloris outcome: `Ok(outcome)` or `Err((outcome, failure))`.
pub fn judge_slowloris(s: &Slowloris) -> Result<String, (String, String)> {
    match s {
        Slowloris::GaveUp { after, answer } => {
            let outcome = format!(
                "the service gave up after {:.1} s{}",
                after.as_secs_f64(),
                answer.as_ref().map_or(String::new(), |a| format!(" ({a})"))
            );
            if *after <= HEAD_TIMEOUT + GRACE {
                Ok(outcome)
            } else {
                Err((outcome, "gave up too late".into()))
            }
        }
        Slowloris::KeptOpen => Err((
            format!("still open after {} s", (HEAD_TIMEOUT + GRACE).as_secs()),
            format!(
                "an unfinished request head was kept open past {} s (+{} s grace)",
                HEAD_TIMEOUT.as_secs(),
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
