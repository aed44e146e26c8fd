//! A small HTTP/1.1 client over raw sockets.
//!
//! The verifier must send requests that well-behaved clients refuse to send
//! (wrong media types, oversized or chunked bodies without a length, unknown
//! methods) and see exactly which headers came back, so it writes requests
//! by hand and parses responses with `httparse`.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connect: {0}")]
    Connect(#[source] std::io::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("connection closed before a complete response")]
    Closed,
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The status line or headers do not parse.
    #[error("malformed response: {0}")]
    Head(#[source] httparse::Error),
}

/// A request to write on the wire.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body with `Transfer-Encoding: chunked` and no length.
    pub chunked: bool,
}

impl Request {
    pub fn get(target: impl Into<String>) -> Self {
        Self::new("GET", target)
    }

    pub fn new(method: &str, target: impl Into<String>) -> Self {
        Self {
            method: method.to_owned(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            chunked: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// A POST with a JSON content type.
    pub fn post_json(target: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Self::new("POST", target)
            .header("Content-Type", "application/json")
            .body(body)
    }

    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }

    /// The bytes to send, with `Host` and the framing headers added.
    pub fn encode(&self, host: &str) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\n",
            self.method, self.target
        );
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        let mut bytes;
        if self.chunked {
            out.push_str("Transfer-Encoding: chunked\r\n\r\n");
            bytes = out.into_bytes();
            for chunk in self.body.chunks(8192) {
                bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                bytes.extend_from_slice(chunk);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
        } else {
            if !self.body.is_empty() || matches!(self.method.as_str(), "POST" | "PUT" | "PATCH") {
                out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
            }
            out.push_str("\r\n");
            bytes = out.into_bytes();
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

impl fmt::Display for Request {
    /// A short human form: `POST /orders (Content-Type: text/plain) body: {...}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.target)?;
        for (name, value) in &self.headers {
            write!(f, " [{name}: {value}]")?;
        }
        if self.chunked {
            write!(f, " [chunked]")?;
        }
        if !self.body.is_empty() {
            write!(f, " body: {}", preview(&self.body, 160))?;
        }
        Ok(())
    }
}

/// A complete response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type`, lower-cased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    pub fn json(&self) -> Result<serde_json::Value, crate::contract::orders::Broken> {
        serde_json::from_slice(&self.body).map_err(|e| format!("body is not JSON ({e})").into())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        for name in ["content-type", "content-length", "transfer-encoding"] {
            if let Some(v) = self.header(name) {
                write!(f, " [{name}: {v}]")?;
            }
        }
        write!(f, " body: {}", preview(&self.body, 240))
    }
}

/// At most `max` bytes of `body` as text, with the total size when cut.
pub fn preview(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
    if body.len() > max {
        format!("{text}… ({} bytes)", body.len())
    } else {
        text.into_owned()
    }
}

/// One keep-alive connection.
#[derive(Debug)]
pub struct Conn {
    reader: ResponseReader<TcpStream>,
    host: String,
}

/// Reads responses off a byte stream, keeping what it read beyond them.
#[derive(Debug)]
pub struct ResponseReader<R> {
    stream: R,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Result<Self, ClientError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(ClientError::Connect)?;
        stream.set_nodelay(true).map_err(ClientError::Connect)?;
        Ok(Self {
            reader: ResponseReader::new(stream),
            host: addr.to_string(),
        })
    }

    /// Sends `req` and reads its whole response, within `timeout`.
    pub async fn send(
        &mut self,
        req: &Request,
        timeout: Duration,
    ) -> Result<Response, ClientError> {
        let head_only = req.method == "HEAD";
        let bytes = req.encode(&self.host);
        tokio::time::timeout(timeout, async {
            self.reader.stream.write_all(&bytes).await?;
            self.reader.read_response(head_only).await
        })
        .await
        .map_err(|_| ClientError::Timeout(timeout))?
    }
}

impl<R: tokio::io::AsyncRead + Unpin> ResponseReader<R> {
    pub fn new(stream: R) -> Self {
        Self {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    /// Bytes read but not yet part of a response.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    async fn fill(&mut self) -> Result<(), ClientError> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(ClientError::Closed);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Reads one whole response (`head_only`: the answer to a HEAD).
    pub async fn read_response(&mut self, head_only: bool) -> Result<Response, ClientError> {
        let (status, headers, head_len) = loop {
            let mut slots = [httparse::EMPTY_HEADER; 64];
            let mut parsed = httparse::Response::new(&mut slots);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let headers = parsed
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_owned(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect::<Vec<_>>();
                    break (parsed.code.unwrap_or(0), headers, len);
                }
                Ok(httparse::Status::Partial) => self.fill().await?,
                Err(e) => return Err(ClientError::Head(e)),
            }
        };
        self.buf.drain(..head_len);
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            response.body = self.read_chunked().await?;
        } else if let Some(len) = response.header("content-length") {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| ClientError::Malformed(format!("content-length {len:?}")))?;
            while self.buf.len() < len {
                self.fill().await?;
            }
            response.body = self.buf.drain(..len).collect();
        } else {
            // No framing: the body runs until the server closes.
            loop {
                match self.fill().await {
                    Ok(()) => {}
                    Err(ClientError::Closed) => break,
                    Err(e) => return Err(e),
                }
            }
            response.body = std::mem::take(&mut self.buf);
        }
        Ok(response)
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, ClientError> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break pos;
                }
                self.fill().await?;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
            let size_hex = size_text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| ClientError::Malformed(format!("chunk size {size_text:?}")))?;
            self.buf.drain(..line_end + 2);
            if size == 0 {
                // Skip trailers up to the empty line.
                loop {
                    if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        let empty = pos == 0;
                        self.buf.drain(..pos + 2);
                        if empty {
                            return Ok(body);
                        }
                    } else {
                        self.fill().await?;
                    }
                }
            }
            while self.buf.len() < size + 2 {
                self.fill().await?;
            }
            body.extend_from_slice(&self.buf[..size]);
            self.buf.drain(..size + 2);
        }
    }
}

/// One request on a fresh connection.
pub async fn send_once(
    addr: SocketAddr,
    req: &Request,
    timeout: Duration,
) -> Result<Response, ClientError> {
    let mut conn = tokio::time::timeout(timeout, Conn::connect(addr))
        .await
        .map_err(|_| ClientError::Timeout(timeout))??;
    conn.send(req, timeout).await
}
