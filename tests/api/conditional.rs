//! Issue 14.1: ETag, If-None-Match and If-Match on single resources. A mismatched If-Match is
//! 412 with the current ETag and writes nothing; of 32 clients PATCHing with one If-Match at
//! once, exactly one wins.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const CHANGED: &str = "The resource has changed since it was read.";

/// Status, ETag header and JSON body of a request.
async fn send_tagged(req: reqwest::RequestBuilder) -> (u16, Option<String>, Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        etag,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn etag_of(app: &TestApp, path: &str) -> String {
    let (s, etag, body) = send_tagged(app.admin(Method::GET, path)).await;
    assert_eq!(s, 200, "{body}");
    etag.expect("a GET of one resource carries an ETag")
}

#[tokio::test]
async fn a_tickets_etag_is_strong_stable_and_changes_with_its_json_followups_included() {
    let app = spawn_app().await;
    let id = a_ticket(&app).await;
    let path = format!("/api/tickets/{id}/");
    let first = etag_of(&app, &path).await;
    assert!(first.starts_with('"') && first.ends_with('"'), "{first}");
    assert_eq!(
        etag_of(&app, &path).await,
        first,
        "the same JSON, the same tag"
    );

    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({"ticket": id, "comment": "more"})),
    )
    .await;
    assert_eq!(s, 201);
    let second = etag_of(&app, &path).await;
    assert_ne!(second, first, "a new followup changes the ticket's JSON");

    let (s, patched_tag, _) = send_tagged(
        app.admin(Method::PATCH, &path)
            .json(&json!({"title": "New"})),
    )
    .await;
    assert_eq!(s, 200);
    let third = etag_of(&app, &path).await;
    assert_eq!(
        patched_tag.as_deref(),
        Some(third.as_str()),
        "PATCH answers with the new tag"
    );
    assert_ne!(third, second);
    let (s, put_tag, _) = send_tagged(
        app.admin(Method::PUT, &path)
            .json(&json!({"queue": 1, "title": "Newer"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        put_tag,
        Some(etag_of(&app, &path).await),
        "PUT answers with the new tag"
    );
}

#[tokio::test]
async fn if_none_match_with_the_current_etag_answers_304_with_the_etag_and_no_body() {
    let app = spawn_app().await;
    let id = a_ticket(&app).await;
    let queue = make_queue(&app, "other").await;
    for path in [
        format!("/api/tickets/{id}/"),
        format!("/api/queues/{queue}/"),
    ] {
        let etag = etag_of(&app, &path).await;
        let resp = app
            .admin(Method::GET, &path)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 304, "{path}");
        assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
        assert!(resp.bytes().await.unwrap().is_empty(), "a 304 has no body");
        let (s, _, body) = send_tagged(
            app.admin(Method::GET, &path)
                .header("if-none-match", "\"stale\""),
        )
        .await;
        assert_eq!(s, 200, "another tag gets the resource");
        assert!(body["id"].is_i64());
    }
}

#[tokio::test]
async fn a_stale_if_match_is_412_with_the_current_etag_and_nothing_is_written() {
    let app = spawn_app().await;
    let id = a_ticket(&app).await;
    let path = format!("/api/tickets/{id}/");
    let current = etag_of(&app, &path).await;
    let followups = count(&app, "followups").await;
    let cases = [
        (Method::PATCH, Some(json!({"title": "Lost"}))),
        (Method::PUT, Some(json!({"queue": 1, "title": "Lost"}))),
        (Method::DELETE, None),
    ];
    for (method, body) in cases {
        let mut req = app
            .admin(method.clone(), &path)
            .header("if-match", "\"stale\", W/".to_owned() + &current);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let (s, etag, answer) = send_tagged(req).await;
        assert_eq!(s, 412, "{method}: {answer}");
        assert_eq!(answer, json!({"detail": CHANGED}), "{method}");
        assert_eq!(
            etag.as_deref(),
            Some(current.as_str()),
            "{method}: the current tag"
        );
    }
    assert_eq!(etag_of(&app, &path).await, current, "nothing was written");
    assert_eq!(count(&app, "followups").await, followups);

    // The current tag, or `*`, lets the write through.
    let (s, etag, t) = send_tagged(
        app.admin(Method::PATCH, &path)
            .header("if-match", &current)
            .json(&json!({"title": "Kept"})),
    )
    .await;
    assert_eq!((s, t["title"].as_str()), (200, Some("Kept")));
    let (s, _, t) = send_tagged(
        app.admin(Method::PATCH, &path)
            .header("if-match", "*")
            .json(&json!({"title": "Star"})),
    )
    .await;
    assert_eq!((s, t["title"].as_str()), (200, Some("Star")));
    let (s, _, _) = send_tagged(
        app.admin(Method::DELETE, &path)
            .header("if-match", etag.unwrap()),
    )
    .await;
    assert_eq!(s, 412, "the tag of before the last change is stale");
    let now = etag_of(&app, &path).await;
    let (s, _, _) = send_tagged(app.admin(Method::DELETE, &path).header("if-match", now)).await;
    assert_eq!(s, 204);
    assert_eq!(count(&app, "tickets").await, 0);
}

#[tokio::test]
async fn of_32_clients_patching_with_one_if_match_at_once_exactly_one_wins() {
    const CLIENTS: usize = 32;
    let app = spawn_app().await;
    let id = a_ticket(&app).await;
    let path = format!("/api/tickets/{id}/");
    let tag = etag_of(&app, &path).await;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let url = app.url(&path);
            let tag = tag.clone();
            tokio::spawn(async move {
                let resp = reqwest::Client::new()
                    .patch(url)
                    .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
                    .header("if-match", tag)
                    .json(&json!({"title": format!("client {c}")}))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                (status, c, resp.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut won = Vec::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            (200, c, _) => won.push(c),
            (412, _, body) => {
                assert_eq!(body, json!({"detail": CHANGED}));
                refused += 1;
            }
            (s, _, body) => panic!("unexpected {s}: {body}"),
        }
    }
    assert_eq!((won.len(), refused), (1, CLIENTS - 1), "one 200, 31 412");
    let (_, t) = admin_json(&app, Method::GET, &path, None).await;
    assert_eq!(t["title"], json!(format!("client {}", won[0])));
    // The opening followup and the winner's change: nothing else was written.
    assert_eq!(t["followup_set"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn queues_custom_fields_and_followups_honour_if_match_too() {
    let app = spawn_app().await;
    let ticket = a_ticket(&app).await;
    let (s, f) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "tag", "label": "Tag", "data_type": "varchar"})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let (s, fu) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({"ticket": ticket, "comment": "hi"})),
    )
    .await;
    assert_eq!(s, 201, "{fu}");
    let queue = make_queue(&app, "spare").await;
    let cases = [
        (
            format!("/api/queues/{queue}/"),
            json!({"title": "Renamed"}),
            "title",
        ),
        (
            format!("/api/custom_fields/{}/", f["id"]),
            json!({"label": "Renamed"}),
            "label",
        ),
        (
            format!("/api/followups/{}/", fu["id"]),
            json!({"comment": "Renamed"}),
            "comment",
        ),
    ];
    for (path, change, field) in cases {
        let before = etag_of(&app, &path).await;
        for method in [Method::PATCH, Method::DELETE] {
            let (s, etag, body) = send_tagged(
                app.admin(method.clone(), &path)
                    .header("if-match", "\"stale\"")
                    .json(&change),
            )
            .await;
            assert_eq!(
                (s, &body),
                (412, &json!({"detail": CHANGED})),
                "{method} {path}"
            );
            assert_eq!(etag.as_deref(), Some(before.as_str()), "{method} {path}");
        }
        assert_eq!(
            etag_of(&app, &path).await,
            before,
            "{path}: nothing was written"
        );
        let (s, etag, body) = send_tagged(
            app.admin(Method::PATCH, &path)
                .header("if-match", &before)
                .json(&change),
        )
        .await;
        assert_eq!((s, &body[field]), (200, &json!("Renamed")), "{path}");
        let after = etag_of(&app, &path).await;
        assert_eq!(etag.as_deref(), Some(after.as_str()), "{path}");
        let (s, _, _) =
            send_tagged(app.admin(Method::DELETE, &path).header("if-match", &before)).await;
        assert_eq!(s, 412, "{path}: the old tag is stale now");
        let (s, _, _) =
            send_tagged(app.admin(Method::DELETE, &path).header("if-match", &after)).await;
        assert_eq!(s, 204, "{path}");
    }
}
