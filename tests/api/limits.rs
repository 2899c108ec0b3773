//! Issue 6, limits: every limit answers a clear 4xx in JSON that names the field and the reason,
//! and writes nothing.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

const TOO_LONG_TEXT: &str = "Ensure this field has no more than 100000 characters.";

/// Rows in every table a write could touch.
async fn rows(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "tickets",
        "followups",
        "followup_attachments",
        "ticket_custom_field_values",
        "queues",
    ] {
        out.push(count(app, t).await);
    }
    out
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_for_the_api_and_for_server_functions() {
    let app = spawn_app_with(&[("HELPDESK_MAX_BODY_BYTES", "10000")]).await;
    let q = make_queue(&app, "desk").await;
    let before = rows(&app).await;
    let big = "x".repeat(20_000);
    let (s, body) = admin_json(
        &app,
        Method::POST,
        "/api/tickets/",
        Some(json!({"queue": q, "title": "Big", "description": big})),
    )
    .await;
    assert_eq!(
        (s, body),
        (413, json!({"detail": "Request body is too large."}))
    );
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let (s, body) = send(
        app.client
            .post(app.url("/sfn/create_ticket"))
            .header("origin", app.base.clone())
            .form(&[
                ("f[queue]", q.to_string()),
                ("f[title]", "Big".to_owned()),
                ("f[description]", big),
            ]),
    )
    .await;
    assert_eq!(
        (s, body),
        (413, json!({"detail": "Request body is too large."}))
    );
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn titles_comments_descriptions_and_custom_values_have_a_length_limit() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "notes", "label": "Notes", "data_type": "text"})),
    )
    .await;
    assert_eq!(s, 201);
    let t = make_ticket(&app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap();
    let before = rows(&app).await;
    let long = "é".repeat(100_001);
    for (path, body, field, message) in [
        (
            "/api/tickets/",
            json!({"queue": q, "title": "t".repeat(201)}),
            "title",
            "Ensure this field has no more than 200 characters.",
        ),
        (
            "/api/tickets/",
            json!({"queue": q, "title": "T", "description": long}),
            "description",
            TOO_LONG_TEXT,
        ),
        (
            "/api/tickets/",
            json!({"queue": q, "title": "T", "custom_notes": long}),
            "custom_notes",
            TOO_LONG_TEXT,
        ),
        (
            "/api/followups/",
            json!({"ticket": t, "comment": long}),
            "comment",
            TOO_LONG_TEXT,
        ),
    ] {
        let (s, b) = admin_json(&app, Method::POST, path, Some(body)).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b[field], json!([message]), "{field}: {b}");
    }
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{t}/"),
        Some(json!({"resolution": long})),
    )
    .await;
    assert_eq!((s, b), (400, json!({"resolution": [TOO_LONG_TEXT]})));
    assert_eq!(rows(&app).await, before);
    // The same limit for a comment written in the browser by the ticket's submitter.
    make_user(&app, "ann", false).await;
    let own = make_ticket(
        &app,
        json!({"queue": q, "title": "Mine", "submitter_email": "ann@example.com"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let before = rows(&app).await;
    sign_in(&app, "ann", USER_PASSWORD).await;
    let (s, b) = send(
        app.client
            .post(app.url("/sfn/comment_own_ticket"))
            .header("origin", app.base.clone())
            .form(&[("id", own.to_string()), ("comment", long.clone())]),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b.to_string().contains(TOO_LONG_TEXT), "{b}");
    // At the limit is accepted.
    let (s, b) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({"ticket": t, "comment": "é".repeat(100_000)})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(rows(&app).await[1], before[1] + 1);
}

#[tokio::test]
async fn more_than_ten_files_in_one_request_is_400_and_nothing_is_written() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let t = make_ticket(&app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap();
    let before = rows(&app).await;
    let form = |n: usize| {
        let mut form = Form::new()
            .text("ticket", t.to_string())
            .text("comment", "files");
        for i in 0..n {
            form = form.part(
                "attachments",
                Part::bytes(b"x".to_vec()).file_name(format!("f{i}.txt")),
            );
        }
        form
    };
    let (s, b) = send(
        app.admin(Method::POST, "/api/followups/")
            .multipart(form(11)),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"attachments": ["Ensure there are no more than 10 files in one request (got 11)."]})
        )
    );
    assert_eq!(rows(&app).await, before);
    assert!(!app.media_root().join("helpdesk").exists());
    let (s, b) = send(
        app.admin(Method::POST, "/api/followups/")
            .multipart(form(10)),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["followupattachment_set"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn a_page_size_over_one_hundred_is_400() {
    let app = spawn_app().await;
    for path in [
        "/api/tickets/?page_size=101",
        "/api/queues/?page_size=5000",
        "/api/followups/?page_size=99999999999999999999999",
    ] {
        let (s, b) = admin_json(&app, Method::GET, path, None).await;
        assert_eq!(
            (s, b),
            (
                400,
                json!({"page_size": ["Ensure this value is less than or equal to 100."]})
            ),
            "{path}"
        );
    }
    let (s, _) = admin_json(&app, Method::GET, "/api/tickets/?page_size=100", None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn a_query_string_over_4096_characters_is_414() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let long = format!("q={}", "a".repeat(4100));
    for path in [
        format!("/api/tickets/?{long}"),
        format!("/tickets?{long}"),
        format!("/sfn/current_user?{long}"),
    ] {
        let (s, b) = send(app.admin(Method::GET, &path)).await;
        assert_eq!(
            (s, b),
            (
                414,
                json!({"query": ["Ensure the query string has no more than 4096 characters (it has 4102)."]})
            ),
            "{}",
            &path[..20]
        );
    }
    let ok = format!("/api/tickets/?q={}", "a".repeat(4000));
    let (s, _) = send(app.admin(Method::GET, &ok)).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn missing_or_malformed_server_function_arguments_are_400_not_500() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    for (path, form) in [
        ("/sfn/list_tickets", vec![]),
        ("/sfn/get_ticket", vec![("id", "abc")]),
        ("/sfn/delete_queue", vec![]),
    ] {
        let (s, b) = send(
            app.client
                .post(app.url(path))
                .header("origin", app.base.clone())
                .form(&form),
        )
        .await;
        assert_eq!(s, 400, "{path}: {b}");
        assert!(
            b.to_string()
                .contains("The request's arguments are missing or malformed."),
            "{path}: {b}"
        );
    }
}

/// Posts `body` as the admin with `Transfer-Encoding: chunked`: no declared length, so only
/// the cut-off while the body streams can stop it. Returns the status and the response body.
fn post_chunked(base: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    use base64::Engine;
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let auth =
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:{ADMIN_PASSWORD}"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut sent = head.into_bytes();
    for chunk in body.chunks(1000) {
        sent.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        sent.extend_from_slice(chunk);
        sent.extend_from_slice(b"\r\n");
    }
    sent.extend_from_slice(b"0\r\n\r\n");
    // The server may answer before it has read everything.
    let _ = stream.write_all(&sent);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_413_for_json_and_for_multipart() {
    let app = spawn_app_with(&[("HELPDESK_MAX_BODY_BYTES", "10000")]).await;
    let q = make_queue(&app, "desk").await;
    let t = make_ticket(&app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap();
    let before = rows(&app).await;
    let big = "x".repeat(12_000);
    let json_body = json!({"queue": q, "title": "Big", "description": big}).to_string();
    let multipart_body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\n{t}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\n{big}\r\n--XyZ--\r\n"
    );
    for (path, content_type, body) in [
        ("/api/tickets/", "application/json", json_body),
        (
            "/api/followups/",
            "multipart/form-data; boundary=XyZ",
            multipart_body,
        ),
    ] {
        let (base, path2) = (app.base.clone(), path.to_owned());
        let ct = content_type.to_owned();
        let (s, b) =
            tokio::task::spawn_blocking(move || post_chunked(&base, &path2, &ct, body.as_bytes()))
                .await
                .unwrap();
        assert_eq!(s, 413, "{path}: {b}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&b).ok(),
            Some(json!({"detail": "Request body is too large."})),
            "{path}: {b}"
        );
    }
    assert_eq!(rows(&app).await, before);
}
