//! Raw bytes on a fresh connection, for requests no client would send: the
//! bytes are written while the answers are read (a server may answer 413 and
//! close before a 10 MB body is through), and the outcome records every
//! response, whether the server closed, and whether it went silent.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::http1::{ClientError, Response, ResponseReader};

/// What came back for one raw exchange.
#[derive(Debug, Default)]
pub struct Exchange {
    /// Whole responses, in order.
    pub responses: Vec<Response>,
    /// The server closed the connection (or reset it).
    pub closed: bool,
    /// Nothing more came within the time allowed, and the connection stayed open.
    pub silent: bool,
    /// The connection could not be made: the service is down.
    pub refused: bool,
    /// How long until the last response or the close.
    pub elapsed: Duration,
    /// Bytes that were not a valid response.
    pub garbage: Option<String>,
}

impl Exchange {
    pub fn first_status(&self) -> Option<u16> {
        self.responses.first().map(|r| r.status)
    }

    /// Any 5xx answer.
    pub fn server_errors(&self) -> usize {
        self.responses.iter().filter(|r| r.status >= 500).count()
    }

    /// In words, for the scorecard.
    pub fn describe(&self) -> String {
        let statuses: Vec<String> = self
            .responses
            .iter()
            .map(|r| r.status.to_string())
            .collect();
        let mut parts = Vec::new();
        if self.refused {
            parts.push("connection refused".to_owned());
        }
        if !statuses.is_empty() {
            parts.push(format!("answered {}", statuses.join(", ")));
        }
        if self.closed {
            parts.push("closed".to_owned());
        }
        if self.silent {
            parts.push("silent".to_owned());
        }
        if let Some(g) = &self.garbage {
            parts.push(format!("unparsable reply ({g})"));
        }
        format!("{} after {} ms", parts.join(", "), self.elapsed.as_millis())
    }
}

/// Sends `bytes` on a fresh connection and reads up to `want` responses,
/// waiting at most `wait` for each.
pub async fn exchange(addr: SocketAddr, bytes: Vec<u8>, want: usize, wait: Duration) -> Exchange {
    let started = Instant::now();
    let mut out = Exchange::default();
    let stream = match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await
    {
        Ok(Ok(s)) => s,
        _ => {
            out.refused = true;
            return out;
        }
    };
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        for chunk in bytes.chunks(64 * 1024) {
            if write.write_all(chunk).await.is_err() {
                break;
            }
        }
        write
    });
    let mut reader = ResponseReader::new(read);
    while out.responses.len() < want {
        match tokio::time::timeout(wait, reader.read_response(false)).await {
            Ok(Ok(resp)) => out.responses.push(resp),
            Ok(Err(ClientError::Closed | ClientError::Io(_))) => {
                out.closed = true;
                if !reader.pending().is_empty() {
                    out.garbage = Some(preview(reader.pending()));
                }
                break;
            }
            Ok(Err(e)) => {
                out.garbage = Some(e.to_string());
                break;
            }
            Err(_) => {
                out.silent = true;
                break;
            }
        }
    }
    out.elapsed = started.elapsed();
    // After the answers wanted: one more would be a response to bytes that
    // were not a request of their own (a smuggled one); a close is noted.
    if !out.closed && !out.silent {
        match tokio::time::timeout(Duration::from_millis(300), reader.read_response(false)).await {
            Ok(Ok(extra)) => out.responses.push(extra),
            Ok(Err(_)) => out.closed = true,
            Err(_) => {}
        }
    }
    writer.abort();
    out
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
    format!("{text:?}")
}
