//! /api/users/, and the session cookie as a way into the API.

use reqwest::Method;
use serde_json::json;

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
