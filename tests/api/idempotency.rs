//! Issue 14.2: Idempotency-Key on POST. A retry gets the stored answer with
//! `Idempotent-Replayed: true` and writes nothing; another request with the key is 422; a key
//! in flight is 409; a bad key is 400; failures are not stored; keys are per user and expire
//! after `HELPDESK_IDEMPOTENCY_HOURS`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const OTHER_REQUEST: &str = "This Idempotency-Key was used with a different request.";
const IN_FLIGHT: &str = "A request with this Idempotency-Key is still being processed.";

struct Answer {
    status: u16,
    replayed: Option<String>,
    etag: Option<String>,
    body: Value,
}

async fn post(req: reqwest::RequestBuilder) -> Answer {
    let resp = req.send().await.expect("request");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (replayed, etag) = (header("idempotent-replayed"), header("etag"));
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Answer {
        status,
        replayed,
        etag,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn ticket_post(app: &TestApp, key: &str, body: &Value) -> reqwest::RequestBuilder {
    app.admin(Method::POST, "/api/tickets/")
        .header("idempotency-key", key)
        .json(body)
}

#[tokio::test]
async fn a_retry_with_the_same_key_gets_the_stored_answer_and_writes_nothing() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let body = json!({"queue": queue, "title": "Printer"});
    let first = post(ticket_post(&app, "k-1", &body)).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.replayed, None);
    assert!(first.etag.is_some(), "a 201 carries the ETag of its body");
    let followups = count(&app, "followups").await;
    for _ in 0..2 {
        let again = post(ticket_post(&app, "k-1", &body)).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.replayed.as_deref(), Some("true"));
        assert_eq!(again.body, first.body, "the stored answer, byte for byte");
        assert_eq!(again.etag, first.etag);
    }
    assert_eq!(
        count(&app, "tickets").await,
        1,
        "one ticket, however many retries"
    );
    assert_eq!(count(&app, "followups").await, followups);
    // A stored record per key, with its answer.
    let stored = query_strings(&app, "select cast(status as text) from idempotency_keys").await;
    assert_eq!(stored, vec![Some("201".to_owned())]);
    // Without the header, nothing changes: a second POST is a second ticket.
    let (s, _) = admin_json(&app, Method::POST, "/api/tickets/", Some(body)).await;
    assert_eq!(s, 201);
    assert_eq!(count(&app, "tickets").await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_or_path_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let first = post(ticket_post(
        &app,
        "k",
        &json!({"queue": queue, "title": "A"}),
    ))
    .await;
    assert_eq!(first.status, 201);
    let other_body = post(ticket_post(
        &app,
        "k",
        &json!({"queue": queue, "title": "B"}),
    ))
    .await;
    assert_eq!(other_body.status, 422);
    assert_eq!(other_body.body, json!({"detail": OTHER_REQUEST}));
    let other_path = post(
        app.admin(Method::POST, "/api/queues/")
            .header("idempotency-key", "k")
            .json(&json!({"queue": queue, "title": "A"})),
    )
    .await;
    assert_eq!(other_path.status, 422);
    assert_eq!(other_path.body, json!({"detail": OTHER_REQUEST}));
    assert_eq!(count(&app, "tickets").await, 1);
    assert_eq!(count(&app, "queues").await, 1);
}

#[tokio::test]
async fn a_key_that_is_not_1_to_255_visible_ascii_characters_is_400_naming_the_header() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let body = json!({"queue": queue, "title": "A"});
    let long = "k".repeat(256);
    let bad: [&[u8]; 5] = [
        b"",
        long.as_bytes(),
        b"a b",
        "caf\u{e9}".as_bytes(),
        b"tab\there",
    ];
    for key in bad {
        let value = reqwest::header::HeaderValue::from_bytes(key).unwrap();
        let answer = post(
            app.admin(Method::POST, "/api/tickets/")
                .header("idempotency-key", value)
                .json(&body),
        )
        .await;
        assert_eq!(answer.status, 400, "{key:?}");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(detail.contains("Idempotency-Key"), "{detail}");
    }
    assert_eq!(count(&app, "tickets").await, 0);
    let longest = "k".repeat(255);
    assert_eq!(post(ticket_post(&app, &longest, &body)).await.status, 201);
}

#[tokio::test]
async fn a_failed_request_is_not_stored_so_the_fixed_retry_goes_through() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let invalid = post(ticket_post(&app, "fix-me", &json!({"queue": queue}))).await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);
    let denied = post(
        app.as_user(Method::POST, "/api/tickets/", ADMIN, "wrong")
            .header("idempotency-key", "fix-me")
            .json(&json!({"queue": queue, "title": "A"})),
    )
    .await;
    assert_eq!(denied.status, 401);
    let fixed = post(ticket_post(
        &app,
        "fix-me",
        &json!({"queue": queue, "title": "A"}),
    ))
    .await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    assert_eq!(fixed.replayed, None);
    assert_eq!(count(&app, "idempotency_keys").await, 1);
}

#[tokio::test]
async fn keys_are_per_user() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    make_user(&app, "agent", true).await;
    let body = json!({"queue": queue, "title": "A"});
    assert_eq!(post(ticket_post(&app, "shared", &body)).await.status, 201);
    let theirs = post(
        app.as_user(Method::POST, "/api/tickets/", "agent", USER_PASSWORD)
            .header("idempotency-key", "shared")
            .json(&body),
    )
    .await;
    assert_eq!((theirs.status, theirs.replayed), (201, None));
    assert_eq!(count(&app, "tickets").await, 2);
}

#[tokio::test]
async fn a_multipart_retry_is_compared_by_its_parts_not_its_boundary() {
    let app = spawn_app().await;
    let ticket = a_ticket(&app).await;
    let form = |bytes: &'static [u8]| {
        reqwest::multipart::Form::new()
            .text("ticket", ticket.to_string())
            .text("comment", "logs")
            .part(
                "attachments",
                reqwest::multipart::Part::bytes(bytes).file_name("log.txt"),
            )
    };
    let send_form = |bytes: &'static [u8]| {
        post(
            app.admin(Method::POST, "/api/followups/")
                .header("idempotency-key", "upload")
                .multipart(form(bytes)),
        )
    };
    let first = send_form(b"line 1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    // reqwest draws a new boundary for every form.
    let again = send_form(b"line 1").await;
    assert_eq!(
        (again.status, again.replayed.as_deref()),
        (201, Some("true"))
    );
    assert_eq!(again.body, first.body);
    let other_file = send_form(b"line 2").await;
    assert_eq!(other_file.status, 422);
    assert_eq!(other_file.body, json!({"detail": OTHER_REQUEST}));
    assert_eq!(count(&app, "followup_attachments").await, 1);
}

#[tokio::test]
async fn a_key_in_flight_is_409_and_parallel_posts_with_one_key_make_one_ticket() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let body = json!({"queue": queue, "title": "Once"});

    // Another process holds the database's write lock (on PostgreSQL: a lock on the tickets
    // table that lets reads through): the first POST waits in its write.
    let pool = connect(&app.db_url()).await;
    let mut lock = pool.acquire().await.unwrap();
    let take = if on_pg() {
        "begin; lock table tickets in exclusive mode"
    } else {
        "begin immediate"
    };
    sqlx::raw_sql(take).execute(&mut *lock).await.unwrap();
    let first = tokio::spawn(post(ticket_post(&app, "slow", &body)));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let second = post(ticket_post(&app, "slow", &body)).await;
    assert_eq!(second.status, 409);
    assert_eq!(second.body, json!({"detail": IN_FLIGHT}));
    sqlx::query("commit").execute(&mut *lock).await.unwrap();
    drop(lock);
    pool.close().await;
    let first = first.await.unwrap();
    assert_eq!(
        (first.status, first.replayed),
        (201, None),
        "{}",
        first.body
    );
    let third = post(ticket_post(&app, "slow", &body)).await;
    assert_eq!(
        (third.status, third.replayed.as_deref()),
        (201, Some("true"))
    );

    // Two at once: one 201, the other 409 or the replayed 201; one ticket.
    let both = [
        tokio::spawn(post(ticket_post(&app, "pair", &body))),
        tokio::spawn(post(ticket_post(&app, "pair", &body))),
    ];
    let mut fresh = 0;
    for task in both {
        let a = task.await.unwrap();
        match (a.status, a.replayed.as_deref()) {
            (201, None) => fresh += 1,
            (201, Some("true")) => {}
            (409, _) => assert_eq!(a.body, json!({"detail": IN_FLIGHT})),
            (s, r) => panic!("unexpected {s} {r:?}: {}", a.body),
        }
    }
    assert_eq!(fresh, 1, "exactly one request was processed");
    assert_eq!(count(&app, "tickets").await, 2, "one ticket per key");
}

#[tokio::test]
async fn records_expire_after_the_configured_hours_and_are_deleted() {
    let app = spawn_app_with(&[("HELPDESK_IDEMPOTENCY_HOURS", "0")]).await;
    let queue = make_queue(&app, "desk").await;
    let body = json!({"queue": queue, "title": "A"});
    assert_eq!(post(ticket_post(&app, "brief", &body)).await.status, 201);
    let again = post(ticket_post(&app, "brief", &body)).await;
    assert_eq!(
        (again.status, again.replayed),
        (201, None),
        "expired: processed again"
    );
    assert_eq!(count(&app, "tickets").await, 2);
    // The expired record was deleted by the next write; only the new one is left.
    assert_eq!(count(&app, "idempotency_keys").await, 1);
}

/// The server died after the write committed (with its key) but before the answer was
/// stored: the retry is answered from the created ticket, and nothing is written again.
#[tokio::test]
async fn a_retry_after_the_answer_was_lost_is_answered_from_what_was_created() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let body = json!({"queue": queue, "title": "Crash"});
    let first = post(ticket_post(&app, "lost", &body)).await;
    assert_eq!(first.status, 201);
    let id = first.body["id"].as_i64().unwrap();
    let resource = query_strings(&app, "select resource from idempotency_keys").await;
    assert_eq!(resource, vec![Some(format!("tickets/{id}"))]);
    // What a crash between the commit and the answer leaves.
    let pool = connect(&app.db_url()).await;
    sqlx::query("update idempotency_keys set status = null, headers = null, body = null")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let again = post(ticket_post(&app, "lost", &body)).await;
    assert_eq!(
        (again.status, again.replayed.as_deref()),
        (201, Some("true"))
    );
    assert_eq!(again.body, first.body);
    assert_eq!(again.etag, first.etag);
    assert_eq!(count(&app, "tickets").await, 1);
    let stored = query_strings(&app, "select cast(status as text) from idempotency_keys").await;
    assert_eq!(
        stored,
        vec![Some("201".to_owned())],
        "stored again for later retries"
    );
}
