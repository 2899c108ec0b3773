//! SIGTERM during load: requests already being received when the signal comes are finished
//! and answered, their writes are stored, and the server exits cleanly. Requests that come
//! later may be refused a connection, but none gets an error answer or a cut-off one.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::helpers::*;
use crate::load::*;

const IN_FLIGHT: usize = 8;

/// Standard base64 with padding, for the Basic credentials of a hand-written request.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Sends the headers and half the body of a ticket creation, waits for `go`, sends the rest,
/// and answers the whole raw response.
fn slow_create(addr: String, queue: i64, title: String, go: Arc<AtomicBool>) -> String {
    let body = json!({"queue": queue, "title": title}).to_string();
    let auth = base64(format!("{ADMIN}:{ADMIN_PASSWORD}").as_bytes());
    let mut s = TcpStream::connect(&addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST /api/tickets/ HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    s.write_all(first).unwrap();
    s.flush().unwrap();
    while !go.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(10));
    }
    s.write_all(rest).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish() {
    let store = Store::new();
    let mut app = store.serve();
    let queue = make_queue(&app, "term").await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let go = Arc::new(AtomicBool::new(false));
    let slow: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            let (addr, go) = (addr.clone(), go.clone());
            std::thread::spawn(move || slow_create(addr, queue, format!("slow-{i}"), go))
        })
        .collect();
    // A steady stream of quick writes as well, some of them cut by the shutdown.
    let stop = Arc::new(AtomicBool::new(false));
    let quick = {
        let (base, stop) = (app.base.clone(), stop.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut acked = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let resp = client
                    .post(format!("{base}/api/tickets/"))
                    .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
                    .json(&json!({"queue": queue, "title": format!("quick-{n}")}))
                    .send()
                    .await;
                n += 1;
                match resp {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body: serde_json::Value = r.json().await.expect("a whole answer");
                        assert_eq!(status, 201, "{body}");
                        acked.push(body["id"].as_i64().unwrap());
                    }
                    // Refused or closed before an answer: not acknowledged, nothing to check.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            acked
        })
    };
    // Let the server accept every slow connection and start reading its body.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = app.child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        app.child.try_wait().unwrap().is_none(),
        "the server exited with requests in flight"
    );
    go.store(true, Ordering::Relaxed);
    let mut slow_ids = Vec::new();
    for (i, t) in slow.into_iter().enumerate() {
        let raw = t.join().unwrap();
        assert!(
            raw.starts_with("HTTP/1.1 201"),
            "in-flight request {i} was cut off: {raw:?}"
        );
        let body = &raw[raw.find("\r\n\r\n").unwrap() + 4..];
        let v: serde_json::Value = serde_json::from_str(body)
            .unwrap_or_else(|_| panic!("in-flight request {i}: incomplete body {body:?}"));
        slow_ids.push(v["id"].as_i64().unwrap());
    }
    let status = app.terminate();
    assert!(status.success(), "exit status {status:?}");
    stop.store(true, Ordering::Relaxed);
    let quick_ids = quick.await.expect("a quick request got a wrong answer");

    let restarted = store.serve();
    for id in slow_ids.iter().chain(&quick_ids) {
        let (status, _) = admin_json(
            &restarted,
            reqwest::Method::GET,
            &format!("/api/tickets/{id}/"),
            None,
        )
        .await;
        assert_eq!(status, 200, "acknowledged ticket {id} is missing");
    }
    eprintln!(
        "shutdown: {} in-flight requests finished, {} quick writes acknowledged",
        slow_ids.len(),
        quick_ids.len()
    );
}
