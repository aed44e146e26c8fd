//! `shootout up` and `shootout upstream`: real processes on 127.0.0.1, driven
//! like a person would with curl, then stopped with Ctrl-C (SIGINT).

#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{eventually, fixtures, shootout, wait_for_line};
use shootout::http1::{Request, send_once};

const TIMEOUT: Duration = Duration::from_secs(10);

fn interrupt(child: &Child) {
    // SAFETY: plain syscall on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    eventually(
        "shootout to exit after SIGINT",
        Duration::from_secs(15),
        || child.try_wait().unwrap(),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn up_serves_the_contender_until_ctrl_c_and_leaves_nothing_behind() {
    let port = free_port();
    let mut child = shootout()
        .args([
            "up",
            "fixture-ok",
            "--port",
            &port.to_string(),
            "--contenders-dir",
        ])
        .arg(fixtures())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = wait_for_line(&mut child, "is up at");
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");

    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let health = send_once(addr, &Request::get("/health"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!((health.status, health.body_text().as_str()), (200, "ok"));
    // /io reaches the private upstream that `up` started.
    let io = send_once(addr, &Request::get("/io?ms=1&token=curl"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(io.status, 200, "{io}");
    assert_eq!(io.json().unwrap()["token"], "curl");

    interrupt(&child);
    let status = wait_exit(&mut child);
    assert!(
        status.success(),
        "Ctrl-C is a normal way to stop `up`: {status:?}"
    );
    let gone = send_once(addr, &Request::get("/health"), Duration::from_secs(2)).await;
    assert!(gone.is_err(), "the contender outlived shootout");
}

#[tokio::test]
async fn upstream_delays_authorizes_and_counts() {
    let mut child = shootout()
        .args(["upstream", "--port", "0", "--authorize-ms", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = wait_for_line(&mut child, "listening on");
    let url = line.rsplit(' ').next().unwrap();
    let addr: SocketAddr = url.trim_start_matches("http://").parse().unwrap();

    let started = Instant::now();
    let delay = send_once(addr, &Request::get("/delay?ms=50&token=t-1"), TIMEOUT)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "replied before the delay"
    );
    assert_eq!(delay.json().unwrap(), serde_json::json!({"token": "t-1"}));

    let auth = Request::post_json("/authorize", r#"{"customer_id":"c","total_cents":5}"#);
    let auth = send_once(addr, &auth, TIMEOUT).await.unwrap();
    assert_eq!(auth.json().unwrap(), serde_json::json!({"approved": true}));

    let bad = send_once(addr, &Request::get("/delay?ms=99999&token=x"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(bad.status, 400);

    let stats = send_once(addr, &Request::get("/stats"), TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        stats.json().unwrap(),
        serde_json::json!({"delay": 1, "authorize": 1})
    );

    interrupt(&child);
    assert!(wait_exit(&mut child).success());
}
