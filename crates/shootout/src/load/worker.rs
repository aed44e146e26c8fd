//! A load worker: one OS thread, pinned, running a single-threaded tokio
//! runtime that drives its share of the connections.
//!
//! Closed model: each connection sends its next request when the previous
//! answer arrives. Open model: a schedule thread releases each request at its
//! intended time (precise to the kernel's timer slack, not tokio's 1 ms
//! wheel); a free connection takes it, and its latency counts from that
//! intended time, so a stalled server shows in the tail instead of silently
//! slowing the generator down (coordinated omission).

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};

use super::config::{LoadConfig, Model, Stop};
use super::conn::{Conn, Reply};
use super::record::{ErrorKind, Recorder, SecondSample};
use super::request::Builder;

/// State every worker and the coordinator share.
#[derive(Debug)]
pub struct Shared {
    pub started: Instant,
    /// End of warm-up: figures count from here.
    pub measure_from: Instant,
    /// No request is sent after this (duration mode).
    pub send_until: Option<Instant>,
    /// Measured requests still to start (request-count mode).
    pub remaining: Option<AtomicI64>,
    /// Set to stop early (Ctrl-C, target gone).
    pub stop: AtomicBool,
    /// Completed responses and errors, for progress and liveness.
    pub completed: AtomicU64,
    pub errors: AtomicU64,
    /// Microseconds since `started` of the last response received.
    pub last_response_us: AtomicU64,
    /// Connection refused seen (the target may have died).
    pub refused: AtomicBool,
}

impl Shared {
    pub fn new(config: &LoadConfig) -> Self {
        let started = Instant::now();
        let measure_from = started + config.warmup;
        Self {
            started,
            measure_from,
            send_until: match config.stop {
                Stop::Duration(d) => Some(measure_from + d),
                Stop::Requests(_) => None,
            },
            remaining: match config.stop {
                Stop::Requests(n) => Some(AtomicI64::new(n as i64)),
                Stop::Duration(_) => None,
            },
            stop: AtomicBool::new(false),
            completed: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            last_response_us: AtomicU64::new(0),
            refused: AtomicBool::new(false),
        }
    }

    /// May a request intended at `at` still be sent?
    pub(super) fn may_send(&self, at: Instant) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        if let Some(until) = self.send_until {
            return at < until;
        }
        if at < self.measure_from {
            return true;
        }
        match &self.remaining {
            Some(r) => r.fetch_sub(1, Ordering::Relaxed) > 0,
            None => true,
        }
    }
}

/// What a worker hands back.
#[derive(Debug, Default)]
pub struct Outcome {
    pub recorder: Recorder,
}

/// Message from a worker to the coordinator.
#[derive(Debug)]
pub enum Report {
    Second(SecondSample),
    Done(Box<Outcome>),
}

/// Everything a worker needs.
#[derive(Debug)]
pub struct WorkerSpec {
    pub index: usize,
    pub workers: usize,
    pub connections: usize,
    pub config: Arc<LoadConfig>,
    pub shared: Arc<Shared>,
    pub reports: Sender<Report>,
}

pub(super) struct Ctx {
    pub spec: WorkerSpec,
    pub builder: RefCell<Builder>,
    pub recorder: RefCell<Recorder>,
}

/// Runs one worker of the epoll path to completion on the calling thread
/// (the io_uring path is `super::uring::run`).
pub fn run(spec: WorkerSpec) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shootout load: worker {} cannot start: {e}", spec.index);
            let _ = spec.reports.send(Report::Done(Box::default()));
            return;
        }
    };
    let ctx = Rc::new(new_ctx(spec));
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, drive(ctx.clone()));
    let recorder = std::mem::take(&mut *ctx.recorder.borrow_mut());
    let _ = ctx
        .spec
        .reports
        .send(Report::Done(Box::new(Outcome { recorder })));
}

pub(super) fn new_ctx(spec: WorkerSpec) -> Ctx {
    let seed = 0x5EED_0000 + spec.index as u64;
    let builder = Builder::new(
        spec.config.mix.clone(),
        &spec.config.target.authority,
        spec.config.keepalive,
        seed,
    );
    Ctx {
        spec,
        builder: RefCell::new(builder),
        recorder: RefCell::new(Recorder::default()),
    }
}

async fn drive(ctx: Rc<Ctx>) {
    let timeline = tokio::task::spawn_local(timeline(ctx.clone()));
    let mut tasks = Vec::new();
    match ctx.spec.config.model {
        Model::Closed { .. } => {
            for _ in 0..ctx.spec.connections {
                tasks.push(tokio::task::spawn_local(closed_connection(ctx.clone())));
            }
        }
        Model::Open { rate, .. } => {
            let (tx, rx) = mpsc::unbounded_channel();
            let schedule = spawn_schedule(&ctx, rate, tx);
            let rx = Rc::new(Mutex::new(rx));
            for _ in 0..ctx.spec.connections {
                tasks.push(tokio::task::spawn_local(open_connection(
                    ctx.clone(),
                    rx.clone(),
                )));
            }
            for t in tasks.drain(..) {
                let _ = t.await;
            }
            // Whatever the schedule released that no connection took in time.
            let mut rx = rx.lock().await;
            let deadline = ctx.spec.shared.send_until;
            while let Ok(intended) = rx.try_recv() {
                if intended >= ctx.spec.shared.measure_from && deadline.is_none_or(|d| intended < d)
                {
                    ctx.recorder.borrow_mut().unsent += 1;
                }
            }
            let _ = schedule.join();
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    timeline.abort();
    if let Some(last) = ctx.recorder.borrow_mut().finish_timeline() {
        let _ = ctx.spec.reports.send(Report::Second(last));
    }
}

/// Rotates the per-second timeline at each second after warm-up.
async fn timeline(ctx: Rc<Ctx>) {
    let from = ctx.spec.shared.measure_from;
    tokio::time::sleep_until(from.into()).await;
    ctx.recorder.borrow_mut().rotate(0);
    let mut second = 0u64;
    loop {
        second += 1;
        tokio::time::sleep_until((from + Duration::from_secs(second)).into()).await;
        if let Some(sample) = ctx.recorder.borrow_mut().rotate(second) {
            let _ = ctx.spec.reports.send(Report::Second(sample));
        }
    }
}

/// Releases this worker's share of the open-model schedule: request k of the
/// whole run is due at `k / rate` seconds, and worker w takes every k with
/// `k % workers == w`, so fractional and low rates stay exact.
fn spawn_schedule(
    ctx: &Ctx,
    rate: f64,
    tx: mpsc::UnboundedSender<Instant>,
) -> std::thread::JoinHandle<()> {
    let shared = ctx.spec.shared.clone();
    let (w, workers) = (ctx.spec.index as u64, ctx.spec.workers as u64);
    // A shard's schedule sits between the other shards' sends.
    let phase = ctx.spec.config.shard.map_or(0.0, |s| s.phase());
    std::thread::spawn(move || {
        crate::sys::set_timer_slack_1us();
        let mut k = w;
        loop {
            let due = shared.started + Duration::from_secs_f64((k as f64 + phase) / rate);
            // Sleep in slices so a stop is noticed even at very low rates.
            loop {
                let now = Instant::now();
                if due <= now || shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep((due - now).min(Duration::from_millis(100)));
            }
            if !shared.may_send(due) {
                return;
            }
            if tx.send(due).is_err() {
                return;
            }
            k += workers;
        }
    })
}

/// The time since `started`, in microseconds.
pub(super) fn since(shared: &Shared, at: Instant) -> u64 {
    at.saturating_duration_since(shared.started).as_micros() as u64
}

/// A request on its way: what its answer is checked and recorded against.
pub(super) struct Pending {
    pub bytes: bytes::Bytes,
    template: usize,
    vars: super::request::Vars,
    pub head: bool,
    pub keep_body: bool,
    pub intended: Instant,
    measured: bool,
}

/// Prepares the next request of the mix; `intended` is when it should go out.
pub(super) fn begin(ctx: &Ctx, intended: Instant, measured: bool) -> Pending {
    let shared = &ctx.spec.shared;
    let config = &ctx.spec.config;
    let mut builder = ctx.builder.borrow_mut();
    let p = builder.next_request();
    let t = builder.template(p.template);
    let sample = t.check.is_some() && measured && {
        let n = shared.completed.load(Ordering::Relaxed);
        n % config.check_every == 0
    };
    let keep_body = sample || t.capture_id || t.acks.is_some();
    if let Some(acks) = &t.acks {
        acks.sent();
    }
    Pending {
        bytes: p.bytes,
        template: p.template,
        vars: p.vars,
        head: p.head,
        keep_body,
        intended,
        measured,
    }
}

/// Records the outcome of `pending`, sent at `sent` and ended at `done`.
/// Returns whether the connection may carry another request.
pub(super) fn finish(
    ctx: &Ctx,
    pending: Pending,
    sent: Instant,
    done: Instant,
    result: Result<Reply, ErrorKind>,
) -> bool {
    let shared = &ctx.spec.shared;
    let config = &ctx.spec.config;
    let Pending {
        template,
        vars,
        intended,
        measured,
        ..
    } = pending;
    match result {
        Ok(reply) => {
            shared.completed.fetch_add(1, Ordering::Relaxed);
            shared
                .last_response_us
                .fetch_max(since(shared, done), Ordering::Relaxed);
            let mut builder = ctx.builder.borrow_mut();
            let t = builder.template(template);
            let check = t.check.clone();
            // The reply's id is parsed once, for the id pool and the ack log.
            let id = ((t.capture_id || t.acks.is_some()) && (200..300).contains(&reply.status))
                .then(|| reply.body.as_deref().and_then(super::request::reply_id))
                .flatten();
            if let Some(acks) = &t.acks {
                acks.answered(id.clone(), &vars.body);
            }
            let capture = t.capture_id;
            let in_window = shared.send_until.is_none_or(|until| done <= until);
            if measured {
                let mut rec = ctx.recorder.borrow_mut();
                rec.response(
                    reply.status,
                    reply.bytes,
                    done - intended,
                    done - sent,
                    in_window,
                );
                if let (Some(check), Some(body)) = (check, &reply.body) {
                    rec.check(check(&vars, reply.status, body));
                }
            } else if shared.send_until.is_some() && in_window && done >= shared.measure_from {
                // A warm-up request answered inside the window: the
                // service's work in it, so throughput counts it (as wrk
                // counts every answer in its duration); latency does not.
                ctx.recorder.borrow_mut().answered_in_window(reply.status);
            }
            if let (true, Some(id)) = (capture, id) {
                builder.capture(id);
            }
            !reply.close && config.keepalive
        }
        Err(kind) => {
            shared.errors.fetch_add(1, Ordering::Relaxed);
            if measured {
                ctx.recorder.borrow_mut().error(kind);
            }
            false
        }
    }
}

/// One request on `conn` (connecting first when needed); records the outcome
/// if `measured`. `intended` is when the request should have gone out.
async fn request(
    ctx: &Ctx,
    conn: &mut Option<Conn>,
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    intended: Instant,
    measured: bool,
) {
    let shared = &ctx.spec.shared;
    let config = &ctx.spec.config;
    let pending = begin(ctx, intended, measured);
    let sent = Instant::now();
    let exchange = async {
        if conn.is_none() {
            match Conn::connect(config.target.addr).await {
                Ok(c) => *conn = Some(c),
                Err(e) => {
                    if e.kind() == std::io::ErrorKind::ConnectionRefused {
                        shared.refused.store(true, Ordering::Relaxed);
                    }
                    return Err(ErrorKind::Connect);
                }
            }
        }
        let c = conn.as_mut().expect("connected above");
        c.roundtrip(&pending.bytes, pending.head, pending.keep_body)
            .await
    };
    let result = with_deadline(timer, sent + config.timeout, exchange).await;
    let connect_failed = matches!(result, Err(ErrorKind::Connect));
    if !finish(ctx, pending, sent, Instant::now(), result) {
        *conn = None;
    }
    if connect_failed {
        // Do not spin on a target that refuses connections.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs `work` until `deadline`, with a timer that lives as long as the
/// connection: it is re-armed only when it fires early (the previous request's
/// deadline), not for every request, so a fast exchange never touches the
/// timer wheel.
async fn with_deadline<T>(
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    deadline: Instant,
    work: impl std::future::Future<Output = Result<T, ErrorKind>>,
) -> Result<T, ErrorKind> {
    let mut work = std::pin::pin!(work);
    if timer.deadline() > deadline.into() {
        timer.as_mut().reset(deadline.into());
    }
    loop {
        tokio::select! {
            biased;
            result = &mut work => return result,
            () = timer.as_mut() => {
                if Instant::now() >= deadline {
                    return Err(ErrorKind::Timeout);
                }
                timer.as_mut().reset(deadline.into());
            }
        }
    }
}

fn connection_timer(ctx: &Ctx) -> Pin<Box<tokio::time::Sleep>> {
    Box::pin(tokio::time::sleep(ctx.spec.config.timeout))
}

async fn closed_connection(ctx: Rc<Ctx>) {
    let mut conn: Option<Conn> = None;
    let mut timer = connection_timer(&ctx);
    loop {
        let now = Instant::now();
        if !ctx.spec.shared.may_send(now) {
            return;
        }
        let measured = now >= ctx.spec.shared.measure_from;
        request(&ctx, &mut conn, &mut timer, now, measured).await;
    }
}

async fn open_connection(ctx: Rc<Ctx>, rx: Rc<Mutex<mpsc::UnboundedReceiver<Instant>>>) {
    let mut conn: Option<Conn> = None;
    let mut timer = connection_timer(&ctx);
    let shared = &ctx.spec.shared;
    loop {
        let intended = {
            let mut rx = rx.lock().await;
            match rx.recv().await {
                Some(at) => at,
                None => return,
            }
        };
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let measured = intended >= shared.measure_from;
        let now = Instant::now();
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
        request(&ctx, &mut conn, &mut timer, intended, measured).await;
    }
}
