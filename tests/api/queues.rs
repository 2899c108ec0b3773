//! /api/queues/ and the plumbing every endpoint shares: body parsing, pagination, auth,
//! ids and trailing slashes.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn queues_are_created_listed_read_changed_and_deleted_by_a_superuser() {
    let app = spawn_app().await;
    let (s, q) = admin_json(
        &app,
        Method::POST,
        "/api/queues/",
        Some(json!({"title": "Support", "slug": "support", "email_address": "s@example.com"})),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    let id = q["id"].as_i64().unwrap();
    assert_eq!(
        q,
        json!({"id": id, "title": "Support", "slug": "support", "email_address": "s@example.com",
               "allow_public_submission": false, "default_owner": null,
               "new_ticket_cc": null, "updated_ticket_cc": null})
    );
    for path in [format!("/api/queues/{id}"), format!("/api/queues/{id}/")] {
        let (s, got) = admin_json(&app, Method::GET, &path, None).await;
        assert_eq!((s, &got), (200, &q), "{path}");
    }
    for path in ["/api/queues", "/api/queues/"] {
        let (s, list) = admin_json(&app, Method::GET, path, None).await;
        assert_eq!(s, 200);
        assert_eq!(list["count"], 1);
        assert_eq!(list["next"], json!(null));
        assert_eq!(list["previous"], json!(null));
        assert_eq!(list["results"][0], q);
    }
    let (s, changed) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/queues/{id}/"),
        Some(json!({"title": "Helpdesk", "allow_public_submission": true, "default_owner": 1})),
    )
    .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["title"], "Helpdesk");
    assert_eq!(changed["slug"], "support");
    assert_eq!(changed["allow_public_submission"], true);
    assert_eq!(changed["default_owner"], 1);
    let resp = app
        .admin(Method::DELETE, &format!("/api/queues/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(count(&app, "queues").await, 0);
}

#[tokio::test]
async fn queue_validation_reports_every_bad_field_and_writes_nothing() {
    let app = spawn_app().await;
    make_queue(&app, "taken").await;
    let cases = [
        (
            json!({}),
            json!({"title": ["This field is required."], "slug": ["This field is required."]}),
        ),
        (
            json!({"title": "", "slug": "a b"}),
            json!({"title": ["This field may not be blank."],
            "slug": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}),
        ),
        (
            json!({"title": "T", "slug": "taken"}),
            json!({"slug": ["queue with this slug already exists."]}),
        ),
        (
            json!({"title": "T", "slug": "ok", "default_owner": 99, "email_address": "x"}),
            json!({"default_owner": ["Invalid pk \"99\" - object does not exist."],
                   "email_address": ["Enter a valid email address."]}),
        ),
        (
            json!({"title": null, "slug": "ok", "allow_public_submission": "perhaps"}),
            json!({"title": ["This field may not be null."],
                   "allow_public_submission": ["Must be a valid boolean."]}),
        ),
    ];
    for (body, expected) in cases {
        let (s, got) = admin_json(&app, Method::POST, "/api/queues/", Some(body.clone())).await;
        assert_eq!((s, got), (400, expected), "{body}");
    }
    assert_eq!(count(&app, "queues").await, 1);
}

#[tokio::test]
async fn a_queue_with_tickets_cannot_be_deleted() {
    let app = spawn_app().await;
    let q = make_queue(&app, "busy").await;
    make_ticket(&app, json!({"queue": q, "title": "T"})).await;
    let (s, body) = admin_json(&app, Method::DELETE, &format!("/api/queues/{q}"), None).await;
    assert_eq!(s, 400);
    assert_eq!(
        body,
        json!({"detail": "This queue still has tickets; move or delete them before deleting the queue."})
    );
    assert_eq!(count(&app, "queues").await, 1);
}

#[tokio::test]
async fn requests_without_or_with_bad_credentials_get_401_with_a_basic_challenge() {
    let app = spawn_app().await;
    for path in [
        "/api/queues/",
        "/api/tickets/",
        "/api/followups/",
        "/api/custom_fields/",
        "/api/followups-attachments/",
        "/api/user_tickets/",
        "/api/tickets/1/",
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 401, "{path}");
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Basic realm=\"helpdesk\""
        );
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            json!({"detail": "Authentication credentials were not provided."})
        );
        let (s, body) = send(app.as_user(Method::GET, path, ADMIN, "wrong-password")).await;
        assert_eq!(s, 401, "{path}");
        assert_eq!(body, json!({"detail": "Invalid username/password."}));
    }
    let (s, _) = send(app.client.post(app.url("/api/users/")).json(&json!({}))).await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn a_non_staff_user_gets_403_on_staff_endpoints_and_staff_cannot_write_queues() {
    let app = spawn_app().await;
    let q = make_queue(&app, "q").await;
    make_user(&app, "visitor", false).await;
    make_user(&app, "agent", true).await;
    let forbidden = json!({"detail": "You do not have permission to perform this action."});
    for (method, path) in [
        (Method::GET, "/api/queues/".to_owned()),
        (Method::GET, format!("/api/queues/{q}/")),
        (Method::GET, "/api/tickets/".to_owned()),
        (Method::POST, "/api/tickets/".to_owned()),
        (Method::GET, "/api/followups/".to_owned()),
        (Method::GET, "/api/custom_fields/".to_owned()),
        (Method::GET, "/api/followups-attachments/".to_owned()),
        (Method::POST, "/api/users/".to_owned()),
    ] {
        let req = app
            .as_user(method.clone(), &path, "visitor", USER_PASSWORD)
            .json(&json!({
            "queue": q, "title": "x", "username": "someone", "password": "long-enough-1"}));
        let (s, body) = send(req).await;
        assert_eq!((s, body), (403, forbidden.clone()), "{method} {path}");
    }
    // The permission check comes before the body's field errors.
    let (s, body) = send(
        app.as_user(Method::POST, "/api/users/", "visitor", USER_PASSWORD)
            .json(&json!({})),
    )
    .await;
    assert_eq!((s, body), (403, forbidden.clone()));
    let (s, _) = send(app.as_user(Method::GET, "/api/queues/", "agent", USER_PASSWORD)).await;
    assert_eq!(s, 200);
    let (s, body) = send(
        app.as_user(Method::POST, "/api/queues/", "agent", USER_PASSWORD)
            .json(&json!({"title": "T", "slug": "t"})),
    )
    .await;
    assert_eq!((s, body), (403, forbidden));
    assert_eq!(count(&app, "queues").await, 1);
}

#[tokio::test]
async fn unknown_or_non_numeric_ids_and_unknown_paths_are_404_not_found() {
    let app = spawn_app().await;
    for path in [
        "/api/queues/99/",
        "/api/queues/abc",
        "/api/queues/-1/",
        "/api/queues/99999999999999999999999/",
        "/api/tickets/1",
        "/api/tickets/x/",
        "/api/followups/5/",
        "/api/custom_fields/x",
        "/api/followups-attachments/1/",
        "/api/followups-attachments/1/download/",
        "/api/nothing-here/",
    ] {
        let (s, body) = admin_json(&app, Method::GET, path, None).await;
        assert_eq!((s, body), (404, json!({"detail": "Not found."})), "{path}");
    }
    let (s, body) = admin_json(&app, Method::DELETE, "/api/tickets/", None).await;
    assert_eq!(
        (s, body),
        (405, json!({"detail": "Method \"DELETE\" not allowed."}))
    );
}

#[tokio::test]
async fn bodies_that_are_not_a_json_object_or_a_form_are_refused_with_a_detail() {
    let app = spawn_app().await;
    let cases: [(&str, &str, u16, serde_json::Value); 6] = [
        ("application/json", "{\"title\": ", 400, json!(null)),
        (
            "application/json",
            "[1, 2]",
            400,
            json!({"detail": "Invalid data. Expected a dictionary, but got list."}),
        ),
        (
            "application/json",
            "\"text\"",
            400,
            json!({"detail": "Invalid data. Expected a dictionary, but got str."}),
        ),
        (
            "text/plain",
            "title=x",
            415,
            json!({"detail": "Unsupported media type \"text/plain\" in request."}),
        ),
        (
            "application/xml",
            "<a/>",
            415,
            json!({"detail": "Unsupported media type \"application/xml\" in request."}),
        ),
        (
            "application/json",
            "",
            400,
            json!({"title": ["This field is required."], "slug": ["This field is required."]}),
        ),
    ];
    for (ct, body, status, expected) in cases {
        let (s, got) = send(
            app.admin(Method::POST, "/api/queues/")
                .header("content-type", ct)
                .body(body.to_owned()),
        )
        .await;
        assert_eq!(s, status, "{ct} {body}: {got}");
        if expected.is_null() {
            assert!(
                got["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("JSON parse error - "),
                "{got}"
            );
        } else {
            assert_eq!(got, expected, "{ct} {body}");
        }
    }
    // A multipart form with no parts is an empty form: the field errors.
    let (s, got) = send(
        app.admin(Method::POST, "/api/queues/")
            .multipart(reqwest::multipart::Form::new()),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        got,
        json!({"title": ["This field is required."], "slug": ["This field is required."]})
    );
    // A form with text parts works like JSON.
    let form = reqwest::multipart::Form::new()
        .text("title", "Form")
        .text("slug", "form");
    let (s, got) = send(app.admin(Method::POST, "/api/queues/").multipart(form)).await;
    assert_eq!(s, 201, "{got}");
    assert_eq!(count(&app, "queues").await, 1);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app_with(&[("HELPDESK_MAX_BODY_BYTES", "2000")]).await;
    let big = json!({"title": "x".repeat(5000), "slug": "big"});
    let (s, body) = admin_json(&app, Method::POST, "/api/queues/", Some(big)).await;
    assert_eq!(s, 413, "{body}");
    assert_eq!(body, json!({"detail": "Request body is too large."}));
    let form = reqwest::multipart::Form::new().text("title", "T").part(
        "file",
        reqwest::multipart::Part::bytes(vec![b'a'; 5000]).file_name("a.txt"),
    );
    let (s, _) = send(app.admin(Method::POST, "/api/queues/").multipart(form)).await;
    assert_eq!(s, 413);
    assert_eq!(count(&app, "queues").await, 0);
}

#[tokio::test]
async fn lists_paginate_with_absolute_links_that_keep_the_query() {
    let app = spawn_app().await;
    for i in 0..5 {
        make_queue(&app, &format!("q{i}")).await;
    }
    let (s, p1) = admin_json(&app, Method::GET, "/api/queues/?page_size=2&x=a%20b", None).await;
    assert_eq!(s, 200);
    assert_eq!(p1["count"], 5);
    assert_eq!(p1["results"].as_array().unwrap().len(), 2);
    assert_eq!(p1["previous"], json!(null));
    let host = app.base.trim_start_matches("http://");
    assert_eq!(
        p1["next"],
        json!(format!(
            "http://{host}/api/queues/?page_size=2&x=a%20b&page=2"
        ))
    );
    let (_, p2) = admin_json(&app, Method::GET, "/api/queues/?page=2&page_size=2", None).await;
    assert_eq!(
        p2["next"],
        json!(format!("http://{host}/api/queues/?page=3&page_size=2"))
    );
    assert_eq!(
        p2["previous"],
        json!(format!("http://{host}/api/queues/?page_size=2"))
    );
    let (_, p3) = admin_json(&app, Method::GET, "/api/queues/?page=3&page_size=2", None).await;
    assert_eq!(p3["results"].as_array().unwrap().len(), 1);
    assert_eq!(p3["next"], json!(null));
    for bad in ["4", "0", "x", "-1", "99999999999999999999999"] {
        let (s, body) = admin_json(
            &app,
            Method::GET,
            &format!("/api/queues/?page={bad}&page_size=2"),
            None,
        )
        .await;
        assert_eq!(
            (s, body),
            (404, json!({"detail": "Invalid page."})),
            "{bad}"
        );
    }
    let (_, all) = admin_json(&app, Method::GET, "/api/queues/?page_size=100", None).await;
    assert_eq!(all["results"].as_array().unwrap().len(), 5);
    // Over the limit is refused, not silently cut (issue 6).
    let (s, body) = admin_json(&app, Method::GET, "/api/queues/?page_size=1000", None).await;
    assert_eq!(
        (s, body),
        (
            400,
            json!({"page_size": ["Ensure this value is less than or equal to 100."]})
        )
    );
}

#[tokio::test]
async fn every_item_endpoint_answers_404_for_unknown_ids_and_401_without_credentials() {
    let app = spawn_app().await;
    let items = [
        "queues",
        "tickets",
        "custom_fields",
        "followups",
        "followups-attachments",
    ];
    for item in items {
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            if item == "followups-attachments" && (method == Method::PUT || method == Method::PATCH)
            {
                continue;
            }
            // Every odd id on GET; the two path forms of a plain one on the writes (each
            // request costs an argon2 verification in debug builds).
            let ids: &[&str] = if method == Method::GET {
                &[
                    "424242",
                    "424242/",
                    "abc/",
                    "0",
                    "1.5",
                    "%F0%9F%99%82/",
                    "99999999999999999999",
                ]
            } else {
                &["424242", "abc/"]
            };
            for id in ids {
                let path = format!("/api/{item}/{id}");
                let (s, body) =
                    admin_json(&app, method.clone(), &path, Some(json!({"title": "x"}))).await;
                assert_eq!(
                    (s, body),
                    (404, json!({"detail": "Not found."})),
                    "{method} {path}"
                );
            }
            let path = format!("/api/{item}/1/");
            let resp = app
                .client
                .request(method.clone(), app.url(&path))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 401, "{method} {path}");
            assert_eq!(
                resp.headers()["www-authenticate"],
                "Basic realm=\"helpdesk\""
            );
        }
    }
}

#[tokio::test]
async fn put_replaces_a_queue_and_needs_its_required_fields() {
    let app = spawn_app().await;
    let id = make_queue(&app, "old").await;
    make_queue(&app, "taken").await;
    let (s, body) = admin_json(
        &app,
        Method::PUT,
        &format!("/api/queues/{id}/"),
        Some(json!({"title": "New"})),
    )
    .await;
    assert_eq!(
        (s, body),
        (400, json!({"slug": ["This field is required."]}))
    );
    let (s, body) = admin_json(
        &app,
        Method::PUT,
        &format!("/api/queues/{id}/"),
        Some(json!({"title": "New", "slug": "taken"})),
    )
    .await;
    assert_eq!(
        (s, body),
        (
            400,
            json!({"slug": ["queue with this slug already exists."]})
        )
    );
    let (s, q) = admin_json(
        &app,
        Method::PUT,
        &format!("/api/queues/{id}"),
        Some(json!({"title": "New", "slug": "new", "email_address": null})),
    )
    .await;
    assert_eq!(s, 200, "{q}");
    assert_eq!(
        (q["title"].clone(), q["slug"].clone()),
        (json!("New"), json!("new"))
    );
    let (s, q) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/queues/{id}"),
        Some(json!({"slug": "new"})),
    )
    .await;
    assert_eq!((s, q["slug"].clone()), (200, json!("new")));
}
