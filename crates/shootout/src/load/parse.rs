//! An incremental HTTP/1.1 response reader for the io_uring path: fed the
//! bytes a connection has received so far, it consumes what it can and says
//! when a whole response has arrived. It reads only what a reply needs: the
//! status, the framing (Content-Length, chunk sizes, or read-to-close) and
//! `Connection: close`; the body is kept only when asked for.

use super::conn::{Framing, Reply, parse_head};
use super::record::ErrorKind;

/// Largest response head accepted (as on the epoll path).
const MAX_HEAD: usize = 64 * 1024;

#[derive(Debug, Default)]
enum State {
    #[default]
    Head,
    /// Body bytes still to come.
    Length(usize),
    /// Waiting for a chunk-size line.
    ChunkSize,
    /// Chunk data still to come, then its CRLF.
    ChunkData(usize),
    /// Trailer lines up to the empty one.
    Trailers,
    UntilClose,
}

/// One response being read.
#[derive(Debug, Default)]
pub struct Reader {
    state: State,
    status: u16,
    bytes: u64,
    close: bool,
    body: Option<Vec<u8>>,
}

/// What feeding bytes gave.
#[derive(Debug)]
pub enum Step {
    /// Consumed this many bytes; the response is not complete yet.
    More(usize),
    /// Consumed this many bytes and the response is complete.
    Done(usize, Reply),
}

impl Reader {
    /// Reads from `buf` (the bytes received and not yet consumed).
    pub fn feed(
        &mut self,
        buf: &[u8],
        head_only: bool,
        keep_body: bool,
    ) -> Result<Step, ErrorKind> {
        let mut used = 0;
        loop {
            let rest = &buf[used..];
            match self.state {
                State::Head => {
                    let Some(head) = parse_head(rest, head_only)? else {
                        if rest.len() >= MAX_HEAD {
                            return Err(ErrorKind::Read);
                        }
                        return Ok(Step::More(used));
                    };
                    used += head.len;
                    self.status = head.status;
                    self.bytes = head.len as u64;
                    self.close = head.close;
                    self.body = keep_body.then(Vec::new);
                    self.state = match head.framing {
                        Framing::Empty => return Ok(Step::Done(used, self.reply())),
                        Framing::Length(n) => State::Length(n),
                        Framing::Chunked => State::ChunkSize,
                        Framing::UntilClose => State::UntilClose,
                    };
                }
                State::Length(n) => {
                    let k = n.min(rest.len());
                    self.take(&rest[..k], true);
                    used += k;
                    if k < n {
                        self.state = State::Length(n - k);
                        return Ok(Step::More(used));
                    }
                    return Ok(Step::Done(used, self.reply()));
                }
                State::ChunkSize | State::Trailers => {
                    let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                        if rest.len() >= MAX_HEAD {
                            return Err(ErrorKind::Read);
                        }
                        return Ok(Step::More(used));
                    };
                    used += end + 2;
                    self.bytes += (end + 2) as u64;
                    if matches!(self.state, State::Trailers) {
                        if end == 0 {
                            return Ok(Step::Done(used, self.reply()));
                        }
                        continue;
                    }
                    let text = std::str::from_utf8(&rest[..end]).map_err(|_| ErrorKind::Read)?;
                    let size =
                        usize::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
                            .map_err(|_| ErrorKind::Read)?;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        // The data, then its CRLF (counted, not kept).
                        State::ChunkData(size + 2)
                    };
                }
                State::ChunkData(n) => {
                    let k = n.min(rest.len());
                    // The last two bytes are the chunk's CRLF.
                    let data = k.min(n.saturating_sub(2));
                    self.take(&rest[..data], true);
                    self.bytes += (k - data) as u64;
                    used += k;
                    if k < n {
                        self.state = State::ChunkData(n - k);
                        return Ok(Step::More(used));
                    }
                    self.state = State::ChunkSize;
                }
                State::UntilClose => {
                    self.take(rest, true);
                    return Ok(Step::More(buf.len()));
                }
            }
        }
    }

    /// The connection reached end of stream: the response, if it was being
    /// read to the close, or the error it is.
    pub fn eof(&mut self, received_any: bool) -> Result<Reply, ErrorKind> {
        match self.state {
            State::UntilClose => {
                self.close = true;
                Ok(self.reply())
            }
            State::Head if !received_any => Err(ErrorKind::Reset),
            _ => Err(ErrorKind::Read),
        }
    }

    fn take(&mut self, data: &[u8], count: bool) {
        if count {
            self.bytes += data.len() as u64;
        }
        if let Some(b) = &mut self.body {
            b.extend_from_slice(data);
        }
    }

    /// The finished response; the reader is ready for the next.
    fn reply(&mut self) -> Reply {
        let done = std::mem::take(self);
        Reply {
            status: done.status,
            bytes: done.bytes,
            body: done.body,
            close: done.close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` in pieces of `step` bytes, as receives would.
    fn read(wire: &[u8], step: usize, keep: bool) -> (Reply, usize) {
        let mut reader = Reader::default();
        let mut buf = Vec::new();
        let mut fed = 0;
        let mut consumed = 0;
        loop {
            let end = (fed + step).min(wire.len());
            buf.extend_from_slice(&wire[fed..end]);
            fed = end;
            match reader.feed(&buf, false, keep).unwrap() {
                Step::Done(n, reply) => return (reply, consumed + n),
                Step::More(n) => {
                    buf.drain(..n);
                    consumed += n;
                    assert!(fed < wire.len(), "incomplete at the end");
                }
            }
        }
    }

    #[test]
    fn length_and_chunked_replies_are_read_in_any_pieces() {
        let length = b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhelloEXTRA";
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\nEXTRA";
        for step in [1, 2, 3, 7, 1000] {
            let (r, used) = read(length, step, true);
            assert_eq!((r.status, r.bytes, used), (201, 48, 48));
            assert_eq!(r.body.as_deref(), Some(&b"hello"[..]));
            assert!(!r.close);
            let (r, used) = read(chunked, step, true);
            assert_eq!(used, chunked.len() - 5);
            assert_eq!((r.status, r.bytes as usize), (200, used));
            assert_eq!(r.body.as_deref(), Some(&b"abcde"[..]));
            assert!(r.close);
            let (r, _) = read(chunked, step, false);
            assert_eq!(r.body, None);
        }
    }

    #[test]
    fn bodies_until_close_end_at_eof_and_bad_heads_are_errors() {
        let mut reader = Reader::default();
        let wire = b"HTTP/1.0 200 OK\r\n\r\nabc";
        assert!(matches!(reader.feed(wire, false, true), Ok(Step::More(22))));
        let r = reader.eof(true).unwrap();
        assert_eq!((r.status, r.bytes, r.close), (200, 22, true));
        assert_eq!(r.body.as_deref(), Some(&b"abc"[..]));
        assert_eq!(Reader::default().eof(false).unwrap_err(), ErrorKind::Reset);
        assert!(
            Reader::default()
                .feed(b"garbage\r\n\r\n", false, false)
                .is_err()
        );
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n";
        match Reader::default().feed(head, true, false) {
            Ok(Step::Done(n, r)) => assert_eq!((n, r.bytes), (head.len(), head.len() as u64)),
            other => panic!("{other:?}"),
        }
    }
}
