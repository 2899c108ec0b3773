//! Issue 10, points 9 to 11: sizes a superuser sets are bounded, file names with dots are
//! stored, served and removed, and callers are checked before their bodies are read.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn file_names_of_dots_are_never_stored_as_such_and_inner_dots_are_served_and_deleted() {
    // About names on disk: the files store, whatever the backend's default.
    let app = spawn_app_storing(AttachmentStore::Files).await;
    let t = a_ticket(&app).await;
    for (raw, stored) in [
        (". ..", "attachment"),
        (". ..x", "x"),
        ("...", "attachment"),
        ("report..v2.pdf", "report..v2.pdf"),
    ] {
        let form = Form::new().text("ticket", t.to_string()).part(
            "attachments",
            Part::bytes(raw.as_bytes().to_vec())
                .file_name(raw.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        );
        let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
        assert_eq!(s, 201, "{raw:?}: {f}");
        let att = &f["followupattachment_set"][0];
        assert_eq!(att["filename"], stored, "{raw:?}");
        let url = att["url"].as_str().unwrap();
        let id = att["id"].as_i64().unwrap();
        let path = query_strings(
            &app,
            &format!("select file from followup_attachments where id = {id}"),
        )
        .await[0]
            .clone()
            .unwrap();
        assert!(path.ends_with(&format!("/{stored}")), "{path}");
        let on_disk = app.media_root().join(&path);
        assert!(on_disk.is_file(), "{raw:?}: {path}");

        let resp = app.admin(Method::GET, url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{raw:?} download");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), raw.as_bytes());

        let (s, b) =
            send(app.admin(Method::DELETE, &format!("/api/followups-attachments/{id}/"))).await;
        assert_eq!(s, 204, "{raw:?} delete: {b}");
        assert!(!on_disk.exists(), "{raw:?}: the file stayed on disk");
    }
}

#[tokio::test]
async fn custom_field_sizes_are_bounded_with_a_400_naming_the_field() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    for (body, field, message) in [
        (
            json!({"name": "amount", "label": "Amount", "data_type": "decimal", "decimal_places": 1_000_000_000_000_i64}),
            "decimal_places",
            "Ensure this value is less than or equal to 100.",
        ),
        (
            json!({"name": "code", "label": "Code", "data_type": "varchar", "max_length": 1_000_000_000_i64}),
            "max_length",
            "Ensure this value is less than or equal to 100000.",
        ),
        (
            json!({"name": "pick", "label": "Pick", "data_type": "list", "list_values": "x\n".repeat(6_000)}),
            "list_values",
            "Ensure this field has no more than 10000 characters.",
        ),
        (
            json!({"name": "hint", "label": "Hint", "data_type": "varchar", "help_text": "h".repeat(1_001)}),
            "help_text",
            "Ensure this field has no more than 1000 characters.",
        ),
    ] {
        let (s, b) = admin_json(&app, Method::POST, "/api/custom_fields/", Some(body)).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b[field][0], message, "{b}");
    }
    assert_eq!(count(&app, "custom_fields").await, 0);

    // Changing an existing field is bounded the same way, and it keeps working.
    let (s, f) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "amount", "label": "Amount", "data_type": "decimal", "max_length": 200, "decimal_places": 100})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let id = f["id"].as_i64().unwrap();
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/custom_fields/{id}/"),
        Some(json!({"decimal_places": 1_000_000_000_000_i64})),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"decimal_places": ["Ensure this value is less than or equal to 100."]})
        )
    );
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/custom_fields/{id}/"),
        Some(json!({"max_length": 150})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "T", "custom_amount": "1.5"}),
    )
    .await;
    assert_eq!(t["custom_amount"], format!("1.5{}", "0".repeat(99)));
}

/// The session cookie (`helpdesk_session=...`) of a fresh sign-in.
async fn session_cookie(app: &TestApp, user: &str, password: &str) -> String {
    let resp = post_login(app, &reqwest::Client::new(), user, password).await;
    assert_eq!(resp.status(), 200);
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("helpdesk_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a session cookie")
}

/// Starts a 10 MB multipart upload, sends its first 64 KiB and then nothing more, and
/// answers the status the server gives within 5 s (`None` if it keeps waiting for the rest).
fn status_before_the_body(base: &str, path: &str, headers: &[(&str, String)]) -> Option<u16> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 10000000\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n--XyZ\r\nContent-Disposition: form-data; name=\"ticket\"\r\n\r\n1\r\n");
    head.push_str(
        "--XyZ\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&vec![b'x'; 64 * 1024]).unwrap();
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).ok()?;
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    line.split(' ').nth(1).and_then(|s| s.parse().ok())
}

#[tokio::test]
async fn uploads_by_non_staff_or_anonymous_callers_are_refused_before_the_body_is_read() {
    let app = spawn_app().await;
    let _ = a_ticket(&app).await;
    make_user(&app, "customer", false).await;
    let basic = |user: &str, password: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    let customer_cookie = session_cookie(&app, "customer", USER_PASSWORD).await;
    let followups = count(&app, "followups").await;
    type Case = (&'static str, Vec<(&'static str, String)>, u16);
    let cases: Vec<Case> = vec![
        (
            "/api/followups/",
            vec![("Authorization", basic("customer", USER_PASSWORD))],
            403,
        ),
        (
            "/api/tickets/",
            vec![("Authorization", basic("customer", USER_PASSWORD))],
            403,
        ),
        (
            "/api/followups-attachments/",
            vec![("Authorization", basic("customer", USER_PASSWORD))],
            403,
        ),
        ("/api/followups/", vec![], 401),
        (
            "/sfn/reply_ticket",
            vec![("Cookie", customer_cookie.clone())],
            403,
        ),
        (
            "/sfn/create_ticket",
            vec![("Cookie", customer_cookie.clone())],
            403,
        ),
        ("/sfn/reply_ticket", vec![], 401),
        // Server functions that take a form are refused before it is decoded, too.
        ("/sfn/update_ticket", vec![], 401),
    ];
    for (path, headers, expected) in cases {
        let started = std::time::Instant::now();
        let (base, sent) = (app.base.clone(), headers.clone());
        let status =
            tokio::task::spawn_blocking(move || status_before_the_body(&base, path, &sent))
                .await
                .unwrap();
        assert_eq!(
            status,
            Some(expected),
            "{path} {headers:?}: the server waited for the body ({:?})",
            started.elapsed()
        );
    }
    assert_eq!(
        count(&app, "followups").await,
        followups,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_bulk_action_takes_at_most_100_tickets() {
    let app = spawn_app().await;
    let first = a_ticket(&app).await;
    let cookie = session_cookie(&app, ADMIN, ADMIN_PASSWORD).await;
    let bulk = |ids: Vec<i64>| {
        let mut form: Vec<(String, String)> = ids
            .into_iter()
            .map(|i| (format!("sel[{i}]"), "on".to_owned()))
            .collect();
        form.push(("action".into(), "status:4".into()));
        reqwest::Client::new()
            .post(app.url("/sfn/bulk_tickets"))
            .header("origin", app.base.clone())
            .header("cookie", cookie.clone())
            .form(&form)
    };
    let (s, b) = send(bulk((first..first + 101).collect())).await;
    assert_eq!(s, 400, "{b}");
    let text = b.to_string();
    assert!(
        text.contains("sel") && text.contains("Select no more than 100 tickets at once (got 101)."),
        "{b}"
    );
    let status = query_strings(
        &app,
        &format!("select cast(status as text) from tickets where id = {first}"),
    )
    .await;
    assert_eq!(status, vec![Some("1".to_owned())], "nothing was changed");
    let (s, b) = send(bulk(vec![first])).await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn a_text_filter_needs_three_characters_unless_it_is_a_ticket_number() {
    let app = spawn_app().await;
    let t = a_ticket(&app).await;
    for q in ["ab", "%20a%20", "é"] {
        let (s, b) = admin_json(&app, Method::GET, &format!("/api/tickets/?q={q}"), None).await;
        assert_eq!(
            (s, b),
            (
                400,
                json!({"q": ["Enter at least 3 characters to search, or a ticket number."]})
            ),
            "{q}"
        );
    }
    for q in [t.to_string(), format!("%23{t}")] {
        let (s, b) = admin_json(&app, Method::GET, &format!("/api/tickets/?q={q}"), None).await;
        assert_eq!(s, 200, "{q}: {b}");
        assert_eq!(b["count"], 1, "{q}: {b}");
    }
}
