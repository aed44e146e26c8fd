//! A safe io_uring for the load generator: a ring of TCP connection slots to
//! one address, each with its own send data and receive buffer, owned here so
//! that no buffer can move or be freed while the kernel may still use it.
//!
//! The caller starts operations on a slot (connect, send, receive), then
//! submits every queued operation and waits with one `io_uring_enter`, and
//! reads the completions. One system call thus carries the sends and receives
//! of a whole batch of connections, where epoll needs one `sendto` and one
//! `recvfrom` per request plus the `epoll_wait`.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use io_uring::{IoUring, cqueue, opcode, types};

mod bufs;
mod setup;

use setup::sockaddr;
pub use setup::unavailable;

/// Which operation a completion finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Connect,
    Send,
    Recv,
}

impl Op {
    fn code(self) -> u64 {
        match self {
            Op::Connect => 0,
            Op::Send => 1,
            Op::Recv => 2,
        }
    }
}

/// A finished operation: for `Recv` the bytes now in [`Ring::buf`]
/// (0 on end of stream), for `Send` the bytes sent (all of them).
#[derive(Debug)]
pub struct Completion {
    pub slot: usize,
    pub op: Op,
    pub result: io::Result<usize>,
}

#[derive(Debug, Default)]
struct Slot {
    sock: Option<TcpStream>,
    out: bytes::Bytes,
    /// Bytes of `out` already sent.
    out_done: usize,
    buf: Vec<u8>,
    /// Valid bytes in `buf`.
    len: usize,
    connecting: bool,
    sending: bool,
    receiving: bool,
    /// Closed while busy: the socket goes when the last operation completes.
    closing: bool,
}

impl Slot {
    fn busy(&self) -> bool {
        self.connecting || self.sending || self.receiving
    }
}

/// The ring and its slots.
pub struct Ring {
    ring: IoUring,
    /// The target's address; the kernel reads it during a connect, so it
    /// lives on the heap for the ring's lifetime.
    addr: Box<libc::sockaddr_storage>,
    addr_len: libc::socklen_t,
    family: libc::c_int,
    slots: Vec<Slot>,
    /// Sockets are registered with the ring (slot i at index i), which
    /// spares the kernel a file lookup per operation.
    fixed: bool,
    /// Provided buffers for multishot receives (kernel 6.0), `None` where
    /// they cannot be registered: then one receive per reply, into the
    /// slot's own buffer.
    bufs: Option<bufs::Bufs>,
    /// Sends queued since the completions were last read: a send on a
    /// socket with room completes during the submission itself, so a wait
    /// for one completion would return at once, on the sends alone.
    unreaped_sends: u32,
}

/// Arm the poll before trying a receive: the answer is not there yet when
/// the receive is queued with its request, so a first try would only fail.
const RECVSEND_POLL_FIRST: u16 = 1;

/// The slot's socket as an operation's target: registered or by descriptor.
macro_rules! target {
    ($fixed:expr, $slot:expr, $fd:expr, |$t:ident| $build:expr) => {
        if $fixed {
            let $t = types::Fixed($slot as u32);
            $build
        } else {
            let $t = types::Fd($fd);
            $build
        }
    };
}

impl std::fmt::Debug for Ring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("slots", &self.slots.len())
            .finish()
    }
}

impl Ring {
    /// A ring for `slots` connections to `addr`, each receive buffer starting
    /// at `buf_size` bytes. Single-issuer with deferred task work where the
    /// kernel has it (6.1), a plain ring otherwise.
    pub fn new(slots: usize, addr: SocketAddr, buf_size: usize) -> io::Result<Self> {
        let entries = (slots * 2).clamp(8, 4096).next_power_of_two() as u32;
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .build(entries)
            .or_else(|_| IoUring::new(entries))?;
        let (addr, addr_len, family) = sockaddr(addr);
        let fixed = ring.submitter().register_files_sparse(slots as u32).is_ok();
        let count = (slots * 2).next_power_of_two().clamp(64, 2048) as u16;
        // Multishot receives came in 6.0; bundles (6.10) mark a kernel where
        // they and their out-of-buffers ending are settled.
        let bufs = if ring.params().is_feature_recvsend_bundle() {
            bufs::Bufs::register(&ring, count).ok()
        } else {
            None
        };
        Ok(Self {
            fixed,
            bufs,
            unreaped_sends: 0,
            ring,
            addr,
            addr_len,
            family,
            slots: (0..slots)
                .map(|_| Slot {
                    buf: vec![0; buf_size],
                    ..Slot::default()
                })
                .collect(),
        })
    }

    fn push(&mut self, entry: io_uring::squeue::Entry) -> io::Result<()> {
        loop {
            // SAFETY: every pointer in an entry points into a slot's `out`
            // (kept, unchanged, while `sending`), `buf` (not touched while
            // `receiving`) or `self.addr` (alive as long as the ring); a slot
            // with an operation in flight is never freed (see Drop).
            if unsafe { self.ring.submission().push(&entry) }.is_ok() {
                return Ok(());
            }
            self.ring.submit()?;
        }
    }

    fn user_data(slot: usize, op: Op) -> u64 {
        (slot as u64) << 2 | op.code()
    }

    /// Does the slot have a connected (or connecting) socket?
    pub fn has_socket(&self, slot: usize) -> bool {
        self.slots[slot].sock.is_some()
    }

    /// May the slot take its next request: no connect or send in flight,
    /// and no receive either unless it is a multishot receive on an open
    /// connection (it stays armed across requests)?
    pub fn idle(&self, slot: usize) -> bool {
        let s = &self.slots[slot];
        !s.connecting && !s.sending && (!s.receiving || (self.bufs.is_some() && !s.closing))
    }

    /// Opens a socket for the slot and queues its connect.
    pub fn connect(&mut self, slot: usize) -> io::Result<()> {
        assert!(!self.slots[slot].busy(), "connect on a busy slot");
        // SAFETY: socket(2) returns a new descriptor or -1.
        let fd = unsafe { libc::socket(self.family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor owned by nobody else.
        let sock = TcpStream::from(unsafe { OwnedFd::from_raw_fd(fd) });
        sock.set_nodelay(true)?;
        if self.fixed {
            self.ring
                .submitter()
                .register_files_update(slot as u32, &[fd])?;
        }
        let addr = (&*self.addr as *const libc::sockaddr_storage).cast::<libc::sockaddr>();
        let entry = target!(self.fixed, slot, fd, |t| opcode::Connect::new(
            t,
            addr,
            self.addr_len
        )
        .build())
        .user_data(Self::user_data(slot, Op::Connect));
        let s = &mut self.slots[slot];
        s.sock = Some(sock);
        s.len = 0;
        s.connecting = true;
        self.push(entry)
    }

    /// Queues sending all of `data` on the slot's connected socket.
    pub fn send(&mut self, slot: usize, data: bytes::Bytes) -> io::Result<()> {
        let s = &mut self.slots[slot];
        assert!(!s.sending && !s.connecting, "send on a busy slot");
        s.out = data;
        s.out_done = 0;
        self.push_send(slot)
    }

    fn push_send(&mut self, slot: usize) -> io::Result<()> {
        let fixed = self.fixed;
        let s = &mut self.slots[slot];
        let fd = s.sock.as_ref().map_or(-1, AsRawFd::as_raw_fd);
        let rest = &s.out[s.out_done..];
        let entry = target!(fixed, slot, fd, |t| opcode::Send::new(
            t,
            rest.as_ptr(),
            rest.len() as u32
        )
        .flags(libc::MSG_NOSIGNAL | libc::MSG_WAITALL)
        .build())
        .user_data(Self::user_data(slot, Op::Send));
        s.sending = true;
        self.unreaped_sends += 1;
        self.push(entry)
    }

    /// Makes sure a receive is queued on the slot's connected socket: a
    /// multishot receive stays armed (queued once per connection), a plain
    /// one goes into the free end of the slot's buffer, doubling the buffer
    /// first when it is full.
    pub fn recv(&mut self, slot: usize) -> io::Result<()> {
        let fixed = self.fixed;
        let s = &mut self.slots[slot];
        assert!(!s.connecting, "recv on a connecting slot");
        let fd = s.sock.as_ref().map_or(-1, AsRawFd::as_raw_fd);
        if self.bufs.is_some() {
            if s.receiving {
                return Ok(());
            }
            let entry = target!(fixed, slot, fd, |t| opcode::RecvMulti::new(t, bufs::GROUP)
                .build())
            .user_data(Self::user_data(slot, Op::Recv));
            s.receiving = true;
            return self.push(entry);
        }
        assert!(!s.receiving, "recv on a busy slot");
        if s.len == s.buf.len() {
            s.buf.resize(s.buf.len().max(512) * 2, 0);
        }
        let free = &mut s.buf[s.len..];
        let entry = target!(fixed, slot, fd, |t| opcode::Recv::new(
            t,
            free.as_mut_ptr(),
            free.len() as u32
        )
        .ioprio(RECVSEND_POLL_FIRST)
        .build())
        .user_data(Self::user_data(slot, Op::Recv));
        s.receiving = true;
        self.push(entry)
    }

    /// The bytes received and not yet consumed (empty while a receive is in
    /// flight).
    pub fn buf(&self, slot: usize) -> &[u8] {
        let s = &self.slots[slot];
        if s.receiving && self.bufs.is_none() {
            &[]
        } else {
            &s.buf[..s.len]
        }
    }

    /// Drops the first `n` received bytes.
    pub fn consume(&mut self, slot: usize, n: usize) {
        let s = &mut self.slots[slot];
        let kernel_owned = s.receiving && self.bufs.is_none();
        assert!(!kernel_owned && n <= s.len, "consume on a busy slot");
        s.buf.copy_within(n..s.len, 0);
        s.len -= n;
    }

    /// Closes the slot's connection. Operations in flight end (the socket is
    /// shut down) and the socket is released once the last one completes.
    pub fn close(&mut self, slot: usize) {
        let s = &mut self.slots[slot];
        s.len = 0;
        if s.busy() {
            if let Some(sock) = &s.sock {
                let _ = sock.shutdown(std::net::Shutdown::Both);
            }
            s.closing = true;
        } else {
            self.drop_socket(slot);
        }
    }

    /// Closes the slot's socket (no operation in flight): unregistered first,
    /// or the ring's reference would keep it open.
    fn drop_socket(&mut self, slot: usize) {
        if self.slots[slot].sock.take().is_some() && self.fixed {
            let _ = self
                .ring
                .submitter()
                .register_files_update(slot as u32, &[-1]);
        }
    }

    /// Submits every queued operation and waits for at least one completion
    /// besides those of the sends queued since the last [`Ring::completions`]
    /// (they complete during the submission), or `timeout`, whichever first.
    /// One system call then carries a batch's sends and the wait for its
    /// answers; a send that cannot complete at once (a full socket buffer)
    /// holds the wait until it does or until `timeout`.
    pub fn submit_and_wait(&mut self, timeout: Duration) -> io::Result<()> {
        let ts = types::Timespec::new()
            .sec(timeout.as_secs())
            .nsec(timeout.subsec_nanos());
        let args = types::SubmitArgs::new().timespec(&ts);
        // Never more than the completion queue holds (10,000 connections
        // send more in one batch): such a wait could only end at `timeout`.
        let cq = self.ring.params().cq_entries() as usize;
        let want = (self.unreaped_sends as usize + 1).min(cq);
        match self.ring.submitter().submit_with_args(want, &args) {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ETIME | libc::EINTR | libc::EBUSY)
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Appends the completions that arrived to `out`.
    pub fn completions(&mut self, out: &mut Vec<Completion>) -> io::Result<()> {
        self.unreaped_sends = 0;
        let mut resend = Vec::new();
        let mut release = Vec::new();
        let mut rearm = Vec::new();
        let mut given_back = false;
        for cqe in self.ring.completion() {
            let slot = (cqe.user_data() >> 2) as usize;
            let res = cqe.result();
            let s = &mut self.slots[slot];
            let op = match cqe.user_data() & 3 {
                0 => {
                    s.connecting = false;
                    Op::Connect
                }
                1 => {
                    s.sending = false;
                    if res > 0 && s.out_done + (res as usize) < s.out.len() {
                        s.out_done += res as usize;
                        resend.push(slot);
                        continue;
                    }
                    Op::Send
                }
                _ if self.bufs.is_none() => {
                    s.receiving = false;
                    if res > 0 {
                        s.len += res as usize;
                    }
                    Op::Recv
                }
                _ => {
                    let bufs = self.bufs.as_mut().expect("multishot receives");
                    s.receiving = cqueue::more(cqe.flags());
                    if let Some(bid) = cqueue::buffer_select(cqe.flags()) {
                        let data = bufs.get(bid, res.max(0) as usize);
                        if s.buf.len() < s.len + data.len() {
                            let want = (s.len + data.len()).next_power_of_two();
                            s.buf.resize(want, 0);
                        }
                        s.buf[s.len..s.len + data.len()].copy_from_slice(data);
                        s.len += data.len();
                        bufs.give_back(bid);
                        given_back = true;
                    }
                    if res == -libc::ENOBUFS && !s.receiving && !s.closing {
                        // Every buffer was taken: armed again below, once
                        // this batch's buffers are back.
                        rearm.push(slot);
                        continue;
                    }
                    Op::Recv
                }
            };
            if s.closing && !s.busy() {
                s.closing = false;
                release.push(slot);
            }
            let result = if res < 0 {
                Err(io::Error::from_raw_os_error(-res))
            } else {
                Ok(res as usize)
            };
            out.push(Completion { slot, op, result });
        }
        if let (Some(bufs), true) = (&self.bufs, given_back) {
            bufs.publish();
        }
        for slot in resend {
            self.push_send(slot)?;
        }
        for slot in rearm {
            self.recv(slot)?;
        }
        for slot in release {
            self.drop_socket(slot);
        }
        Ok(())
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // The kernel may still write into a slot's buffer until its operation
        // completes: end them all, wait a while, and leak what is still busy.
        for s in &self.slots {
            if s.busy() {
                if let Some(sock) = &s.sock {
                    let _ = sock.shutdown(std::net::Shutdown::Both);
                }
            }
        }
        let until = Instant::now() + Duration::from_secs(2);
        let mut done = Vec::new();
        while self.slots.iter().any(Slot::busy) && Instant::now() < until {
            if self.submit_and_wait(Duration::from_millis(50)).is_err() {
                break;
            }
            let _ = self.completions(&mut done);
            done.clear();
        }
        let mut leaked = false;
        for s in std::mem::take(&mut self.slots) {
            if s.busy() {
                leaked = true;
                std::mem::forget(s);
            }
        }
        // The kernel writes into the provided buffers until their group is
        // unregistered: keep them if it cannot be.
        if let Some(bufs) = self.bufs.take() {
            if leaked || bufs.unregister(&self.ring).is_err() {
                std::mem::forget(bufs);
            }
        }
        if leaked {
            // A connect still in flight may read the address.
            let copy = Box::new(*self.addr);
            let addr = std::mem::replace(&mut self.addr, copy);
            std::mem::forget(addr);
        }
    }
}
