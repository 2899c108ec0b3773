//! Issue 14.4: signed webhooks. A receiver started here verifies every Standard Webhooks
//! signature with its own HMAC code; it answers 500 for a while and is down for a while,
//! and the helpdesk is killed with SIGKILL and restarted meanwhile: afterwards every event
//! of the log was delivered at least once, and every signature was valid.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::*;
use crate::load::Store;

/// What the receiver saw, and how it answers now.
#[derive(Default)]
struct Seen {
    secret: String,
    /// Answer this status to everything (None: 200).
    answer: Option<u16>,
    delivered: BTreeSet<i64>,
    bad_signatures: usize,
    requests: usize,
}

/// Verifies as the Standard Webhooks reference verifiers do: HMAC-SHA256 keyed with the
/// base64 after `whsec_`, over `{webhook-id}.{webhook-timestamp}.{body}`, compared with each
/// `v1,` signature of the header.
fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", h("webhook-id"), h("webhook-timestamp")).as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let fresh = h("webhook-timestamp").parse::<i64>().is_ok_and(|t| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        (t - now).abs() < 300
    });
    fresh
        && h("webhook-signature")
            .split(' ')
            .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

async fn receive(
    axum::extract::State(seen): axum::extract::State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut s = seen.lock().unwrap();
    s.requests += 1;
    if !verify(&s.secret, &headers, &body) {
        s.bad_signatures += 1;
        return StatusCode::BAD_REQUEST;
    }
    if let Some(code) = s.answer {
        return StatusCode::from_u16(code).unwrap();
    }
    let event: Value = serde_json::from_slice(&body).unwrap();
    let id = event["id"].as_i64().unwrap();
    assert_eq!(
        headers["webhook-id"].to_str().unwrap(),
        id.to_string(),
        "webhook-id is the event id"
    );
    s.delivered.insert(id);
    StatusCode::NO_CONTENT
}

/// A receiver on `port` (0: any free one); returns its port and the server task.
async fn start_receiver(seen: Arc<Mutex<Seen>>, port: u16) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen);
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (port, task)
}

async fn create_endpoint(app: &TestApp, url: &str, events: Value) -> (u16, Value) {
    send(app.admin(Method::POST, "/api/webhooks/").json(&json!({
        "url": url, "events": events, "description": "test receiver"
    })))
    .await
}

async fn event_ids(store: &Store) -> BTreeSet<i64> {
    let pool = store.pool().await;
    let ids: Vec<i64> = sqlx::query_scalar("select id from events")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

async fn write_some(app: &TestApp, queue: i64, tag: &str, n: usize) {
    for i in 0..n {
        let t = make_ticket(
            app,
            json!({"queue": queue, "title": format!("{tag}-{i}"), "description": "d"}),
        )
        .await;
        let id = t["id"].as_i64().unwrap();
        let (status, _) = send(
            app.admin(Method::PATCH, &format!("/api/tickets/{id}/"))
                .json(&json!({"priority": 1})),
        )
        .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn every_event_arrives_signed_through_errors_downtime_and_a_sigkill() {
    let envs = [
        ("HELPDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("HELPDESK_WEBHOOK_RETRY_DELAYS", "1"),
    ];
    let store = Store::new();
    let mut app = store.serve_with(&envs);
    let seen = Arc::new(Mutex::new(Seen {
        answer: Some(500),
        ..Seen::default()
    }));
    let (port, receiver) = start_receiver(seen.clone(), 0).await;
    let url = format!("http://127.0.0.1:{port}/hook");
    let (status, endpoint) = create_endpoint(&app, &url, json!(["*"])).await;
    assert_eq!(status, 201, "{endpoint}");
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).unwrap().len() == 24);
    seen.lock().unwrap().secret = secret;
    let queue = make_queue(&app, "hooks").await;

    // The receiver fails every request for a while: deliveries are retried.
    write_some(&app, queue, "a", 3).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        seen.lock().unwrap().requests > 3,
        "no retries while the receiver failed"
    );
    // Then it is down (connections refused) while more is written, and the helpdesk is
    // killed with SIGKILL and started again on the same database.
    receiver.abort();
    let _ = receiver.await;
    seen.lock().unwrap().answer = None;
    write_some(&app, queue, "b", 3).await;
    app.child.kill().unwrap();
    app.child.wait().unwrap();
    drop(app);
    let app = store.serve_with(&envs);
    write_some(&app, queue, "c", 3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, receiver) = start_receiver(seen.clone(), port).await;

    let all = event_ids(&store).await;
    assert!(
        all.len() >= 18,
        "too few events to mean anything: {}",
        all.len()
    );
    for _ in 0..120 {
        if all.is_subset(&seen.lock().unwrap().delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    {
        let s = seen.lock().unwrap();
        let missing: Vec<_> = all.difference(&s.delivered).collect();
        assert!(missing.is_empty(), "events never delivered: {missing:?}");
        assert_eq!(s.bad_signatures, 0, "every signature verifies");
    }
    // The endpoint's deliveries show the failed attempts before the successes.
    let id = endpoint["id"].as_i64().unwrap();
    let (status, page) = send(app.admin(
        Method::GET,
        &format!("/api/webhooks/{id}/deliveries/?page_size=100"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    let results = page["results"].as_array().unwrap();
    assert!(results.iter().all(|d| d["state"] == "delivered"), "{page}");
    assert!(
        results.iter().any(|d| d["attempts"].as_i64().unwrap() > 1),
        "{page}"
    );
    receiver.abort();
}

#[tokio::test]
async fn a_410_turns_the_endpoint_off_and_a_delivery_can_be_sent_again() {
    let app = spawn_app_with(&[
        ("HELPDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("HELPDESK_WEBHOOK_RETRY_DELAYS", "1"),
    ])
    .await;
    let seen = Arc::new(Mutex::new(Seen {
        answer: Some(410),
        ..Seen::default()
    }));
    let (port, receiver) = start_receiver(seen.clone(), 0).await;
    let url = format!("http://127.0.0.1:{port}/hook");
    let (status, endpoint) = create_endpoint(&app, &url, json!(["ticket.created"])).await;
    assert_eq!(status, 201, "{endpoint}");
    seen.lock().unwrap().secret = endpoint["secret"].as_str().unwrap().to_owned();
    let id = endpoint["id"].as_i64().unwrap();
    a_ticket(&app).await;
    let path = format!("/api/webhooks/{id}/");
    let mut off = Value::Null;
    for _ in 0..40 {
        off = send(app.admin(Method::GET, &path)).await.1;
        if off["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(off["active"], false, "{off}");
    assert_eq!(off["disabled_reason"], "gone", "{off}");
    assert!(
        off.get("secret").is_none(),
        "the secret is shown only once: {off}"
    );

    // Turned on again, a delivery sent again arrives.
    seen.lock().unwrap().answer = None;
    let (status, on) = send(
        app.admin(Method::PATCH, &path)
            .json(&json!({"active": true})),
    )
    .await;
    assert_eq!((status, &on["disabled_reason"]), (200, &json!("")), "{on}");
    let (_, page) = send(app.admin(Method::GET, &format!("{path}deliveries/"))).await;
    let first = &page["results"][0];
    assert_eq!(first["status_code"], 410, "{page}");
    assert_eq!(first["event_type"], "ticket.created", "{page}");
    let (status, again) = send(app.admin(
        Method::POST,
        &format!("{path}deliveries/{}/redeliver/", first["id"]),
    ))
    .await;
    assert_eq!(status, 201, "{again}");
    for _ in 0..40 {
        if seen
            .lock()
            .unwrap()
            .delivered
            .contains(&first["event"].as_i64().unwrap())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        seen.lock()
            .unwrap()
            .delivered
            .contains(&first["event"].as_i64().unwrap())
    );

    // A rotated secret signs what comes next; the old one no longer verifies.
    let (status, rotated) = send(app.admin(Method::POST, &format!("{path}rotate-secret/"))).await;
    assert_eq!(status, 200, "{rotated}");
    assert_ne!(rotated["secret"], endpoint["secret"]);
    receiver.abort();
}

#[tokio::test]
async fn endpoints_are_for_superusers_and_private_addresses_are_refused() {
    let app = spawn_app().await;
    make_user(&app, "agent", true).await;
    let (status, _) = send(
        app.as_user(Method::POST, "/api/webhooks/", "agent", USER_PASSWORD)
            .json(&json!({"url": "https://example.com/h", "events": ["*"]})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) =
        send(app.as_user(Method::GET, "/api/webhooks/", "agent", USER_PASSWORD)).await;
    assert_eq!(status, 403);

    let (status, body) = send(app.admin(Method::POST, "/api/webhooks/").json(&json!({}))).await;
    assert_eq!(status, 400);
    assert!(
        body["url"].is_array() && body["events"].is_array(),
        "{body}"
    );
    for (url, events) in [
        ("http://127.0.0.1:9/hook", json!(["*"])),
        ("http://localhost:9/hook", json!(["*"])),
        ("http://[::1]:9/hook", json!(["*"])),
        ("http://169.254.169.254/latest", json!(["*"])),
        ("ftp://example.com/", json!(["*"])),
    ] {
        let (status, body) = create_endpoint(&app, url, events).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(body["url"].is_array(), "{url}: {body}");
    }
    let (status, body) = create_endpoint(&app, "http://127.0.0.1:9/", json!(["nope"])).await;
    assert_eq!(status, 400);
    assert!(body["events"].is_array(), "{body}");
    assert_eq!(count(&app, "webhook_endpoints").await, 0, "nothing written");
}
