//! Clock offsets between load shards on different hosts.
//!
//! Shards start together at `--start-at`, a wall-clock time; hosts' clocks
//! disagree by whatever NTP left (milliseconds, or seconds on a host that
//! has none). With `--clock-ref URL` a shard asks a reference clock (the
//! upstream simulator's `GET /clock`) a few times before it starts and
//! keeps the answer with the shortest round trip (Cristian's algorithm):
//! the reference read its clock somewhere inside that round trip, so the
//! offset is known to ± half of it. The shard then waits for `--start-at`
//! on the reference's clock, not its own, and its result records the
//! offset and its uncertainty.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Round trips asked of the reference.
const SAMPLES: usize = 16;

pub use crate::upstream::timer::unix_us;

/// This shard's clock against the reference's.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct ClockOffset {
    /// Reference minus local, milliseconds: add it to a local time to get
    /// the reference's.
    pub offset_ms: f64,
    /// The offset is known to ± this (half the shortest round trip).
    pub uncertainty_ms: f64,
    /// Round trips that answered.
    pub samples: usize,
}

impl ClockOffset {
    /// The local wall-clock time (Unix seconds) at which the reference's
    /// clock reads `reference_s`.
    pub fn local_time_of(&self, reference_s: f64) -> f64 {
        reference_s - self.offset_ms / 1e3
    }
}

/// The reference did not serve its clock.
#[derive(Debug, thiserror::Error)]
#[error("--clock-ref {addr}: {why}")]
pub struct ClockError {
    addr: SocketAddr,
    why: String,
}

/// Asks the reference at `addr` (`host` for the Host header) for its clock
/// [`SAMPLES`] times.
pub fn estimate(addr: SocketAddr, host: &str) -> Result<ClockOffset, ClockError> {
    let fail = |why: String| ClockError { addr, why };
    let mut best: Option<(f64, f64)> = None;
    let mut samples = 0;
    let mut last_error = String::new();
    for _ in 0..SAMPLES {
        match one(addr, host) {
            Ok((rtt_us, offset_us)) => {
                samples += 1;
                if best.is_none_or(|(r, _)| rtt_us < r) {
                    best = Some((rtt_us, offset_us));
                }
            }
            Err(e) => last_error = e,
        }
    }
    let (rtt_us, offset_us) = best.ok_or_else(|| fail(last_error))?;
    Ok(ClockOffset {
        offset_ms: offset_us / 1e3,
        uncertainty_ms: rtt_us / 2e3,
        samples,
    })
}

/// One round trip on a connection of its own (connected before the clock
/// starts): (round trip µs, reference − local midpoint µs).
fn one(addr: SocketAddr, host: &str) -> Result<(f64, f64), String> {
    let mut conn =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    conn.set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let _ = conn.set_nodelay(true);
    let request = format!("GET /clock HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let sent = unix_us();
    conn.write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    // Stop at the end of the JSON body: waiting for the close would add the
    // server's FIN to the round trip.
    let received = loop {
        let n = conn.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break unix_us();
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.ends_with(b"}") {
            break unix_us();
        }
    };
    let text = String::from_utf8_lossy(&answer);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .ok_or("no HTTP answer")?;
    if !text.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "answered {:?}, not a shootout upstream's /clock",
            text.lines().next().unwrap_or("")
        ));
    }
    let at = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("unix_us")?.as_u64())
        .ok_or("its /clock body has no unix_us")?;
    let rtt = received.saturating_sub(sent) as f64;
    let midpoint = sent as f64 + rtt / 2.0;
    Ok((rtt, at as f64 - midpoint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_clock_on_this_host_agrees_with_ours() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let state = crate::upstream::Upstream::new(Duration::from_millis(1));
        let server = rt
            .block_on(crate::upstream::start(([127, 0, 0, 1], 0).into(), state))
            .unwrap();
        let c = estimate(server.addr, "127.0.0.1").unwrap();
        assert_eq!(c.samples, SAMPLES);
        // One clock: the offset is within its own uncertainty (plus a
        // microsecond of rounding).
        assert!(c.offset_ms.abs() <= c.uncertainty_ms + 0.001, "{c:?}");
        let t = 1_700_000_000.0;
        let skewed = ClockOffset {
            offset_ms: 250.0,
            ..c
        };
        assert!((skewed.local_time_of(t) - (t - 0.25)).abs() < 1e-9);
        drop(server);
    }

    #[test]
    fn a_server_without_a_clock_is_said_so() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut conn = conn;
                let _ = conn.read(&mut [0u8; 512]);
                let _ = conn.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}");
            }
        });
        let e = estimate(addr, "x").unwrap_err().to_string();
        assert!(e.contains("not a shootout upstream"), "{e}");
    }
}
