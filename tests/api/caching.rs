//! Issue 10, point 13: downloads are never cached, and the API's absolute links come from the
//! configured public address rather than the request's `Host` header.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_download_is_private_and_never_stored() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let t = make_ticket(&app, json!({"queue": q, "title": "T"})).await["id"].clone();
    let form = Form::new()
        .text("ticket", t.to_string())
        .text("comment", "log")
        .part(
            "attachments",
            Part::bytes(b"secret log".to_vec())
                .file_name("a.log")
                .mime_str("text/plain")
                .unwrap(),
        );
    let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(s, 201, "{f}");
    let url = f["followupattachment_set"][0]["url"].as_str().unwrap();
    let resp = app.admin(Method::GET, url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
}

/// The ticket list's `next` link as the admin, sent with the given `Host` header.
async fn next_link(app: &TestApp, host: &str) -> String {
    let (s, page) = send(
        app.admin(Method::GET, "/api/queues/?page_size=1")
            .header("host", host),
    )
    .await;
    assert_eq!(s, 200, "{page}");
    page["next"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn list_links_use_the_public_url_when_it_is_set() {
    let app = spawn_app_with(&[("HELPDESK_PUBLIC_URL", "https://help.example.com/")]).await;
    for slug in ["a", "b"] {
        make_queue(&app, slug).await;
    }
    assert_eq!(
        next_link(&app, "evil.example").await,
        "https://help.example.com/api/queues/?page_size=1&page=2"
    );
}

#[tokio::test]
async fn list_links_follow_the_host_header_when_no_public_url_is_set() {
    let app = spawn_app().await;
    for slug in ["a", "b"] {
        make_queue(&app, slug).await;
    }
    assert_eq!(
        next_link(&app, "other.example:8080").await,
        "http://other.example:8080/api/queues/?page_size=1&page=2"
    );
}
