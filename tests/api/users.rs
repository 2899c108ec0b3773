//! /api/users/, /api/user_tickets/ and /api/openapi.json.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn users_are_created_without_exposing_the_password() {
    let app = spawn_app().await;
    let (s, u) = admin_json(
        &app,
        Method::POST,
        "/api/users/",
        Some(json!({
        "username": "ann", "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
        "password": "ann-pass-123"})),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(
        u,
        json!({"id": u["id"], "username": "ann", "email": "ann@example.com",
        "first_name": "Ann", "last_name": "Lee", "is_staff": false, "is_superuser": false,
        "is_active": true})
    );
    let hash = query_strings(
        &app,
        "select password_hash from users where username = 'ann'",
    )
    .await;
    assert!(hash[0].as_deref().unwrap().starts_with("$argon2id$"));
    let (s, e) = admin_json(
        &app,
        Method::POST,
        "/api/users",
        Some(json!({
        "username": "ann", "password": "other-pass-123"})),
    )
    .await;
    assert_eq!(
        (s, e),
        (
            400,
            json!({"username": ["A user with that username already exists."]})
        )
    );
    let (s, e) = admin_json(
        &app,
        Method::POST,
        "/api/users/",
        Some(json!({"email": "x"})),
    )
    .await;
    assert_eq!(
        (s, e),
        (
            400,
            json!({"username": ["This field is required."],
        "password": ["This field is required."], "email": ["Enter a valid email address."]})
        )
    );
    assert_eq!(count(&app, "users").await, 2);
    // Staff may create plain users but not staff.
    make_user(&app, "agent", true).await;
    let (s, _) = send(
        app.as_user(Method::POST, "/api/users/", "agent", USER_PASSWORD)
            .json(&json!({"username": "boss", "password": "boss-pass-123", "is_superuser": true})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = send(
        app.as_user(Method::POST, "/api/users/", "agent", USER_PASSWORD)
            .json(&json!({"username": "plain", "password": "plain-pass-123"})),
    )
    .await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn user_tickets_lists_the_callers_tickets_newest_first_in_the_public_shape() {
    let app = spawn_app().await;
    let q = make_queue(&app, "help").await;
    make_user(&app, "visitor", false).await;
    let t1 = make_ticket(
        &app,
        json!({"queue": q, "title": "First", "submitter_email": "visitor@example.com"}),
    )
    .await;
    let t2 = make_ticket(
        &app,
        json!({"queue": q, "title": "Second", "submitter_email": "visitor@example.com",
        "due_date": "2027-05-01T12:00Z"}),
    )
    .await;
    make_ticket(
        &app,
        json!({"queue": q, "title": "Other", "submitter_email": "else@example.com"}),
    )
    .await;
    for path in ["/api/user_tickets/", "/api/user_tickets"] {
        let (s, page) = send(app.as_user(Method::GET, path, "visitor", USER_PASSWORD)).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["count"], 2);
        let secret = query_strings(
            &app,
            &format!("select secret_key from tickets where id = {}", t2["id"]),
        )
        .await;
        assert_eq!(
            page["results"][0],
            json!({
            "ticket": format!("{} [help-{}]", t2["id"], t2["id"]), "id": t2["id"], "title": "Second",
            "queue": {"id": q, "title": "Queue help"}, "status": 1, "created": t2["created"],
            "due_date": "2027-05-01T12:00:00Z", "submitter": "visitor@example.com",
            "secret_key": secret[0].clone().unwrap()})
        );
        assert_eq!(page["results"][1]["id"], t1["id"]);
    }
    let (_, mine) = admin_json(&app, Method::GET, "/api/user_tickets/", None).await;
    assert_eq!(mine["count"], 0);
    let resp = app
        .client
        .get(app.url("/api/user_tickets/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;
    let (s, doc) = admin_json(&app, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/tickets/", &["get", "post"][..]),
        ("/api/tickets/{id}/", &["get", "put", "patch", "delete"][..]),
        ("/api/followups/", &["get", "post"][..]),
        (
            "/api/followups/{id}/",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/api/followups-attachments/", &["get", "post"][..]),
        ("/api/followups-attachments/{id}/", &["get", "delete"][..]),
        ("/api/followups-attachments/{id}/download/", &["get"][..]),
        ("/api/custom_fields/", &["get", "post"][..]),
        (
            "/api/custom_fields/{id}/",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/api/queues/", &["get", "post"][..]),
        ("/api/queues/{id}/", &["get", "put", "patch", "delete"][..]),
        ("/api/users/", &["post"][..]),
        ("/api/user_tickets/", &["get"][..]),
        ("/api/openapi.json", &["get"][..]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path}");
        }
    }
    assert!(doc["components"]["schemas"]["Ticket"].is_object());
    assert_ne!(doc["paths"], Value::Null);
}

#[tokio::test]
async fn the_api_can_be_switched_off() {
    let app = spawn_app_with(&[("HELPDESK_ACTIVATE_API_ENDPOINT", "false")]).await;
    let resp = app
        .admin(Method::GET, "/api/tickets/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_browser_session_cookie_authenticates_api_requests() {
    let app = spawn_app().await;
    let resp = app
        .client
        .post(app.url("/sfn/login"))
        .header("origin", app.base.clone())
        .header("accept", "text/html")
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert!(resp.headers().contains_key("set-cookie"));
    let (s, page) = send(app.client.get(app.url("/api/tickets/"))).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["count"], 0);
}
