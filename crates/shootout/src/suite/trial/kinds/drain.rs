//! `kind = "drain"`: SIGTERM with requests in flight, as Kubernetes stops a
//! pod. Clients keep `connections` requests in flight for a second; then the
//! service gets SIGTERM and, at the same moment, its clients stop sending
//! new requests (its endpoint is removed). What counts: how long until it
//! exits, whether it had to be SIGKILLed at the end of the grace period, and
//! how many of the requests in flight at SIGTERM never got their 2xx (lost).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::super::Record;
use super::super::detail::TrialDetail;
use crate::gate::{Launch, Prepared, Running};
use crate::http1::{Conn, Request};
use crate::suite::metric::Metric;
use crate::suite::trial::detail::Drain;

/// One client's tally.
#[derive(Debug, Default)]
struct Tally {
    answered_before: u64,
    in_flight_at_term: bool,
    lost: bool,
}

async fn client(addr: SocketAddr, request: Request, stop: Arc<AtomicBool>) -> Tally {
    let mut tally = Tally::default();
    let Ok(mut conn) = Conn::connect(addr).await else {
        return tally;
    };
    while !stop.load(Ordering::SeqCst) {
        let result = conn.send(&request, Duration::from_secs(60)).await;
        // Sent before SIGTERM, answered (or not) after it: in flight.
        let during = stop.load(Ordering::SeqCst);
        match result {
            Ok(r) if (200..300).contains(&r.status) => {
                if during {
                    tally.in_flight_at_term = true;
                } else {
                    tally.answered_before += 1;
                }
            }
            // Failed before SIGTERM: the service is not healthy, and this
            // client measures nothing; after it: in flight, and lost.
            _ => {
                tally.in_flight_at_term |= during;
                tally.lost = during;
                break;
            }
        }
    }
    tally
}

/// Drives `running` for a second with `connections` clients of `path`, then
/// SIGTERMs it and waits up to `grace` for it to exit.
async fn drain(
    running: &mut Running,
    path: &str,
    connections: usize,
    grace: Duration,
) -> anyhow::Result<Drain> {
    let addr = running.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let request = Request::get(path);
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..connections {
        clients.spawn(client(addr, request.clone(), stop.clone()));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    anyhow::ensure!(
        running.service.try_exit().is_none(),
        "the service died before SIGTERM; last output:\n{}",
        running.service.tail()
    );
    // Endpoint removed and SIGTERM sent, at once.
    stop.store(true, Ordering::SeqCst);
    let termed = Instant::now();
    crate::sys::kill_group(running.service.pid as i32, crate::sys::SIGTERM);
    let mut exit = None;
    while termed.elapsed() < grace {
        if let Some(e) = running.service.try_exit() {
            exit = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = exit.is_none();
    let drain_s = termed.elapsed().as_secs_f64().min(grace.as_secs_f64());
    let exit = match exit {
        Some(e) => e,
        None => running.service.stop(Duration::ZERO).await,
    };
    let mut out = Drain {
        path: path.to_owned(),
        connections,
        answered_before: 0,
        in_flight: 0,
        lost: 0,
        drain_s,
        killed,
        grace_s: grace.as_secs_f64(),
        exit: exit.to_string(),
    };
    for tally in clients.join_all().await {
        out.answered_before += tally.answered_before;
        out.in_flight += u64::from(tally.in_flight_at_term);
        out.lost += u64::from(tally.lost);
    }
    Ok(out)
}

/// SIGTERM with requests in flight; what happened is the trial's detail.
/// `(path, connections, grace)`: what the clients send, how many, and how
/// long the service has after SIGTERM.
pub(super) async fn run(
    prepared: &Prepared,
    how: &Launch,
    (path, connections, grace): (&str, usize, Duration),
    r: &mut Record,
) -> anyhow::Result<()> {
    let mut running = prepared.start(how).await?;
    let measured = drain(&mut running, path, connections, grace).await;
    running.stop().await;
    let d = measured?;
    r.put(Metric::DrainS, d.drain_s);
    r.put(Metric::DrainLost, d.lost as f64);
    r.put(Metric::DrainKilled, f64::from(u8::from(d.killed)));
    if d.killed {
        r.warnings.push(format!(
            "still running {} s after SIGTERM: SIGKILLed",
            d.grace_s
        ));
    }
    if d.lost > 0 {
        r.warnings.push(format!(
            "{} of {} requests in flight at SIGTERM never got their 2xx",
            d.lost, d.in_flight
        ));
    }
    r.detail = Some(TrialDetail::Drain(Box::new(d)));
    Ok(())
}
