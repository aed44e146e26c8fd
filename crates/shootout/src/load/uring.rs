//! The io_uring worker: the same requests, checks and records as the epoll
//! path (`worker::begin` / `worker::finish`), driven by one loop that
//! submits every connection's send and receive of a batch, and waits for
//! their completions, with a single `io_uring_enter`.
//!
//! Clocks are read once per batch: right after the wait returns (the end of
//! every response completed in it) and right before the next submission (the
//! start of every request sent with it), so per-request latency is as close
//! to the kernel's events as on the epoll path, at two clock reads per batch
//! instead of per request. Timeouts are swept every few milliseconds instead
//! of arming a timer per request. The open model's schedule is kept in the
//! loop: the wait ends at the next intended send (1 µs timer slack).

use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::conn::{Reply, classify};
use super::parse::{Reader, Step};
use super::record::ErrorKind;
use super::worker::{Ctx, Outcome, Pending, Report, WorkerSpec, begin, finish, new_ctx};
use crate::sys::uring::{Completion, Op, Ring};

/// How often requests are checked against their timeout.
const SWEEP: Duration = Duration::from_millis(10);
/// Pause before a connection retries after a failed connect.
const RETRY: Duration = Duration::from_millis(10);
/// Connects in flight at once; the rest wait their turn. One submission
/// can carry 10,000 connects, a burst that overflows a server's accept
/// queue (tokio's backlog is 1,024, Node's 511): the dropped handshakes are
/// retried by the kernel after 1, 3, 7 and 15 s, so a few requests took
/// seconds or timed out, where the epoll path (one `connect` call at a
/// time) overflowed the queue ~100 times instead of ~18,000.
const MAX_CONNECTING: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Ready for a request (connected or not).
    Free,
    Connecting,
    Exchanging,
    /// Done with its request (closed after an error, or a send not yet
    /// reported): waits for its operations to end.
    Settling,
    /// Waits until this time to retry after a failed connect.
    Retry(Instant),
}

struct Slot {
    phase: Phase,
    pending: Option<Pending>,
    sent: Instant,
    reader: Reader,
    received: bool,
    /// The request failed to connect: retry after a pause.
    connect_failed: bool,
}

struct Loop<'a> {
    ctx: &'a Ctx,
    ring: Ring,
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// Connections waiting to retry a connect.
    retry: Vec<usize>,
    /// Connections in `Phase::Settling`.
    settling: usize,
    /// Connects queued on the ring and not yet completed.
    connecting: usize,
    /// Connections in `Phase::Connecting` waiting for a connect slot
    /// (`MAX_CONNECTING`); stale entries are skipped.
    deferred: VecDeque<usize>,
    /// Started since the last submission: their send time is stamped then.
    started: Vec<usize>,
    in_flight: usize,
    now: Instant,
}

/// Runs one worker of the io_uring path to completion on the calling thread.
pub fn run(spec: WorkerSpec) {
    let ctx = new_ctx(spec);
    if let Err(e) = drive(&ctx) {
        eprintln!(
            "shootout load: worker {} (io_uring) failed: {e}",
            ctx.spec.index
        );
        ctx.spec
            .shared
            .errors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let mut recorder = std::mem::take(&mut *ctx.recorder.borrow_mut());
    if let Some(last) = recorder.finish_timeline() {
        let _ = ctx.spec.reports.send(Report::Second(last));
    }
    let _ = ctx
        .spec
        .reports
        .send(Report::Done(Box::new(Outcome { recorder })));
}

/// Runs the worker's connections to the end of the run.
pub(super) fn drive(ctx: &Ctx) -> std::io::Result<()> {
    crate::sys::set_timer_slack_1us();
    let n = ctx.spec.connections;
    let ring = Ring::new(n, ctx.spec.config.target.addr, 1024)?;
    let now = Instant::now();
    let mut lp = Loop {
        ctx,
        ring,
        slots: (0..n)
            .map(|_| Slot {
                phase: Phase::Free,
                pending: None,
                sent: now,
                reader: Reader::default(),
                received: false,
                connect_failed: false,
            })
            .collect(),
        free: (0..n).rev().collect(),
        retry: Vec::new(),
        settling: 0,
        connecting: 0,
        deferred: VecDeque::new(),
        started: Vec::new(),
        in_flight: 0,
        now,
    };
    lp.run()
}

impl Loop<'_> {
    fn run(&mut self) -> std::io::Result<()> {
        let shared = self.ctx.spec.shared.clone();
        let config = self.ctx.spec.config.clone();
        let rate = match config.model {
            super::Model::Open { rate, .. } => Some(rate),
            super::Model::Closed { .. } => None,
        };
        // The open model's share of the schedule (see worker::spawn_schedule).
        let phase = config.shard.map_or(0.0, |s| s.phase());
        let (mut k, workers) = (self.ctx.spec.index as u64, self.ctx.spec.workers as u64);
        let mut queue: VecDeque<Instant> = VecDeque::new();
        let mut sending = true;
        let mut second = 0u64;
        let mut next_rotate = shared.measure_from;
        let mut next_sweep = self.now + SWEEP;
        let mut completions = Vec::new();
        loop {
            self.ring.completions(&mut completions)?;
            for c in completions.drain(..) {
                self.complete(c)?;
            }
            self.connect_deferred();
            let now = self.now;
            while now >= next_rotate {
                let sample = self.ctx.recorder.borrow_mut().rotate(second);
                if let (Some(sample), true) = (sample, second > 0) {
                    let _ = self.ctx.spec.reports.send(Report::Second(sample));
                }
                second += 1;
                next_rotate = shared.measure_from + Duration::from_secs(second);
            }
            if now >= next_sweep {
                self.sweep();
                next_sweep = now + SWEEP;
            }
            let next_retry = self.free_retries(now);
            let mut next_due = None;
            if sending && shared.stop.load(Relaxed) {
                sending = false;
            }
            match rate {
                None => sending = self.fill_closed(&shared, now, sending)?,
                Some(rate) => {
                    while sending {
                        let due =
                            shared.started + Duration::from_secs_f64((k as f64 + phase) / rate);
                        if due > now {
                            next_due = Some(due);
                            break;
                        }
                        if !shared.may_send(due) {
                            sending = false;
                            break;
                        }
                        queue.push_back(due);
                        k += workers;
                    }
                    self.send_queued(&mut queue, now)?;
                }
            }
            let drained = queue.is_empty() || shared.stop.load(Relaxed);
            if !sending && drained && self.in_flight == 0 && self.settling == 0 {
                break;
            }
            // Everything started in this batch goes out with this submission.
            let at = Instant::now();
            self.stamp_started(at, rate.is_none());
            let mut wake = next_rotate.min(next_sweep);
            if let Some(d) = next_due {
                wake = wake.min(d);
            }
            if let Some(r) = next_retry {
                wake = wake.min(r);
            }
            self.ring
                .submit_and_wait(wake.saturating_duration_since(at))?;
            self.now = Instant::now();
        }
        self.count_unsent(&shared, queue);
        Ok(())
    }

    /// Open model: the released requests on the free connections. What the
    /// schedule released is sent even when the schedule has just ended
    /// (`sending` false): it was due before the end.
    fn send_queued(&mut self, queue: &mut VecDeque<Instant>, now: Instant) -> std::io::Result<()> {
        let ctx = self.ctx;
        let shared = &ctx.spec.shared;
        while !self.free.is_empty() && !shared.stop.load(Relaxed) {
            let Some(intended) = queue.pop_front() else {
                break;
            };
            let measured = intended >= shared.measure_from;
            let waited = now.saturating_duration_since(intended);
            if waited > ctx.spec.config.timeout {
                // Every connection was busy for longer than the timeout.
                if measured {
                    ctx.recorder.borrow_mut().unsent += 1;
                }
                continue;
            }
            if measured {
                ctx.recorder.borrow_mut().sent(waited);
            }
            let i = self.free.pop().expect("not empty");
            self.start(i, intended, measured)?;
        }
        Ok(())
    }

    /// Closed model: a request on every free connection while sending
    /// lasts; whether it still does.
    fn fill_closed(
        &mut self,
        shared: &super::worker::Shared,
        now: Instant,
        mut sending: bool,
    ) -> std::io::Result<bool> {
        while sending && !self.free.is_empty() {
            if !shared.may_send(now) {
                sending = false;
                break;
            }
            let i = self.free.pop().expect("not empty");
            self.start(i, now, now >= shared.measure_from)?;
        }
        Ok(sending)
    }

    /// Whatever the schedule released that no connection took in time.
    fn count_unsent(&self, shared: &super::worker::Shared, queue: VecDeque<Instant>) {
        let deadline = shared.send_until;
        for intended in queue {
            if intended >= shared.measure_from && deadline.is_none_or(|d| intended < d) {
                self.ctx.recorder.borrow_mut().unsent += 1;
            }
        }
    }

    /// Frees the connections whose retry time has come; the earliest retry
    /// still waiting, if any.
    fn free_retries(&mut self, now: Instant) -> Option<Instant> {
        let mut next_retry = None::<Instant>;
        let mut k = 0;
        while k < self.retry.len() {
            let i = self.retry[k];
            match self.slots[i].phase {
                Phase::Retry(at) if at > now => {
                    next_retry = Some(next_retry.map_or(at, |r| r.min(at)));
                    k += 1;
                }
                _ => {
                    self.retry.swap_remove(k);
                    self.slots[i].phase = Phase::Free;
                    self.free.push(i);
                }
            }
        }
        next_retry
    }

    /// Stamps the requests started in this batch with the submission's
    /// time; in the closed model that is also their intended send.
    fn stamp_started(&mut self, at: Instant, closed: bool) {
        for i in self.started.drain(..) {
            let slot = &mut self.slots[i];
            slot.sent = at;
            if closed {
                if let Some(p) = &mut slot.pending {
                    p.intended = at;
                }
            }
        }
    }

    /// Starts a request on free connection `i`, connecting first if needed.
    fn start(&mut self, i: usize, intended: Instant, measured: bool) -> std::io::Result<()> {
        let pending = begin(self.ctx, intended, measured);
        self.in_flight += 1;
        self.started.push(i);
        let slot = &mut self.slots[i];
        slot.reader = Reader::default();
        slot.received = false;
        slot.sent = self.now;
        if self.ring.has_socket(i) {
            self.ring.send(i, pending.bytes.clone())?;
            self.ring.recv(i)?;
            slot.phase = Phase::Exchanging;
            slot.pending = Some(pending);
            return Ok(());
        }
        slot.pending = Some(pending);
        slot.phase = Phase::Connecting;
        if self.connecting < MAX_CONNECTING {
            self.connect(i);
        } else {
            self.deferred.push_back(i);
        }
        Ok(())
    }

    /// Queues the connect of connection `i` (in `Phase::Connecting`).
    fn connect(&mut self, i: usize) {
        match self.ring.connect(i) {
            Ok(()) => self.connecting += 1,
            Err(_) => {
                self.slots[i].connect_failed = true;
                self.end(i, Err(ErrorKind::Connect));
            }
        }
    }

    /// Connects waiting connections while fewer than `MAX_CONNECTING` are in
    /// flight. A waiting request that timed out meanwhile has left
    /// `Phase::Connecting` (or has a socket, when its slot took another
    /// request and connected it): its entry is dropped.
    fn connect_deferred(&mut self) {
        while self.connecting < MAX_CONNECTING {
            let Some(i) = self.deferred.pop_front() else {
                break;
            };
            let slot = &self.slots[i];
            if slot.phase == Phase::Connecting && slot.pending.is_some() && !self.ring.has_socket(i)
            {
                self.connect(i);
            }
        }
    }

    /// Ends the request on `i` with `result`, freeing or closing the connection.
    fn end(&mut self, i: usize, result: Result<Reply, ErrorKind>) {
        let Some(pending) = self.slots[i].pending.take() else {
            return;
        };
        self.in_flight -= 1;
        let keep = finish(self.ctx, pending, self.slots[i].sent, self.now, result);
        if !keep {
            self.ring.close(i);
        }
        self.slots[i].phase = Phase::Settling;
        self.settling += 1;
        self.settle(i);
    }

    /// A connection whose operations have all ended is free again.
    fn settle(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        if slot.phase == Phase::Settling && self.ring.idle(i) {
            self.settling -= 1;
            if std::mem::take(&mut slot.connect_failed) {
                slot.phase = Phase::Retry(self.now + RETRY);
                self.retry.push(i);
            } else {
                slot.phase = Phase::Free;
                self.free.push(i);
            }
        }
    }

    fn complete(&mut self, c: Completion) -> std::io::Result<()> {
        let i = c.slot;
        if c.op == Op::Connect {
            self.connecting -= 1;
        }
        let phase = self.slots[i].phase;
        match (c.op, c.result) {
            (Op::Connect, Ok(_)) if phase == Phase::Connecting => {
                let bytes = self.slots[i].pending.as_ref().map(|p| p.bytes.clone());
                if let Some(bytes) = bytes {
                    self.ring.send(i, bytes)?;
                    self.ring.recv(i)?;
                    self.slots[i].phase = Phase::Exchanging;
                }
            }
            (Op::Connect, Err(e)) if phase == Phase::Connecting => {
                if e.kind() == std::io::ErrorKind::ConnectionRefused {
                    let shared = &self.ctx.spec.shared;
                    shared
                        .refused
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                self.slots[i].connect_failed = true;
                self.end(i, Err(ErrorKind::Connect));
            }
            (Op::Send, Err(e)) if phase == Phase::Exchanging => self.end(i, Err(classify(&e))),
            (Op::Recv, Err(e)) if phase == Phase::Exchanging => self.end(i, Err(classify(&e))),
            (Op::Recv, Ok(0)) if phase == Phase::Exchanging => {
                let received = self.slots[i].received;
                let result = self.slots[i].reader.eof(received);
                self.end(i, result);
            }
            (Op::Recv, Ok(_)) if phase == Phase::Exchanging => {
                self.slots[i].received = true;
                let slot = &mut self.slots[i];
                let (head, keep) = slot
                    .pending
                    .as_ref()
                    .map_or((false, false), |p| (p.head, p.keep_body));
                match slot.reader.feed(self.ring.buf(i), head, keep) {
                    Ok(Step::Done(used, reply)) => {
                        self.ring.consume(i, used);
                        self.end(i, Ok(reply));
                    }
                    Ok(Step::More(used)) => {
                        self.ring.consume(i, used);
                        self.ring.recv(i)?;
                    }
                    Err(kind) => self.end(i, Err(kind)),
                }
            }
            _ => {}
        }
        self.settle(i);
        Ok(())
    }

    /// Ends the requests that have run past the timeout.
    fn sweep(&mut self) {
        let timeout = self.ctx.spec.config.timeout;
        for i in 0..self.slots.len() {
            let s = &self.slots[i];
            if matches!(s.phase, Phase::Connecting | Phase::Exchanging)
                && self.now >= s.sent + timeout
            {
                self.end(i, Err(ErrorKind::Timeout));
            }
        }
    }
}
