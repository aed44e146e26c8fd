//! One load-generating connection: writes pre-encoded request bytes and reads
//! the response with `httparse` into a reused buffer. Bodies are skipped
//! unless a check or an id capture needs them, so the generator does no
//! more work per request than wrk does.
//!
//! This is the one HTTP client besides the harness's own (`crate::http1`),
//! kept apart because the hot path must be cheap: `bench/loadgen.sh` measured
//! 9.27 µs of generator CPU per request here against 10.69 µs for a hyper
//! client on tokio (13% less) and wrk's 9.41 µs (docs/loadgen.md). `http1`
//! allocates a response per request and parses every header into strings,
//! which is right for the verifier and wrong for a generator.

use std::io::ErrorKind as IoKind;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::record::ErrorKind;

/// Largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A complete response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Bytes read for this response, head and body.
    pub bytes: u64,
    /// The body, when asked for.
    pub body: Option<Vec<u8>>,
    /// The server will close the connection after this response.
    pub close: bool,
}

#[derive(Debug)]
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Valid bytes in `buf`.
    len: usize,
}

pub(super) fn classify(e: &std::io::Error) -> ErrorKind {
    match e.kind() {
        IoKind::ConnectionReset | IoKind::BrokenPipe | IoKind::ConnectionAborted => {
            ErrorKind::Reset
        }
        IoKind::TimedOut => ErrorKind::Timeout,
        _ => ErrorKind::Read,
    }
}

pub(super) enum Framing {
    Length(usize),
    Chunked,
    UntilClose,
    Empty,
}

pub(super) struct Head {
    pub status: u16,
    pub len: usize,
    pub framing: Framing,
    pub close: bool,
}

/// The response head in `buf`, if complete.
pub(super) fn parse_head(buf: &[u8], head_only: bool) -> Result<Option<Head>, ErrorKind> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(ErrorKind::Read),
    };
    let status = resp.code.unwrap_or(0);
    let mut framing = Framing::UntilClose;
    let mut close = resp.version == Some(0);
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .ok_or(ErrorKind::Read)?;
            framing = Framing::Length(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if h.value
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"chunked"))
            {
                framing = Framing::Chunked;
            }
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
        framing = Framing::Empty;
    }
    Ok(Some(Head {
        status,
        len,
        framing,
        close,
    }))
}

impl Conn {
    pub async fn connect(addr: SocketAddr) -> Result<Self, std::io::Error> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            // Small to start: 10,000 connections must fit in a few tens of MB.
            // It doubles when a response needs more.
            buf: vec![0; 1024],
            len: 0,
        })
    }

    /// Reads more bytes; `Ok(false)` on EOF.
    async fn fill(&mut self) -> Result<bool, ErrorKind> {
        if self.len == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.len..]).await {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.len += n;
                Ok(true)
            }
            Err(e) => Err(classify(&e)),
        }
    }

    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
    }

    /// Writes `request` and reads one whole response.
    pub async fn roundtrip(
        &mut self,
        request: &[u8],
        head_only: bool,
        keep_body: bool,
    ) -> Result<Reply, ErrorKind> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| classify(&e))?;
        // Parsing happens in a plain function so the header array is never
        // held across an await: it would make every connection's task bigger.
        let Head {
            status,
            len: head_len,
            framing,
            close,
        } = loop {
            if let Some(head) = parse_head(&self.buf[..self.len], head_only)? {
                break head;
            }
            if self.len >= MAX_HEAD {
                return Err(ErrorKind::Read);
            }
            if !self.fill().await? {
                return Err(if self.len == 0 {
                    ErrorKind::Reset
                } else {
                    ErrorKind::Read
                });
            }
        };
        self.consume(head_len);
        let mut bytes = head_len as u64;
        let mut body = keep_body.then(Vec::new);
        match framing {
            Framing::Empty => {}
            Framing::Length(n) => {
                bytes += n as u64;
                self.take(n, &mut body).await?;
            }
            Framing::Chunked => bytes += self.read_chunked(&mut body).await?,
            Framing::UntilClose => {
                loop {
                    bytes += self.len as u64;
                    if let Some(b) = &mut body {
                        b.extend_from_slice(&self.buf[..self.len]);
                    }
                    self.len = 0;
                    if !self.fill().await? {
                        break;
                    }
                }
                return Ok(Reply {
                    status,
                    bytes,
                    body,
                    close: true,
                });
            }
        }
        Ok(Reply {
            status,
            bytes,
            body,
            close,
        })
    }

    /// Takes `n` body bytes, keeping them in `body` if asked.
    async fn take(&mut self, mut n: usize, body: &mut Option<Vec<u8>>) -> Result<(), ErrorKind> {
        loop {
            let k = n.min(self.len);
            if let Some(b) = body {
                b.extend_from_slice(&self.buf[..k]);
            }
            self.consume(k);
            n -= k;
            if n == 0 {
                return Ok(());
            }
            if !self.fill().await? {
                return Err(ErrorKind::Read);
            }
        }
    }

    async fn line(&mut self) -> Result<usize, ErrorKind> {
        loop {
            if let Some(pos) = self.buf[..self.len].windows(2).position(|w| w == b"\r\n") {
                return Ok(pos);
            }
            if self.len >= MAX_HEAD || !self.fill().await? {
                return Err(ErrorKind::Read);
            }
        }
    }

    async fn read_chunked(&mut self, body: &mut Option<Vec<u8>>) -> Result<u64, ErrorKind> {
        let mut total = 0u64;
        loop {
            let end = self.line().await?;
            let size_text = std::str::from_utf8(&self.buf[..end]).map_err(|_| ErrorKind::Read)?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| ErrorKind::Read)?;
            total += (end + 2) as u64;
            self.consume(end + 2);
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    let end = self.line().await?;
                    total += (end + 2) as u64;
                    self.consume(end + 2);
                    if end == 0 {
                        return Ok(total);
                    }
                }
            }
            self.take(size, body).await?;
            let mut crlf = None;
            self.take(2, &mut crlf).await?;
            total += size as u64 + 2;
        }
    }
}
