//! The upstream simulator: the "external service" every contender calls.
//!
//! It is a real product component, not a mock of a contender: `/delay` waits on
//! a precise timer (no request thread blocked, see [`crate::upstream::timer`]) and `/authorize` answers after a configurable
//! latency. It counts what it served so the verifier can prove a contender
//! really called it, and it can be told to misbehave ([`Fault`]) so the
//! verifier and `shootout torture` can check the contenders' 502 and 504
//! paths. `GET /stats`, `PUT /fault` and `GET /clock` serve a harness on
//! another host (a remote target's verifier, load shards' clocks).

pub mod timer;

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Longest `/delay` accepted, as in the contract's `/io`.
const MAX_DELAY_MS: u64 = 10_000;

/// Requests served so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub delay: u64,
    pub authorize: u64,
}

/// How `/delay` and `/authorize` misbehave, when told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Answers as the contract says.
    None = 0,
    /// 503 with an error body.
    Unavailable,
    /// 500 with an error body.
    Error,
    /// 200 whose body is not JSON.
    Garbage,
    /// Waits [`SLOW`] longer than asked before answering.
    Slow,
    /// Resets the connection (TCP RST) instead of answering.
    Reset,
    /// 200 with a JSON body lacking what the call asks for (no `token`,
    /// no `approved`): JSON, but not the reply expected.
    Shapeless,
}

/// How much longer a [`Fault::Slow`] upstream takes: far beyond the
/// contract's upstream timeout.
pub const SLOW: Duration = Duration::from_secs(30);

impl Fault {
    fn from_u8(v: u8) -> Self {
        [
            Self::None,
            Self::Unavailable,
            Self::Error,
            Self::Garbage,
            Self::Slow,
            Self::Reset,
            Self::Shapeless,
        ]
        .get(usize::from(v))
        .copied()
        .unwrap_or(Self::None)
    }

    /// Its name on the control endpoint (`PUT /fault`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Unavailable => "unavailable",
            Self::Error => "error",
            Self::Garbage => "garbage",
            Self::Slow => "slow",
            Self::Reset => "reset",
            Self::Shapeless => "shapeless",
        }
    }

    /// The fault named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        (0..=6).map(Self::from_u8).find(|f| f.name() == name)
    }
}

/// Shared state: counters, the authorize latency and the fault switch.
#[derive(Debug)]
pub struct Upstream {
    delay: AtomicU64,
    authorize: AtomicU64,
    fault: AtomicU8,
    authorize_latency: Duration,
}

impl Upstream {
    pub fn new(authorize_latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            delay: AtomicU64::new(0),
            authorize: AtomicU64::new(0),
            fault: AtomicU8::new(Fault::None as u8),
            authorize_latency,
        })
    }

    pub fn counters(&self) -> Counters {
        Counters {
            delay: self.delay.load(Ordering::SeqCst),
            authorize: self.authorize.load(Ordering::SeqCst),
        }
    }

    /// While set, `/delay` and `/authorize` answer 503.
    pub fn set_failing(&self, failing: bool) {
        self.set_fault(if failing {
            Fault::Unavailable
        } else {
            Fault::None
        });
    }

    /// From now on `/delay` and `/authorize` misbehave as `fault` says.
    pub fn set_fault(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }

    pub fn fault(&self) -> Fault {
        Fault::from_u8(self.fault.load(Ordering::SeqCst))
    }
}

/// The verifier's hold on an upstream: in this process, or a simulator
/// elsewhere (`shootout up`'s, `shootout upstream`'s, a pod's) reached
/// through `GET /stats` and `PUT /fault`.
#[derive(Debug, Clone)]
pub enum Control {
    Local(Arc<Upstream>),
    Remote(SocketAddr),
}

/// A remote simulator that did not answer its control endpoint.
#[derive(Debug, thiserror::Error)]
#[error("the upstream simulator at {addr} did not answer {what}: {why}")]
pub struct ControlError {
    addr: SocketAddr,
    what: &'static str,
    why: String,
}

impl Control {
    /// What it served so far.
    pub async fn counters(&self) -> Result<Counters, ControlError> {
        match self {
            Self::Local(u) => Ok(u.counters()),
            Self::Remote(addr) => {
                let fail = |why: String| ControlError {
                    addr: *addr,
                    what: "GET /stats",
                    why,
                };
                let r = crate::http1::send_once(
                    *addr,
                    &crate::http1::Request::get("/stats"),
                    Duration::from_secs(5),
                )
                .await
                .map_err(|e| fail(e.to_string()))?;
                let v: serde_json::Value =
                    serde_json::from_slice(&r.body).map_err(|e| fail(e.to_string()))?;
                let n = |k: &str| v.get(k).and_then(serde_json::Value::as_u64);
                match (r.status, n("delay"), n("authorize")) {
                    (200, Some(delay), Some(authorize)) => Ok(Counters { delay, authorize }),
                    _ => Err(fail(format!("{} {}", r.status, r.body_text()))),
                }
            }
        }
    }

    /// From now on it misbehaves as `fault` says.
    pub async fn set_fault(&self, fault: Fault) -> Result<(), ControlError> {
        match self {
            Self::Local(u) => {
                u.set_fault(fault);
                Ok(())
            }
            Self::Remote(addr) => {
                let req = crate::http1::Request::new("PUT", "/fault").body(fault.name());
                let r = crate::http1::send_once(*addr, &req, Duration::from_secs(5))
                    .await
                    .map_err(|e| ControlError {
                        addr: *addr,
                        what: "PUT /fault",
                        why: e.to_string(),
                    })?;
                if r.status == 200 {
                    Ok(())
                } else {
                    Err(ControlError {
                        addr: *addr,
                        what: "PUT /fault",
                        why: format!("{} {}", r.status, r.body_text()),
                    })
                }
            }
        }
    }
}

/// A running simulator; dropping it stops the accept loop.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<Upstream>,
    stop: watch::Sender<bool>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds `addr` and serves in the background of the current tokio runtime.
pub async fn start(addr: SocketAddr, state: Arc<Upstream>) -> std::io::Result<Running> {
    // A deep accept queue: a contender under 10,000 concurrent requests opens
    // thousands of upstream connections at once, and tokio's default backlog
    // (1,024) would turn the surplus into SYN retries the contender pays for.
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(65_535)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(serve(listener, state.clone(), stopped));
    Ok(Running { addr, state, stop })
}

/// Accepts connections until `stop` turns true.
pub async fn serve(listener: TcpListener, state: Arc<Upstream>, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of file descriptors and the like: back off, keep serving.
                Err(_) => { tokio::time::sleep(Duration::from_millis(5)).await; continue; }
            },
            _ = stop.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        // Valid while hyper owns the stream, which outlives every request.
        let fd = stream.as_raw_fd();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(state.clone(), fd, req));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        serde_json::json!({"error": "upstream", "message": message}).to_string(),
    )
}

/// The answer `fault` gives instead of a good one, if it gives one; `Err`
/// makes hyper drop the connection, which [`Fault::Reset`] has armed to
/// close with a RST.
async fn misbehave(fault: Fault, fd: i32) -> Result<Option<Response<Full<Bytes>>>, ResetError> {
    Ok(Some(match fault {
        Fault::None => return Ok(None),
        Fault::Unavailable => error(StatusCode::SERVICE_UNAVAILABLE, "failing on purpose"),
        Fault::Error => error(StatusCode::INTERNAL_SERVER_ERROR, "failing on purpose"),
        Fault::Garbage => Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from_static(b"\x00<html>not json{{")))
            .expect("static response parts are valid"),
        Fault::Shapeless => json(StatusCode::OK, r#"{"status":"ok"}"#.to_owned()),
        Fault::Slow => {
            crate::upstream::timer::sleep(SLOW).await;
            return Ok(None);
        }
        Fault::Reset => {
            crate::sys::reset_on_close(fd);
            return Err(ResetError);
        }
    }))
}

/// The connection is reset on purpose.
#[derive(Debug, thiserror::Error)]
#[error("connection reset on purpose")]
struct ResetError;

async fn handle(
    state: Arc<Upstream>,
    fd: i32,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ResetError> {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let response = match (req.method(), path.as_str()) {
        (&Method::GET, "/delay") => {
            let param = |name: &str| {
                query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_owned())
            };
            let ms = param("ms").and_then(|v| v.parse::<u64>().ok());
            match (ms, param("token")) {
                (Some(ms), Some(token)) if ms <= MAX_DELAY_MS => {
                    crate::upstream::timer::sleep(Duration::from_millis(ms)).await;
                    if let Some(bad) = misbehave(state.fault(), fd).await? {
                        bad
                    } else {
                        state.delay.fetch_add(1, Ordering::SeqCst);
                        json(
                            StatusCode::OK,
                            serde_json::json!({ "token": token }).to_string(),
                        )
                    }
                }
                _ => error(StatusCode::BAD_REQUEST, "need ms=0..10000 and token"),
            }
        }
        (&Method::POST, "/authorize") => {
            // Read the body: a client that sent one expects it consumed.
            let body = req.into_body().collect().await.map(|b| b.to_bytes());
            let valid = body
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| v.get("customer_id").is_some() && v.get("total_cents").is_some());
            crate::upstream::timer::sleep(state.authorize_latency).await;
            if !valid {
                error(StatusCode::BAD_REQUEST, "need customer_id and total_cents")
            } else if let Some(bad) = misbehave(state.fault(), fd).await? {
                bad
            } else {
                state.authorize.fetch_add(1, Ordering::SeqCst);
                json(StatusCode::OK, r#"{"approved":true}"#.to_owned())
            }
        }
        (&Method::GET, "/health") => Response::builder()
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"ok")))
            .expect("static response parts are valid"),
        // The control endpoint a verifier on another machine uses
        // ([`Control::Remote`]): the body names the fault.
        (&Method::PUT, "/fault") => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes());
            let name = body
                .ok()
                .map(|b| String::from_utf8_lossy(&b).trim().to_owned());
            match name.as_deref().and_then(Fault::parse) {
                Some(fault) => {
                    state.set_fault(fault);
                    json(
                        StatusCode::OK,
                        serde_json::json!({ "fault": fault.name() }).to_string(),
                    )
                }
                None => error(
                    StatusCode::BAD_REQUEST,
                    "the body names a fault: none, unavailable, error, garbage, slow, reset or shapeless",
                ),
            }
        }
        // A reference clock for load shards on several hosts
        // (`shootout load --clock-ref`): this host's wall clock.
        (&Method::GET, "/clock") => json(
            StatusCode::OK,
            serde_json::json!({ "unix_us": crate::upstream::timer::unix_us() }).to_string(),
        ),
        (&Method::GET, "/stats") => json(
            StatusCode::OK,
            serde_json::to_string(&state.counters()).unwrap_or_default(),
        ),
        _ => error(StatusCode::NOT_FOUND, "no such path"),
    };
    Ok(response)
}
