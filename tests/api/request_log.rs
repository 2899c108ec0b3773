//! The request log (issue 12.8): one line per request with its method, matched route, status
//! and latency, under a request id that the response echoes; never credentials or cookies.

use std::time::Duration;

use base64::Engine;
use reqwest::Method;

use crate::helpers::*;

/// The line that ends the request with id `id`.
fn line_of<'a>(lines: &'a [String], id: &str) -> &'a str {
    let tag = format!("id=\"{id}\"");
    lines
        .iter()
        .find(|l| l.contains(&tag) && l.contains("status="))
        .unwrap_or_else(|| panic!("no request line for {id}: {lines:#?}"))
}

#[tokio::test]
async fn each_request_has_an_id_in_its_response_and_one_log_line_without_credentials() {
    let app = spawn_app().await;
    let ticket = a_ticket(&app).await;

    // A client's own id is echoed.
    let sent = app
        .admin(Method::GET, &format!("/api/tickets/{ticket}"))
        .header("x-request-id", "test-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    assert_eq!(sent.headers()["x-request-id"], "test-req-42");

    // Without one, the server makes one up.
    let fresh = app
        .admin(Method::GET, "/api/tickets/")
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
    let generated = fresh
        .headers()
        .get("x-request-id")
        .expect("a generated x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        generated.len() >= 8 && generated != "test-req-42",
        "{generated}"
    );

    // A page with the session cookie.
    let browser = reqwest::Client::new();
    let login = post_login(&app, &browser, ADMIN, ADMIN_PASSWORD).await;
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    let session = cookie
        .split(';')
        .next()
        .and_then(|c| c.strip_prefix("helpdesk_session="))
        .expect("a session cookie")
        .to_owned();
    let page = browser
        .get(app.url("/tickets"))
        .header("cookie", format!("helpdesk_session={session}"))
        .header("x-request-id", "page-req-7")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-request-id"], "page-req-7");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines: Vec<String> = app.log.try_iter().collect();
    for (id, method, route, status) in [
        ("test-req-42", "GET", "/api/tickets/{id}", 200),
        (generated.as_str(), "GET", "/api/tickets", 200),
        ("page-req-7", "GET", "/tickets", 200),
    ] {
        let line = line_of(&lines, id);
        for part in [
            format!("method={method}"),
            format!("route=\"{route}\""),
            format!("status={status}"),
            "latency_ms=".to_owned(),
        ] {
            assert!(line.contains(&part), "{part} missing from {line}");
        }
    }
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:{ADMIN_PASSWORD}"));
    for l in &lines {
        let lower = l.to_ascii_lowercase();
        assert!(
            !l.contains(&basic) && !l.contains(&session),
            "a credential is in the log: {l}"
        );
        assert!(
            !lower.contains("authorization") && !lower.contains("cookie"),
            "a header is in the log: {l}"
        );
    }
}
