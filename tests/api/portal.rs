//! Issue 15, the public portal: `/submit` without an account, `/view/{id}?key=SECRET` with
//! only the public followups, replies with files, close and reopen, and the abuse limits
//! (honeypot, per-address rate limits, CSRF). Posts go to the server functions as the pages'
//! plain forms send them (multipart, this site's Origin); without `Accept: text/html` a
//! failure answers its status and the encoded error, which names the field.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

/// A client without cookies or credentials: a customer who never signed in.
fn customer() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A queue that allows public submission; its id.
async fn public_queue(app: &TestApp, slug: &str) -> i64 {
    let q = make_queue(app, slug).await;
    let (s, b) = admin_json(
        app,
        Method::PATCH,
        &format!("/api/queues/{q}/"),
        Some(json!({"allow_public_submission": true})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    q
}

fn form(fields: &[(&str, &str)]) -> Form {
    let mut f = Form::new();
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

fn file(name: &str, bytes: &[u8]) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str("text/plain")
        .unwrap()
}

/// Posts `form` to the server function `name` from this site's page; status and JSON body.
async fn post(app: &TestApp, client: &reqwest::Client, name: &str, form: Form) -> (u16, Value) {
    send(
        client
            .post(app.url(&format!("/sfn/{name}")))
            .header("origin", app.base.clone())
            .multipart(form),
    )
    .await
}

/// A complete, valid submission to queue `q` from `email`.
fn submission(q: i64, email: &str, title: &str) -> Form {
    form(&[
        ("queue", &q.to_string()),
        ("title", title),
        ("description", "It does not print."),
        ("email", email),
        ("homepage", ""),
    ])
}

/// Submits a valid ticket; its id and key, read from the link the server answers.
async fn submit_ok(app: &TestApp, q: i64, email: &str, title: &str) -> (i64, String) {
    let (s, b) = post(
        app,
        &customer(),
        "portal_submit",
        submission(q, email, title),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    link_parts(b.as_str().unwrap())
}

/// `/view/ID?key=KEY&...` -> (ID, KEY).
fn link_parts(link: &str) -> (i64, String) {
    let rest = link.strip_prefix("/view/").expect(link);
    let (id, query) = rest.split_once('?').expect(link);
    let key = query
        .split('&')
        .find_map(|p| p.strip_prefix("key="))
        .expect(link);
    (id.parse().unwrap(), key.to_owned())
}

/// A page as a browser without an account loads it: status and body.
async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let resp = customer()
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn one_string(app: &TestApp, sql: &str) -> String {
    query_strings(app, sql)
        .await
        .into_iter()
        .next()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_customer_submits_without_signing_in_and_follows_the_link() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    make_queue(&app, "private").await;
    // The form lists the public queue only, for anyone.
    let (s, html) = page(&app, "/submit").await;
    assert_eq!(s, 200);
    assert!(html.contains("Queue help"), "{html}");
    assert!(
        !html.contains("Queue private"),
        "a private queue is offered"
    );
    // A plain form post (no JavaScript): the browser is sent to the ticket's link.
    let client = customer();
    let resp = client
        .post(app.url("/sfn/portal_submit"))
        .header("origin", app.base.clone())
        .header("accept", "text/html")
        .header("referer", app.url("/submit"))
        .multipart(
            submission(q, "Pat@Example.com", "Printer on fire")
                .part("attachments", file("log.txt", b"smoke")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let link = resp.headers()["location"].to_str().unwrap().to_owned();
    let (id, key) = link_parts(&link);
    assert_eq!(key.len(), 32, "{link}");
    assert_eq!(
        one_string(
            &app,
            &format!("select submitter_email from tickets where id = {id}")
        )
        .await,
        "Pat@Example.com"
    );
    assert_eq!(
        one_string(
            &app,
            &format!("select secret_key from tickets where id = {id}")
        )
        .await,
        key
    );
    // The success page: the number, the link, the ticket and its file.
    let (s, html) = page(&app, &link).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Your ticket was submitted"), "{html}");
    assert!(html.contains(&format!("#{id} Printer on fire")), "{html}");
    assert!(html.contains(&format!("/view/{id}?key={key}")), "{html}");
    assert!(html.contains("It does not print."), "{html}");
    let att: i64 = one_string(
        &app,
        &format!(
            "select cast(a.id as text) from followup_attachments a join followups f \
             on f.id = a.followup where f.ticket = {id}"
        ),
    )
    .await
    .parse()
    .unwrap();
    let href = format!("/view/{id}/attachments/{att}?key={key}");
    assert!(
        html.contains(&href.replace('&', "&amp;")) || html.contains(&href),
        "{html}"
    );
    let resp = customer().get(app.url(&href)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-disposition"].to_str().unwrap(),
        "attachment; filename*=UTF-8''log.txt"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"smoke");
    // The staff see the ticket with its submitter; nobody signed in to open it.
    let (s, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["submitter_email"], "Pat@Example.com");
    assert_eq!(t["queue"], q);
    assert_eq!(t["status"], 1);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let private = make_queue(&app, "private").await;
    let tickets = count(&app, "tickets").await;
    let (qs, ps) = (q.to_string(), private.to_string());
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("queue", &ps),
                ("title", "T"),
                ("description", "D"),
                ("email", "a@example.com"),
            ],
            "queue",
        ),
        (
            vec![
                ("queue", "999"),
                ("title", "T"),
                ("description", "D"),
                ("email", "a@example.com"),
            ],
            "queue",
        ),
        (
            vec![
                ("queue", ""),
                ("title", "T"),
                ("description", "D"),
                ("email", "a@example.com"),
            ],
            "queue",
        ),
        (
            vec![
                ("queue", &qs),
                ("title", ""),
                ("description", "D"),
                ("email", "a@example.com"),
            ],
            "title",
        ),
        (
            vec![
                ("queue", &qs),
                ("title", "T"),
                ("description", "  "),
                ("email", "a@example.com"),
            ],
            "description",
        ),
        (
            vec![
                ("queue", &qs),
                ("title", "T"),
                ("description", "D"),
                ("email", ""),
            ],
            "email",
        ),
        (
            vec![
                ("queue", &qs),
                ("title", "T"),
                ("description", "D"),
                ("email", "not-an-address"),
            ],
            "email",
        ),
    ];
    for (fields, field) in cases {
        let (s, b) = post(&app, &customer(), "portal_submit", form(&fields)).await;
        assert_eq!(s, 400, "{fields:?}: {b}");
        assert!(
            b["Validation"][field].is_array(),
            "{fields:?}: expected an error on {field}: {b}"
        );
    }
    // Every bad field at once.
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        form(&[
            ("queue", &ps),
            ("title", ""),
            ("description", ""),
            ("email", "x"),
        ]),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    for field in ["queue", "title", "description", "email"] {
        assert!(b["Validation"][field].is_array(), "{field}: {b}");
    }
    assert_eq!(count(&app, "tickets").await, tickets, "nothing was written");
}

#[tokio::test]
async fn without_javascript_a_failed_submit_comes_back_with_the_error_and_what_was_typed() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let client = customer();
    let resp = client
        .post(app.url("/sfn/portal_submit"))
        .header("origin", app.base.clone())
        .header("accept", "text/html")
        .header("referer", app.url("/submit"))
        .multipart(form(&[
            ("queue", &q.to_string()),
            ("title", "Kept title"),
            ("description", "Kept description"),
            ("email", "nobody"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let back = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&app.url("/submit?")) || back.starts_with("/submit?"),
        "{back}"
    );
    let back = back.trim_start_matches(&app.base).to_owned();
    let html = client
        .get(app.url(&back))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Enter a valid email address."), "{html}");
    assert!(html.contains("id=\"email-error\""), "{html}");
    assert!(html.contains("Kept title"), "{html}");
    assert!(html.contains("Kept description"), "{html}");
}

#[tokio::test]
async fn staff_only_custom_fields_are_neither_shown_nor_accepted() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    for body in [
        json!({"name": "order_no", "label": "Order number", "data_type": "varchar"}),
        json!({"name": "internal_note", "label": "Internal note", "data_type": "varchar", "staff_only": true}),
        json!({"name": "seats", "label": "Seats", "data_type": "integer"}),
    ] {
        let (s, b) = admin_json(&app, Method::POST, "/api/custom_fields/", Some(body)).await;
        assert_eq!(s, 201, "{b}");
    }
    let (_, html) = page(&app, "/submit").await;
    assert!(html.contains("Order number"), "{html}");
    assert!(html.contains("f[custom_seats]"), "{html}");
    assert!(
        !html.contains("Internal note"),
        "a staff-only field is shown: {html}"
    );
    assert!(!html.contains("custom_internal_note"), "{html}");
    // A public field's bad value is named; nothing is written.
    let tickets = count(&app, "tickets").await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        submission(q, "c@example.com", "T").text("f[custom_seats]", "many"),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["Validation"]["custom_seats"].is_array(), "{b}");
    assert_eq!(count(&app, "tickets").await, tickets);
    // A staff-only value sent anyway is dropped; the public ones are kept.
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        submission(q, "c@example.com", "T")
            .text("f[custom_order_no]", "A-17")
            .text("f[custom_internal_note]", "VIP, skip the queue")
            .text("f[custom_seats]", "3"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (id, key) = link_parts(b.as_str().unwrap());
    let (_, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(t["custom_order_no"], "A-17", "{t}");
    assert_eq!(t["custom_seats"], 3, "{t}");
    assert_eq!(t["custom_internal_note"], Value::Null, "{t}");
    // The customer's page shows no custom field at all, staff-only ones least.
    let (_, html) = page(&app, &format!("/view/{id}?key={key}")).await;
    assert!(!html.contains("VIP"), "{html}");
}

#[tokio::test]
async fn too_many_tickets_from_one_email_address_within_an_hour_get_429() {
    let app = spawn_app_with(&[
        ("HELPDESK_PORTAL_TICKETS_PER_EMAIL", "2"),
        ("HELPDESK_PORTAL_TICKETS_PER_ADDRESS", "0"),
    ])
    .await;
    let q = public_queue(&app, "help").await;
    submit_ok(&app, q, "busy@example.com", "One").await;
    submit_ok(&app, q, "busy@example.com", "Two").await;
    let tickets = count(&app, "tickets").await;
    // The same mailbox in other letters counts too.
    let resp = customer()
        .post(app.url("/sfn/portal_submit"))
        .header("origin", app.base.clone())
        .multipart(submission(q, "BUSY@example.com", "Three"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 3600, "{wait}");
    assert_eq!(count(&app, "tickets").await, tickets, "nothing was written");
    // Another address is not held back.
    submit_ok(&app, q, "calm@example.com", "Other").await;
}

#[tokio::test]
async fn too_many_tickets_from_one_client_address_within_an_hour_get_429() {
    let app = spawn_app_with(&[
        ("HELPDESK_PORTAL_TICKETS_PER_EMAIL", "0"),
        ("HELPDESK_PORTAL_TICKETS_PER_ADDRESS", "2"),
    ])
    .await;
    let q = public_queue(&app, "help").await;
    submit_ok(&app, q, "a@example.com", "One").await;
    submit_ok(&app, q, "b@example.com", "Two").await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        submission(q, "c@example.com", "Three"),
    )
    .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(count(&app, "tickets").await, 2);
}

#[tokio::test]
async fn a_filled_honeypot_is_refused_with_400_and_writes_nothing() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        form(&[
            ("queue", &q.to_string()),
            ("title", "Cheap pills"),
            ("description", "Buy now"),
            ("email", "bot@example.com"),
            ("homepage", "http://spam.example"),
        ]),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    // The answer does not name the trap.
    assert!(!b.to_string().contains("homepage"), "{b}");
    assert_eq!(count(&app, "tickets").await, 0);
}

#[tokio::test]
async fn the_link_shows_only_public_followups_and_their_files() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (id, key) = submit_ok(&app, q, "pat@example.com", "Printer").await;
    let mut files = Vec::new();
    for (public, text, name) in [
        (true, "Public answer: try turning it off", "public.txt"),
        (
            false,
            "Internal secret: the customer is rude",
            "internal.txt",
        ),
    ] {
        let form = form(&[
            ("ticket", &id.to_string()),
            ("comment", text),
            ("public", if public { "true" } else { "false" }),
        ])
        .part("attachments", file(name, name.as_bytes()));
        let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
        assert_eq!(s, 201, "{f}");
        files.push(f["followupattachment_set"][0]["id"].as_i64().unwrap());
    }
    let (s, html) = page(&app, &format!("/view/{id}?key={key}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Public answer"), "{html}");
    assert!(!html.contains("Internal secret"), "{html}");
    assert!(html.contains("public.txt"), "{html}");
    assert!(!html.contains("internal.txt"), "{html}");
    // The server function the page reads from says the same.
    let (s, t) = send(
        customer()
            .post(app.url("/sfn/portal_ticket"))
            .header("origin", app.base.clone())
            .form(&[("id", id.to_string()), ("key", key.clone())]),
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert!(!t.to_string().contains("Internal secret"), "{t}");
    let dl = |att: i64, key: &str| {
        customer()
            .get(app.url(&format!("/view/{id}/attachments/{att}?key={key}")))
            .send()
    };
    assert_eq!(dl(files[0], &key).await.unwrap().status(), 200);
    assert_eq!(
        dl(files[1], &key).await.unwrap().status(),
        404,
        "an internal file"
    );
    assert_eq!(
        dl(files[0], "0000").await.unwrap().status(),
        404,
        "a wrong key"
    );
    // Another ticket's key does not open this ticket's files.
    let (_, other_key) = submit_ok(&app, q, "sam@example.com", "Other").await;
    assert_eq!(dl(files[0], &other_key).await.unwrap().status(), 404);
}

/// The body without this response's nonce (on scripts and preloads), which differs on every
/// answer.
fn without_nonces(html: &str) -> String {
    let nonce = html
        .split("nonce=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    if nonce.is_empty() {
        html.to_owned()
    } else {
        html.replace(nonce, "NONCE")
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_404_identical_to_a_missing_ticket() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (id, key) = submit_ok(&app, q, "pat@example.com", "Secret title").await;
    let (_, other_key) = submit_ok(&app, q, "sam@example.com", "Other").await;
    let mut wrong_key = key.clone();
    wrong_key.replace_range(0..1, if key.starts_with('a') { "b" } else { "a" });
    let (s, missing) = page(&app, &format!("/view/{}?key={key}", id + 1000)).await;
    assert_eq!(s, 404);
    let missing = without_nonces(&missing);
    assert!(!missing.contains("Secret title"));
    for path in [
        format!("/view/{id}?key={wrong_key}"),
        format!("/view/{id}?key={other_key}"),
        format!("/view/{id}?key="),
        format!("/view/{id}"),
        format!("/view/{id}?key={}", &key[..31]),
        format!("/view/{id}?key={key}x"),
        "/view/abc?key=x".to_owned(),
    ] {
        let (s, html) = page(&app, &path).await;
        assert_eq!(s, 404, "{path}");
        assert_eq!(without_nonces(&html), missing, "{path}");
    }
    // The server functions answer a wrong key as an unknown ticket, and change nothing.
    let followups = count(&app, "followups").await;
    let id_s = id.to_string();
    for f in [
        form(&[("ticket", &id_s), ("key", &wrong_key), ("comment", "Hi")]),
        form(&[("ticket", "999999"), ("key", &key), ("comment", "Hi")]),
        form(&[("ticket", &id_s), ("comment", "Hi")]),
    ] {
        let (s, b) = post(&app, &customer(), "portal_reply", f).await;
        assert_eq!(s, 404, "{b}");
    }
    for (i, k) in [(id, wrong_key.as_str()), (id + 1000, key.as_str())] {
        let (s, b) = send(
            customer()
                .post(app.url("/sfn/portal_status"))
                .header("origin", app.base.clone())
                .form(&[
                    ("id", i.to_string()),
                    ("key", k.to_owned()),
                    ("action", "close".into()),
                ]),
        )
        .await;
        assert_eq!(s, 404, "{b}");
        let (s, b) = send(
            customer()
                .post(app.url("/sfn/portal_ticket"))
                .header("origin", app.base.clone())
                .form(&[("id", i.to_string()), ("key", k.to_owned())]),
        )
        .await;
        assert_eq!(s, 404, "{b}");
    }
    assert_eq!(count(&app, "followups").await, followups);
    assert_eq!(
        one_string(
            &app,
            &format!("select cast(status as text) from tickets where id = {id}")
        )
        .await,
        "1"
    );
}

#[tokio::test]
async fn the_submitter_replies_with_an_attachment_and_the_agent_sees_it() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (id, key) = submit_ok(&app, q, "pat@example.com", "Printer").await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_reply",
        form(&[("ticket", &id.to_string()), ("key", &key), ("comment", "")]),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["Validation"]["comment"].is_array(), "{b}");
    let (s, b) = post(
        &app,
        &customer(),
        "portal_reply",
        form(&[
            ("ticket", &id.to_string()),
            ("key", &key),
            ("comment", "Here is the photo"),
        ])
        .part("attachments", file("photo.txt", b"pixels")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    let last = t["followup_set"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["comment"], "Here is the photo", "{t}");
    assert_eq!(last["public"], true, "{t}");
    assert_eq!(
        last["followupattachment_set"][0]["filename"], "photo.txt",
        "{t}"
    );
    let (_, html) = page(&app, &format!("/view/{id}?key={key}")).await;
    assert!(html.contains("Here is the photo"), "{html}");
    assert!(html.contains("photo.txt"), "{html}");
    // The agent's ticket page shows the reply.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let staff_page = app.page(&format!("/tickets/{id}")).await;
    assert!(staff_page.contains("Here is the photo"), "{staff_page}");
}

async fn status_of(app: &TestApp, id: i64) -> String {
    one_string(
        app,
        &format!("select cast(status as text) from tickets where id = {id}"),
    )
    .await
}

#[tokio::test]
async fn the_submitter_closes_and_reopens_and_a_reply_reopens_too() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (id, key) = submit_ok(&app, q, "pat@example.com", "Printer").await;
    let status = |action: &'static str| {
        customer()
            .post(app.url("/sfn/portal_status"))
            .header("origin", app.base.clone())
            .header("accept", "text/html")
            .header("referer", app.url(&format!("/view/{id}?key={key}")))
            .form(&[
                ("id", id.to_string()),
                ("key", key.clone()),
                ("action", action.to_owned()),
            ])
            .send()
    };
    let resp = status("close").await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("/view/{id}?key={key}&closed=1")
    );
    assert_eq!(status_of(&app, id).await, "4");
    let (_, html) = page(&app, &format!("/view/{id}?key={key}&closed=1")).await;
    assert!(html.contains("Ticket closed."), "{html}");
    assert!(html.contains("Reopen ticket"), "{html}");
    let resp = status("reopen").await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(status_of(&app, id).await, "2");
    let (s, b) = send(
        customer()
            .post(app.url("/sfn/portal_status"))
            .header("origin", app.base.clone())
            .form(&[
                ("id", id.to_string()),
                ("key", key.clone()),
                ("action", "delete".into()),
            ]),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["Validation"]["action"].is_array(), "{b}");
    // Closed again, then a reply: the ticket is work again.
    status("close").await.unwrap();
    assert_eq!(status_of(&app, id).await, "4");
    let (s, b) = post(
        &app,
        &customer(),
        "portal_reply",
        form(&[
            ("ticket", &id.to_string()),
            ("key", &key),
            ("comment", "Still broken"),
        ]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(status_of(&app, id).await, "2");
}

#[tokio::test]
async fn html_in_the_title_and_a_reply_is_shown_as_text() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let title = "<script>alert(1)</script></title><meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\">";
    let (id, key) = submit_ok(&app, q, "pat@example.com", title).await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_reply",
        form(&[
            ("ticket", &id.to_string()),
            ("key", &key),
            ("comment", "<img src=x onerror=alert(2)>"),
        ]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (_, html) = page(&app, &format!("/view/{id}?key={key}")).await;
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    // The page's <title> too, here and on the agents' page: no element may end it early.
    assert!(!html.contains("<meta http-equiv"), "{html}");
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let staff_page = app.page(&format!("/tickets/{id}")).await;
    assert!(!staff_page.contains("<meta http-equiv"), "{staff_page}");
    assert!(!staff_page.contains("<script>alert(1)"), "{staff_page}");
    assert!(!staff_page.contains("<img src=x"), "{staff_page}");
}

#[tokio::test]
async fn cross_site_posts_to_the_portal_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let q = public_queue(&app, "help").await;
    let (id, key) = submit_ok(&app, q, "pat@example.com", "Printer").await;
    let tickets = count(&app, "tickets").await;
    let followups = count(&app, "followups").await;
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut req = customer()
            .post(app.url("/sfn/portal_submit"))
            .multipart(submission(q, "x@example.com", "Forged"));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let (s, _) = send(req).await;
        assert_eq!(s, 403, "{origin:?}");
        let mut req = customer()
            .post(app.url("/sfn/portal_reply"))
            .multipart(form(&[
                ("ticket", &id.to_string()),
                ("key", &key),
                ("comment", "Forged"),
            ]));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let (s, _) = send(req).await;
        assert_eq!(s, 403, "{origin:?}");
    }
    assert_eq!(count(&app, "tickets").await, tickets);
    assert_eq!(count(&app, "followups").await, followups);
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_naming_the_field() {
    let app = spawn_app_with(&[("HELPDESK_MAX_FILE_BYTES", "1000")]).await;
    let q = public_queue(&app, "help").await;
    let (s, b) = post(
        &app,
        &customer(),
        "portal_submit",
        submission(q, "pat@example.com", "Big").part("attachments", file("big.txt", &[b'x'; 2000])),
    )
    .await;
    assert_eq!(s, 413, "{b}");
    assert!(b["TooLarge"]["attachments"].is_array(), "{b}");
    assert_eq!(count(&app, "tickets").await, 0);
}
