//! /api/followups/: comments and status changes on tickets.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_followup_with_new_status_changes_the_ticket_and_is_recorded() {
    let app = spawn_app().await;
    let t = a_ticket(&app).await;
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
    let t = a_ticket(&app).await;
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
    let t = a_ticket(&app).await;
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

/// Issue 11.5: any followup, by an agent too, is activity: the ticket's `modified` moves, it
/// comes first in "recently changed first", and the list shows a sortable "Last activity".
#[tokio::test]
async fn every_followup_updates_the_tickets_modified() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let first = make_ticket(&app, json!({"queue": q, "title": "Replied to"})).await;
    let second = make_ticket(&app, json!({"queue": q, "title": "Newer"})).await;
    let (s, f) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({"ticket": first["id"], "comment": "On it", "public": true})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let (_, t) = admin_json(
        &app,
        Method::GET,
        &format!("/api/tickets/{}/", first["id"]),
        None,
    )
    .await;
    assert_eq!(
        t["modified"], f["date"],
        "the reply did not touch `modified`"
    );
    assert!(t["modified"].as_str() > second["modified"].as_str());
    let (_, page) = admin_json(&app, Method::GET, "/api/tickets/?ordering=-modified", None).await;
    assert_eq!(page["results"][0]["id"], first["id"], "{page}");

    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let html = app.page("/tickets?ordering=-modified").await;
    assert!(html.contains("Last activity"), "no Last activity column");
    assert!(
        html.contains("ordering=modified"),
        "Last activity is not sortable"
    );
    let replied = html.find("Replied to").unwrap();
    assert!(
        replied < html.find("Newer").unwrap(),
        "not ordered by activity"
    );
}

async fn followup_with_file(app: &TestApp, ticket: &Value, public: bool, name: &str) -> i64 {
    let form = reqwest::multipart::Form::new()
        .text("ticket", ticket["id"].to_string())
        .text("comment", format!("about {name}"))
        .text("public", public.to_string())
        .part(
            "attachments",
            reqwest::multipart::Part::bytes(name.as_bytes().to_vec()).file_name(name.to_owned()),
        );
    let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["public"], public, "{f}");
    f["followupattachment_set"][0]["id"].as_i64().unwrap()
}

/// Issue 11.4: the submitter's comment on a resolved ticket reopens it (on the record), and
/// the submitter sees and downloads the files of public followups, never of internal ones.
#[tokio::test]
async fn a_submitters_comment_reopens_and_public_files_are_theirs_to_download() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    make_user(&app, "visitor", false).await;
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "Broken", "submitter_email": "Visitor@example.com"}),
    )
    .await;
    let public = followup_with_file(&app, &t, true, "public-notes.txt").await;
    let internal = followup_with_file(&app, &t, false, "internal-notes.txt").await;
    let path = format!("/api/tickets/{}/", t["id"]);
    let (s, _) = admin_json(&app, Method::PATCH, &path, Some(json!({"status": 3}))).await;
    assert_eq!(s, 200);

    let download = |id: i64| {
        app.as_user(
            Method::GET,
            &format!("/api/followups-attachments/{id}/download"),
            "visitor",
            USER_PASSWORD,
        )
    };
    let resp = download(public).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"public-notes.txt");
    assert_eq!(download(internal).send().await.unwrap().status(), 403);
    make_user(&app, "stranger", false).await;
    let other = app.as_user(
        Method::GET,
        &format!("/api/followups-attachments/{public}/download"),
        "stranger",
        USER_PASSWORD,
    );
    assert_eq!(other.send().await.unwrap().status(), 403);

    sign_in(&app, "visitor", USER_PASSWORD).await;
    let page = |app: &TestApp| {
        app.client
            .get(app.url(&format!("/tickets/{}", t["id"])))
            .send()
    };
    let html = page(&app).await.unwrap().text().await.unwrap();
    assert!(
        html.contains("public-notes.txt"),
        "the public file is not listed"
    );
    assert!(
        !html.contains("internal-notes.txt"),
        "an internal file is listed"
    );

    let resp = app
        .client
        .post(app.url("/sfn/comment_own_ticket"))
        .header("origin", app.base.clone())
        .form(&[
            ("id", t["id"].to_string()),
            ("comment", "Still broken".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let (_, after) = admin_json(&app, Method::GET, &path, None).await;
    assert_eq!(after["status"], 2, "the comment did not reopen the ticket");
    let last = after["followup_set"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["comment"], "Still broken");
    assert_eq!(last["new_status"], 2, "{last}");
    let changes = query_strings(
        &app,
        &format!(
            "select old_value || '->' || new_value from ticket_changes where followup = {}",
            last["id"]
        ),
    )
    .await;
    assert_eq!(changes, vec![Some("3->2".to_owned())]);
    // A comment on a ticket that is open changes no status.
    let resp = app
        .client
        .post(app.url("/sfn/comment_own_ticket"))
        .header("origin", app.base.clone())
        .form(&[
            ("id", t["id"].to_string()),
            ("comment", "And again".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let (_, again) = admin_json(&app, Method::GET, &path, None).await;
    let last = again["followup_set"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["new_status"], Value::Null);
}
