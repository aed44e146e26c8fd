//! A tiny HTTP/1.1 server on 127.0.0.1:0 whose misbehaviour is chosen by
//! path, for the load generator's tests. It is a real server on a real socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug)]
pub struct Fixture {
    pub addr: SocketAddr,
    /// Requests answered.
    pub served: Arc<AtomicU64>,
    /// Connections accepted.
    pub accepted: Arc<AtomicU64>,
    /// Every response waits until this (set to stall the server).
    pub stall: Arc<std::sync::Mutex<Option<(Instant, Instant)>>>,
    shutdown: Arc<AtomicBool>,
    _runtime: Option<tokio::runtime::Runtime>,
}

impl Fixture {
    /// Starts the server on its own runtime thread.
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicU64::new(0));
        let stall = Arc::new(std::sync::Mutex::new(None));
        let shutdown = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let (s, st, sh, acc) = (
            served.clone(),
            stall.clone(),
            shutdown.clone(),
            accepted.clone(),
        );
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                acc.fetch_add(1, Ordering::SeqCst);
                if sh.load(Ordering::SeqCst) {
                    // Stop listening: the listener is dropped below.
                    break;
                }
                let (s, st, sh) = (s.clone(), st.clone(), sh.clone());
                tokio::spawn(serve(stream, s, st, sh));
            }
        });
        Self {
            addr,
            served,
            accepted,
            stall,
            shutdown,
            _runtime: Some(runtime),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Kills the server: every connection and the listener close.
    pub fn kill(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(rt) = self._runtime.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    served: Arc<AtomicU64>,
    stall: Arc<std::sync::Mutex<Option<(Instant, Instant)>>>,
    shutdown: Arc<AtomicBool>,
) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        if shutdown.load(Ordering::SeqCst) {
            return;
        }
        let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
        let close = head.to_ascii_lowercase().contains("connection: close");
        let window = *stall.lock().unwrap();
        if let Some((from, until)) = window {
            let now = Instant::now();
            if now >= from && now < until {
                tokio::time::sleep(until - now).await;
            }
        }
        served.fetch_add(1, Ordering::SeqCst);
        let reply: Vec<u8> = match path.as_str() {
            "/garbage" => b"this is not HTTP\r\n\r\n".to_vec(),
            "/hang" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            "/reset" => {
                // SO_LINGER 0 turns the close into a RST.
                // With a zero linger the close never blocks, so the deprecation
                // warning (blocking on drop) does not apply.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                return;
            }
            "/half" => b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part".to_vec(),
            "/flaky" => {
                let n = served.load(Ordering::SeqCst);
                let body = if n % 2 == 0 { "ok" } else { "no" };
                format!("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{body}").into_bytes()
            }
            "/chunked" => {
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
                    .to_vec()
            }
            _ => b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"
                .to_vec(),
        };
        if stream.write_all(&reply).await.is_err() {
            return;
        }
        if close || path == "/half" || path == "/garbage" {
            return;
        }
    }
}
