//! /api/tickets/: create (JSON and multipart), read, list with filters, ordering and
//! pagination, PUT/PATCH with the audit trail, DELETE with the files.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const KEYS: [&str; 16] = [
    "id",
    "queue",
    "title",
    "description",
    "resolution",
    "submitter_email",
    "assigned_to",
    "status",
    "on_hold",
    "priority",
    "due_date",
    "merged_to",
    "created",
    "modified",
    "followup_set",
    "custom_note",
];

const DT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

async fn setup() -> (TestApp, i64) {
    let app = spawn_app().await;
    let q = make_queue(&app, "it").await;
    (app, q)
}

#[tokio::test]
async fn a_created_ticket_is_open_with_a_ticket_opened_followup() {
    let (app, q) = setup().await;
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "note", "label": "Note", "data_type": "varchar"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, t) = admin_json(
        &app,
        Method::POST,
        "/api/tickets/",
        Some(json!({
        "queue": q, "title": "  Printer on fire ", "description": "Smoke", "priority": "2",
        "submitter_email": "ann@example.com", "due_date": "2026-12-01T10:00:00.5+01:00",
        "status": 4, "on_hold": true, "resolution": "ignored", "unknown_field": [1]})),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    let obj = t.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = KEYS.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(t["title"], "Printer on fire");
    assert_eq!(t["queue"], q);
    assert_eq!(t["status"], 1);
    assert_eq!(t["on_hold"], false);
    assert_eq!(t["resolution"], Value::Null);
    assert_eq!(t["priority"], 2);
    assert_eq!(t["merged_to"], Value::Null);
    assert_eq!(t["custom_note"], Value::Null);
    assert_eq!(t["due_date"], "2026-12-01T09:00:00.500000Z");
    let created = t["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() >= 20, "{created}");
    let f = &t["followup_set"][0];
    assert_eq!(t["followup_set"].as_array().unwrap().len(), 1);
    assert_eq!(f["title"], "Ticket Opened");
    assert_eq!(f["comment"], "Smoke");
    assert_eq!(f["public"], true);
    assert_eq!(f["user"], 1);
    assert_eq!(f["ticket"], t["id"]);
    for k in ["new_status", "time_spent", "message_id"] {
        assert_eq!(f[k], Value::Null, "{k}");
    }
    assert_eq!(f["followupattachment_set"], json!([]));
    let (s, got) = admin_json(
        &app,
        Method::GET,
        &format!("/api/tickets/{}/", t["id"]),
        None,
    )
    .await;
    assert_eq!((s, got), (200, t.clone()));
    let (_, t2) = admin_json(
        &app,
        Method::POST,
        "/api/tickets",
        Some(json!({
        "queue": q, "title": "Assigned", "assigned_to": 1})),
    )
    .await;
    assert_eq!(
        t2["followup_set"][0]["title"],
        "Ticket Opened & Assigned to admin"
    );
    assert_eq!(t2["priority"], 3);
    assert_eq!(t2["description"], "");
}

#[tokio::test]
async fn ticket_validation_reports_each_bad_field_and_writes_nothing() {
    let (app, q) = setup().await;
    let long = "x".repeat(201);
    let cases = [
        (
            json!({}),
            json!({"queue": ["This field is required."], "title": ["This field is required."]}),
        ),
        (
            json!({"queue": 99, "title": "   "}),
            json!({"queue": ["Invalid pk \"99\" - object does not exist."],
            "title": ["This field may not be blank."]}),
        ),
        (
            json!({"queue": q, "title": long}),
            json!({"title": ["Ensure this field has no more than 200 characters."]}),
        ),
        (
            json!({"queue": q, "title": "t", "priority": 6, "status": 0, "on_hold": "perhaps"}),
            json!({"priority": ["\"6\" is not a valid choice."], "status": ["\"0\" is not a valid choice."],
                   "on_hold": ["Must be a valid boolean."]}),
        ),
        (
            json!({"queue": q, "title": "t", "submitter_email": "not-an-email", "due_date": "tomorrow"}),
            json!({"submitter_email": ["Enter a valid email address."],
                   "due_date": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}),
        ),
        (
            json!({"queue": q, "title": "t", "assigned_to": 99, "merged_to": 12345}),
            json!({"assigned_to": ["Invalid pk \"99\" - object does not exist."],
                   "merged_to": ["Invalid pk \"12345\" - object does not exist."]}),
        ),
        (
            json!({"queue": "abc", "title": ["a"], "priority": 99999999999999999999u128.to_string()}),
            json!({"queue": ["Incorrect type. Expected pk value, received str."], "title": ["Not a valid string."],
                   "priority": ["\"99999999999999999999\" is not a valid choice."]}),
        ),
        (
            json!({"queue": 1e300, "title": "t", "assigned_to": true}),
            json!({"queue": ["Invalid pk \"1e+300\" - object does not exist."],
                   "assigned_to": ["Incorrect type. Expected pk value, received bool."]}),
        ),
        (
            json!({"queue": q, "title": "t", "due_date": "9999-12-31T23:59:59-12:00"}),
            json!({"due_date": [DT_ERROR]}),
        ),
        (
            json!({"queue": q, "title": "t", "due_date": 20261201}),
            json!({"due_date": [DT_ERROR]}),
        ),
        (
            json!({"queue": null, "title": null}),
            json!({"queue": ["This field may not be null."],
            "title": ["This field may not be null."]}),
        ),
    ];
    for (body, expected) in cases {
        let (s, got) = admin_json(&app, Method::POST, "/api/tickets/", Some(body.clone())).await;
        assert_eq!((s, got), (400, expected), "{body}");
    }
    for t in [
        "tickets",
        "followups",
        "ticket_custom_field_values",
        "followup_attachments",
    ] {
        assert_eq!(count(&app, t).await, 0, "{t}");
    }
}

#[tokio::test]
async fn odd_unicode_and_sql_looking_text_is_stored_as_given() {
    let (app, q) = setup().await;
    let mut titles = vec![
        "'; drop table tickets; --".to_owned(),
        "Ünïcödé 🎫 \u{202e}rtl".to_owned(),
        "🙂".repeat(200),
    ];
    if on_pg() {
        // PostgreSQL's text cannot hold NUL: refused as the request's fault, nothing written.
        let (s, body) = admin_json(
            &app,
            Method::POST,
            "/api/tickets/",
            Some(json!({"queue": q, "title": "a\u{0}b"})),
        )
        .await;
        assert_eq!(s, 400, "{body}");
        assert_eq!(
            body["detail"],
            "Text must not contain the NUL character (\\u0000)."
        );
    } else {
        titles.push("a\u{0}b".to_owned());
    }
    let stored = titles.len() as i64;
    for title in titles.iter().map(String::as_str) {
        let t = make_ticket(
            &app,
            json!({"queue": q, "title": title, "description": title}),
        )
        .await;
        assert_eq!(t["title"], title);
        let (s, _) = admin_json(
            &app,
            Method::GET,
            &format!("/api/tickets/?q={}", urlencode(title)),
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    assert_eq!(count(&app, "tickets").await, stored);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn multipart_create_stores_the_attachment_on_the_first_followup() {
    // Where the file lands on disk is part of what is checked (PostgreSQL's default store
    // is the database).
    let app = spawn_app_storing(AttachmentStore::Files).await;
    let q = make_queue(&app, "it").await;
    let form = reqwest::multipart::Form::new()
        .text("queue", q.to_string())
        .text("title", "With file")
        .text("priority", "1")
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(b"hello file".to_vec())
                .file_name("../../evil/..\\report.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let (s, t) = send(app.admin(Method::POST, "/api/tickets/").multipart(form)).await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["priority"], 1);
    let a = &t["followup_set"][0]["followupattachment_set"][0];
    assert_eq!(a["filename"], "report.txt");
    assert_eq!(a["mime_type"], "text/plain");
    assert_eq!(a["size"], 10);
    assert_eq!(a["followup"], t["followup_set"][0]["id"]);
    let secret = query_strings(&app, "select secret_key from tickets").await[0]
        .clone()
        .unwrap();
    let path = app.media_root().join(format!(
        "helpdesk/attachments/it-{}-{secret}/{}/report.txt",
        t["id"], a["followup"]
    ));
    assert_eq!(std::fs::read(&path).unwrap(), b"hello file");
    let resp = app
        .admin(Method::GET, a["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/plain");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"hello file");

    // Deleting the ticket removes its rows and its files.
    let resp = app
        .admin(Method::DELETE, &format!("/api/tickets/{}", t["id"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(!path.exists());
    assert!(!path.parent().unwrap().parent().unwrap().exists());
    for table in [
        "tickets",
        "followups",
        "followup_attachments",
        "ticket_changes",
    ] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
    let (s, _) = admin_json(
        &app,
        Method::GET,
        &format!("/api/tickets/{}/", t["id"]),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_multipart_create_that_fails_validation_leaves_no_file() {
    let (app, _) = setup().await;
    let form = reqwest::multipart::Form::new()
        .text("title", "No queue")
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
        );
    let (s, body) = send(app.admin(Method::POST, "/api/tickets/").multipart(form)).await;
    assert_eq!(
        (s, body),
        (400, json!({"queue": ["This field is required."]}))
    );
    assert_eq!(count(&app, "tickets").await, 0);
    assert!(!app.media_root().join("helpdesk").exists());
}

#[tokio::test]
async fn patch_and_put_record_every_changed_field_on_a_followup() {
    let (app, q) = setup().await;
    let q2 = make_queue(&app, "other").await;
    let t = make_ticket(&app, json!({"queue": q, "title": "Old", "priority": 3})).await;
    let id = t["id"].as_i64().unwrap();
    let (s, p) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(json!({
        "status": 3, "resolution": "Fixed", "priority": 1, "on_hold": true,
        "due_date": "2027-01-01T00:00Z", "assigned_to": 1})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (
            p["status"].clone(),
            p["resolution"].clone(),
            p["priority"].clone()
        ),
        (json!(3), json!("Fixed"), json!(1))
    );
    assert_eq!(p["on_hold"], true);
    assert_eq!(p["due_date"], "2027-01-01T00:00:00Z");
    assert_eq!(p["title"], "Old");
    let fups = p["followup_set"].as_array().unwrap();
    assert_eq!(fups.len(), 2);
    assert_eq!(fups[1]["new_status"], 3);
    assert_eq!(fups[1]["user"], 1);
    assert!(p["modified"].as_str() >= t["modified"].as_str());
    let changes = query_strings(
        &app,
        "select field || ':' || coalesce(old_value, 'null') || '>' || coalesce(new_value, 'null') \
         from ticket_changes order by field",
    )
    .await;
    let changes: Vec<String> = changes.into_iter().map(Option::unwrap).collect();
    assert_eq!(
        changes,
        vec![
            "assigned_to:null>1",
            "due_date:null>2027-01-01T00:00:00Z",
            "on_hold:false>true",
            "priority:3>1",
            "resolution:null>Fixed",
            "status:1>3",
        ]
    );
    // PUT needs queue and title; fields left out stay as they are.
    let (s, body) = admin_json(
        &app,
        Method::PUT,
        &format!("/api/tickets/{id}"),
        Some(json!({"title": "New"})),
    )
    .await;
    assert_eq!(
        (s, body),
        (400, json!({"queue": ["This field is required."]}))
    );
    let (s, put) = admin_json(
        &app,
        Method::PUT,
        &format!("/api/tickets/{id}"),
        Some(json!({"queue": q2, "title": "New"})),
    )
    .await;
    assert_eq!(s, 200, "{put}");
    assert_eq!(
        (
            put["queue"].clone(),
            put["title"].clone(),
            put["status"].clone()
        ),
        (json!(q2), json!("New"), json!(3))
    );
    assert_eq!(put["resolution"], "Fixed");
    assert_eq!(count(&app, "ticket_changes").await, 8);
    // A change to nothing new records nothing.
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{id}"),
        Some(json!({"title": "New"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(count(&app, "followups").await, 3);
    // A bad PATCH writes nothing.
    let (s, body) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{id}"),
        Some(json!({"title": "Changed", "priority": 0})),
    )
    .await;
    assert_eq!(
        (s, body),
        (400, json!({"priority": ["\"0\" is not a valid choice."]}))
    );
    let (_, now) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}"), None).await;
    assert_eq!(now["title"], "New");
    assert_eq!(count(&app, "ticket_changes").await, 8);
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        "/api/tickets/999/",
        Some(json!({"title": "x"})),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn ticket_lists_filter_order_and_paginate() {
    let (app, q) = setup().await;
    let q2 = make_queue(&app, "hr").await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let body = json!({"queue": if i % 3 == 0 { q2 } else { q }, "title": format!("T{i}"),
            "priority": (i % 5) + 1, "description": if i == 7 { "the Printer jammed" } else { "" },
            "submitter_email": if i == 8 { "printer@example.com" } else { "x@example.com" },
            "assigned_to": if i == 9 { json!(1) } else { json!(null) }});
        ids.push(make_ticket(&app, body).await["id"].as_i64().unwrap());
    }
    admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{}", ids[4]),
        Some(json!({"status": 3})),
    )
    .await;
    admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{}", ids[5]),
        Some(json!({"status": 4})),
    )
    .await;
    let get_ids = |v: &Value| -> Vec<i64> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    let (s, page1) = admin_json(&app, Method::GET, "/api/tickets/", None).await;
    assert_eq!(s, 200);
    assert_eq!(page1["count"], 30);
    assert_eq!(get_ids(&page1), ids[..25].to_vec());
    let host = app.base.trim_start_matches("http://");
    assert_eq!(
        page1["next"],
        json!(format!("http://{host}/api/tickets/?page=2"))
    );
    let (_, page2) = admin_json(&app, Method::GET, "/api/tickets/?page=2", None).await;
    assert_eq!(get_ids(&page2), ids[25..].to_vec());
    assert_eq!(
        page2["previous"],
        json!(format!("http://{host}/api/tickets/"))
    );
    let (s, body) = admin_json(&app, Method::GET, "/api/tickets/?page=3", None).await;
    assert_eq!((s, body), (404, json!({"detail": "Invalid page."})));

    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?status=3,4,9&page_size=100",
        None,
    )
    .await;
    assert_eq!(get_ids(&r), vec![ids[4], ids[5]]);
    let (_, r) = admin_json(
        &app,
        Method::GET,
        &format!("/api/tickets/?queue={q2}&page_size=100"),
        None,
    )
    .await;
    assert_eq!(r["count"], 10);
    let (_, r) = admin_json(&app, Method::GET, "/api/tickets/?assigned_to=1", None).await;
    assert_eq!(get_ids(&r), vec![ids[9]]);
    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?priority=1&page_size=100",
        None,
    )
    .await;
    assert_eq!(r["count"], 6);
    let (_, r) = admin_json(&app, Method::GET, "/api/tickets/?q=PRINTER", None).await;
    assert_eq!(get_ids(&r), vec![ids[7], ids[8]]);
    // Literal text, never a pattern (and at least 3 characters: issue 10).
    let (_, r) = admin_json(&app, Method::GET, "/api/tickets/?q=%25%25%25", None).await;
    assert_eq!(r["count"], 0);
    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?ordering=-id&page_size=3",
        None,
    )
    .await;
    assert_eq!(get_ids(&r), vec![ids[29], ids[28], ids[27]]);
    assert_eq!(
        r["next"],
        json!(format!(
            "http://{host}/api/tickets/?ordering=-id&page_size=3&page=2"
        ))
    );
    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?ordering=-priority&page_size=1",
        None,
    )
    .await;
    assert_eq!(r["results"][0]["priority"], 5);
    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?ordering=-modified&page_size=2",
        None,
    )
    .await;
    assert_eq!(get_ids(&r), vec![ids[5], ids[4]]);
    let (_, r) = admin_json(
        &app,
        Method::GET,
        "/api/tickets/?ordering=created&page_size=1",
        None,
    )
    .await;
    assert_eq!(get_ids(&r), vec![ids[0]]);
    let (_, r) = admin_json(&app, Method::GET, "/api/tickets/?queue=abc", None).await;
    assert_eq!(r["count"], 0);
}

#[tokio::test]
async fn a_url_encoded_form_creates_a_ticket_as_curl_d_sends_it() {
    let (app, q) = setup().await;
    let (s, t) = send(
        app.admin(Method::POST, "/api/tickets/")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "queue={q}&title=Printer+on%20fire&priority=2&due_date="
            )),
    )
    .await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["title"], "Printer on fire");
    assert_eq!(t["priority"], 2);
    assert_eq!(t["due_date"], Value::Null);
}

#[tokio::test]
async fn free_text_search_finds_substrings_and_follows_edits_and_deletes() {
    let app = spawn_app().await;
    let q = make_queue(&app, "search").await;
    let a = make_ticket(
        &app,
        json!({"queue": q, "title": "Laserprinter jammed", "description": "Say \"hi\""}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let b = make_ticket(
        &app,
        json!({"queue": q, "title": "VPN down", "submitter_email": "Zoe@Example.com"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let search = |q: &'static str| {
        let app = &app;
        async move {
            let (s, r) = admin_json(app, Method::GET, &format!("/api/tickets/?q={q}"), None).await;
            assert_eq!(s, 200, "{r}");
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap())
                .collect::<Vec<i64>>()
        }
    };
    // Inside a word, in any case, in the description (quotes included) and the email.
    assert_eq!(search("PRINTER").await, vec![a]);
    assert_eq!(search("%22hi%22").await, vec![a]);
    assert_eq!(search("zoe%40example").await, vec![b]);
    assert_eq!(search("nothing-like-this").await, Vec::<i64>::new());
    // An edit moves the ticket in and out of the results; a delete removes it.
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{b}/"),
        Some(json!({"title": "Printer offline"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(search("printer").await, vec![a, b]);
    assert_eq!(search("VPN").await, Vec::<i64>::new());
    let (s, _) = admin_json(&app, Method::DELETE, &format!("/api/tickets/{a}/"), None).await;
    assert_eq!(s, 204);
    assert_eq!(search("printer").await, vec![b]);
}

/// Issue 11.3: a merge refuses the ticket itself, a ticket already merged and any loop (400
/// naming `merged_to`, in the API and the web app), leaves a followup on both tickets naming
/// the other, copies the merged ticket's submitter to the target's CC list, and the merged
/// ticket's page points to the target.
#[tokio::test]
async fn a_merge_refuses_itself_and_loops_and_links_both_tickets() {
    let (app, q) = setup().await;
    let mk = |title: &'static str, email: &'static str| {
        let app = &app;
        async move {
            make_ticket(
                app,
                json!({"queue": q, "title": title, "submitter_email": email}),
            )
            .await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let target = mk("Printer on fire", "ann@example.com").await;
    let dup = mk("Printer smoking", "bob@example.com").await;
    let other = mk("Scanner", "cy@example.com").await;
    let patch = |id: i64, into: i64| {
        let app = &app;
        async move {
            admin_json(
                app,
                Method::PATCH,
                &format!("/api/tickets/{id}/"),
                Some(json!({"merged_to": into})),
            )
            .await
        }
    };
    let (s, e) = patch(target, target).await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["merged_to"][0].as_str().unwrap().contains("itself"),
        "{e}"
    );

    let (s, t) = patch(dup, target).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["merged_to"], target);
    for (id, into, why) in [
        (target, dup, "a loop"),
        (dup, other, "already merged"),
        (other, dup, "into a merged ticket"),
    ] {
        let (s, e) = patch(id, into).await;
        assert_eq!(s, 400, "{why}: {e}");
        assert!(e["merged_to"].is_array(), "{why}: {e}");
    }
    let (_, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{target}/"), None).await;
    assert_eq!(
        t["merged_to"],
        Value::Null,
        "the refused loop changed the target"
    );

    // Both tickets say so, each naming the other.
    let texts = |id: i64| {
        let app = &app;
        async move {
            query_strings(
                app,
                &format!(
                    "select coalesce(title, '') || ' ' || coalesce(comment, '') from followups \
                     where ticket = {id}"
                ),
            )
            .await
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
        }
    };
    assert!(
        texts(dup).await.contains(&format!("#{target}")),
        "{}",
        texts(dup).await
    );
    assert!(
        texts(target).await.contains(&format!("#{dup}")),
        "{}",
        texts(target).await
    );
    let cc = query_strings(
        &app,
        &format!("select email from ticket_cc where ticket = {target}"),
    )
    .await;
    assert_eq!(cc, vec![Some("bob@example.com".to_owned())]);

    // The web app's merge action: the same refusals, the same 400.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let resp = app
        .client
        .post(app.url("/sfn/ticket_action"))
        .header("origin", app.base.clone())
        .form(&[
            ("id", other.to_string()),
            ("action", "merge".to_owned()),
            ("target", other.to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("merged_to"));

    let html = app.page(&format!("/tickets/{dup}")).await;
    assert!(
        html.contains(&format!(r#"href="/tickets/{target}""#)) && html.contains("merged into"),
        "the merged ticket does not point to its target"
    );
}
