//! /api/followups/: comments and status changes on tickets.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn ticket(app: &TestApp) -> i64 {
    let q = make_queue(app, "desk").await;
    make_ticket(app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_followup_with_new_status_changes_the_ticket_and_is_recorded() {
    let app = spawn_app().await;
    let t = ticket(&app).await;
    let (s, f) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({
        "ticket": t, "title": "Done", "comment": "Rebooted", "public": true, "new_status": 3,
        "time_spent": "01:30:00", "user": 999})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let id = f["id"].as_i64().unwrap();
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 11, "{keys:?}");
    assert_eq!(
        (
            f["ticket"].clone(),
            f["user"].clone(),
            f["new_status"].clone()
        ),
        (json!(t), json!(1), json!(3))
    );
    assert_eq!(f["time_spent"], "01:30:00");
    assert_eq!(f["message_id"], Value::Null);
    assert_eq!(f["followupattachment_set"], json!([]));
    let (_, tk) = admin_json(&app, Method::GET, &format!("/api/tickets/{t}"), None).await;
    assert_eq!(tk["status"], 3);
    assert_eq!(tk["followup_set"][1]["id"], id);
    let changes = query_strings(
        &app,
        "select field || ':' || old_value || '>' || new_value from ticket_changes",
    )
    .await;
    assert_eq!(changes, vec![Some("status:1>3".to_owned())]);
    for path in [
        format!("/api/followups/{id}"),
        format!("/api/followups/{id}/"),
    ] {
        let (s, got) = admin_json(&app, Method::GET, &path, None).await;
        assert_eq!((s, got), (200, f.clone()));
    }
    let (s, p) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/followups/{id}/"),
        Some(json!({"comment": "Rebooted twice", "time_spent": null, "public": false})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (
            p["comment"].clone(),
            p["time_spent"].clone(),
            p["public"].clone()
        ),
        (json!("Rebooted twice"), Value::Null, json!(false))
    );
    let (_, list) = admin_json(
        &app,
        Method::GET,
        &format!("/api/followups/?ticket={t}"),
        None,
    )
    .await;
    assert_eq!(list["count"], 2);
    let (_, none) = admin_json(&app, Method::GET, "/api/followups/?ticket=999", None).await;
    assert_eq!(none["count"], 0);
    let resp = app
        .admin(Method::DELETE, &format!("/api/followups/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(count(&app, "followups").await, 1);
    assert_eq!(count(&app, "ticket_changes").await, 0);
}

#[tokio::test]
async fn followup_validation_writes_nothing() {
    let app = spawn_app().await;
    let t = ticket(&app).await;
    let cases = [
        (json!({}), json!({"ticket": ["This field is required."]})),
        (
            json!({"ticket": 99}),
            json!({"ticket": ["Invalid pk \"99\" - object does not exist."]}),
        ),
        (
            json!({"ticket": t, "new_status": 7, "public": "x", "time_spent": "soon"}),
            json!({
            "new_status": ["\"7\" is not a valid choice."], "public": ["Must be a valid boolean."],
            "time_spent": ["Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu]."]}),
        ),
    ];
    for (body, expected) in cases {
        let (s, got) = admin_json(&app, Method::POST, "/api/followups/", Some(body.clone())).await;
        assert_eq!((s, got), (400, expected), "{body}");
    }
    assert_eq!(count(&app, "followups").await, 1);
    let (_, tk) = admin_json(&app, Method::GET, &format!("/api/tickets/{t}"), None).await;
    assert_eq!(tk["status"], 1);
}

#[tokio::test]
async fn put_on_a_followup_changes_its_text_but_not_its_ticket() {
    let app = spawn_app().await;
    let t = ticket(&app).await;
    let first = query_strings(&app, "select cast(id as text) from followups").await[0]
        .clone()
        .unwrap();
    let (s, f) = admin_json(&app, Method::PUT, &format!("/api/followups/{first}/"), Some(json!({
        "ticket": 999, "title": "Renamed", "comment": "c", "public": false, "time_spent": "2 00:00:05"}))).await;
    assert_eq!(s, 200, "{f}");
    assert_eq!(
        (
            f["ticket"].clone(),
            f["title"].clone(),
            f["public"].clone(),
            f["time_spent"].clone()
        ),
        (json!(t), json!("Renamed"), json!(false), json!("48:00:05"))
    );
    let (s, e) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/followups/{first}/"),
        Some(json!({"public": [1]})),
    )
    .await;
    assert_eq!(
        (s, e),
        (400, json!({"public": ["Must be a valid boolean."]}))
    );
    make_user(&app, "visitor", false).await;
    let (s, _) = send(
        app.as_user(Method::POST, "/api/followups/", "visitor", USER_PASSWORD)
            .json(&json!({"ticket": t})),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(count(&app, "followups").await, 1);
}
