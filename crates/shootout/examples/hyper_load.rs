//! The alternative the load generator was measured against: a closed loop on
//! hyper's HTTP/1.1 client connections, one current-thread tokio runtime.
//! Usage: hyper_load HOST:PORT CONNECTIONS SECONDS; prints requests/s.
//! Used only by bench/loadgen.sh (see docs/loadgen.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (addr, conns, secs) = match args.as_slice() {
        [_, a, c, s] => (a.clone(), c.parse::<usize>()?, s.parse::<u64>()?),
        _ => return Err("usage: hyper_load HOST:PORT CONNECTIONS SECONDS".into()),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let count = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(secs);
    rt.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..conns {
            let (addr, count) = (addr.clone(), count.clone());
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr).await?;
                stream.set_nodelay(true)?;
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(conn);
                while Instant::now() < end {
                    let req = hyper::Request::get("/health")
                        .header("host", &addr)
                        .body(Empty::<Bytes>::new())?;
                    let resp = sender.send_request(req).await?;
                    resp.into_body().collect().await?;
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    println!("{:.2}", count.load(Ordering::Relaxed) as f64 / secs as f64);
    Ok(())
}
