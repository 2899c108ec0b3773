//! The web app's forms and pages over plain HTTP, as a browser without JavaScript uses them:
//! multipart create with files, typed values kept after a failed post, sortable columns, and
//! the friendly error pages.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

/// A plain form post as a browser sends it: Origin and Referer of the form's page, and an
/// Accept that asks for HTML (so a failure comes back as a redirect to the form).
fn form_post(app: &TestApp, path: &str, from_page: &str) -> reqwest::RequestBuilder {
    app.client
        .post(app.url(path))
        .header("origin", app.base.clone())
        .header("referer", app.url(from_page))
        .header("accept", "text/html,application/xhtml+xml")
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn page(app: &TestApp, path_or_url: &str) -> (u16, String) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_owned()
    } else {
        app.url(path_or_url)
    };
    let resp = app.client.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

crate::each_store!(the_create_form_posted_without_javascript_opens_the_ticket_with_its_files);
async fn the_create_form_posted_without_javascript_opens_the_ticket_with_its_files(
    store: AttachmentStore,
) {
    let app = spawn_app_storing(store).await;
    let queue = make_queue(&app, "web").await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let form = reqwest::multipart::Form::new()
        .text("bools", "")
        .text("f[queue]", queue.to_string())
        .text("f[title]", "Scanner jams")
        .text("f[submitter_email]", "ann@example.com")
        .text("f[priority]", "2")
        .part(
            "attachments",
            reqwest::multipart::Part::bytes(b"jam log".to_vec())
                .file_name("jam.log")
                .mime_str("text/plain")
                .unwrap(),
        );
    let resp = form_post(&app, "/sfn/create_ticket", "/tickets/new")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let to = location(&resp);
    let id: i64 = to
        .strip_prefix("/tickets/")
        .and_then(|r| r.strip_suffix("?created=1"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("redirected to {to}"));
    let (status, body) = page(&app, &to).await;
    assert_eq!(status, 200);
    assert!(body.contains("Ticket created."), "no success message");
    assert!(
        body.contains("jam.log"),
        "the attachment is not on the ticket page"
    );

    let (status, t) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(status, 200);
    assert_eq!(t["title"], "Scanner jams");
    assert_eq!(t["priority"], 2);
    let files = &t["followup_set"][0]["followupattachment_set"];
    assert_eq!(files[0]["filename"], "jam.log", "{t}");
    assert_eq!(files[0]["size"], 7);
    assert_eq!(stored_files(&app, store).await, 1);
    // The ticket page's link downloads it with the browser's session.
    let link = format!("/api/followups-attachments/{}/download", files[0]["id"]);
    assert!(body.contains(&link), "no download link {link}");
    let resp = app.client.get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(&resp.bytes().await.unwrap()[..], b"jam log");
}

#[tokio::test]
async fn a_failed_create_without_javascript_keeps_what_was_typed_once() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "web").await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let form = reqwest::multipart::Form::new()
        .text("bools", "")
        .text("f[queue]", queue.to_string())
        .text("f[title]", "Printer <b>on</b> fire")
        .text("f[description]", "Smoke from tray 2")
        .text("f[submitter_email]", "not-an-email")
        .text("f[priority]", "1")
        .part(
            "attachments",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("smoke.txt"),
        );
    let resp = form_post(&app, "/sfn/create_ticket", "/tickets/new")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let back = location(&resp);
    assert!(
        back.contains("/tickets/new") && back.contains("__err="),
        "{back}"
    );
    assert_eq!(
        count(&app, "tickets").await,
        0,
        "a failed create wrote a ticket"
    );

    let (status, body) = page(&app, &back).await;
    assert_eq!(status, 200);
    // The error stands next to the field, and every typed value is back in its input
    // (escaped: the title's markup is text).
    assert!(
        body.contains(r#"id="submitter_email-error""#),
        "no field error"
    );
    assert!(
        body.contains("Enter a valid email address."),
        "no reason given"
    );
    assert!(
        body.contains(r#"value="Printer &lt;b&gt;on&lt;/b&gt; fire""#),
        "title lost"
    );
    assert!(
        body.contains(">Smoke from tray 2</textarea>"),
        "description lost"
    );
    assert!(body.contains(r#"value="not-an-email""#), "email lost");
    assert!(
        body.contains(&format!(r#"<option value="{queue}" selected"#)),
        "queue choice lost"
    );
    assert!(
        body.contains("Please choose the files again"),
        "files not mentioned"
    );

    // The draft is for that one view: the form opens empty the next time.
    let (_, again) = page(&app, &back).await;
    assert!(!again.contains("Printer"), "the draft was shown twice");
}

#[tokio::test]
async fn a_failed_edit_without_javascript_keeps_what_was_typed() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "web").await;
    let t = make_ticket(&app, json!({"queue": queue, "title": "Old title"})).await;
    let id = t["id"].as_i64().unwrap();
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let edit_page = format!("/tickets/{id}/edit");
    let resp = form_post(&app, "/sfn/update_ticket", &edit_page)
        .form(&[
            ("id", id.to_string()),
            ("bools", "on_hold".to_owned()),
            ("f[queue]", queue.to_string()),
            ("f[title]", "New title typed".to_owned()),
            ("f[submitter_email]", "still@bad".to_owned()),
            ("f[priority]", "3".to_owned()),
            ("f[status]", "1".to_owned()),
            ("f[on_hold]", "on".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let back = location(&resp);
    assert!(
        back.contains(&edit_page) && back.contains("__err="),
        "{back}"
    );
    let (status, body) = page(&app, &back).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(r#"value="New title typed""#),
        "typed title lost"
    );
    assert!(body.contains(r#"value="still@bad""#), "typed email lost");
    assert!(
        body.contains(r#"name="f[on_hold]" checked"#),
        "ticked box lost"
    );
    let (_, stored) = admin_json(&app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(
        stored["title"], "Old title",
        "a failed edit changed the ticket"
    );
}

#[tokio::test]
async fn the_list_sorts_by_title_queue_and_status_both_ways() {
    let app = spawn_app().await;
    let q_b = make_queue(&app, "bq").await;
    let q_a = make_queue(&app, "aq").await;
    for (title, queue, status) in [("banana", q_a, 3), ("Apple", q_b, 1), ("cherry", q_a, 4)] {
        let t = make_ticket(&app, json!({"queue": queue, "title": title})).await;
        let (s, body) = admin_json(
            &app,
            Method::PATCH,
            &format!("/api/tickets/{}/", t["id"]),
            Some(json!({"status": status})),
        )
        .await;
        assert_eq!(s, 200, "{body}");
    }
    let titles = |ordering: &'static str| {
        let app = &app;
        async move {
            let (s, body) = admin_json(
                app,
                Method::GET,
                &format!("/api/tickets/?ordering={ordering}"),
                None,
            )
            .await;
            assert_eq!(s, 200, "{body}");
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["title"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(titles("title").await, ["Apple", "banana", "cherry"]);
    assert_eq!(titles("-title").await, ["cherry", "banana", "Apple"]);
    assert_eq!(titles("status").await, ["Apple", "banana", "cherry"]);
    assert_eq!(titles("-status").await, ["cherry", "banana", "Apple"]);
    // Queue order is the queues' creation order, then ticket id.
    assert_eq!(titles("queue").await, ["Apple", "banana", "cherry"]);
    assert_eq!(titles("-queue").await, ["cherry", "banana", "Apple"]);

    // The page's columns link to the same orders, and the rows follow them.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let (status, body) = page(&app, "/tickets?ordering=-title").await;
    assert_eq!(status, 200);
    let at = |needle: &str| {
        body.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    assert!(at(">cherry<") < at(">banana<") && at(">banana<") < at(">Apple<"));
    assert!(
        body.contains(r#"href="/tickets?ordering=title""#),
        "no link to flip the order"
    );
    for key in ["queue", "status"] {
        assert!(
            body.contains(&format!(r#"href="/tickets?ordering={key}""#)),
            "{key} is not sortable"
        );
    }
}

#[tokio::test]
async fn a_missing_ticket_is_a_404_page_that_says_so() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    for path in ["/tickets/999999", "/tickets/999999/edit", "/tickets/abc"] {
        let (status, body) = page(&app, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("There is no such ticket."), "{path}");
        assert!(body.contains(r#"href="/""#), "{path}: no way back");
    }
}

#[tokio::test]
async fn an_internal_failure_is_a_friendly_500_page_that_leaks_nothing() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "web").await;
    let t = make_ticket(&app, json!({"queue": queue, "title": "Fine so far"})).await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    // Break the database under the running server: the ticket page reads this table.
    let pool = connect(&app.db_url()).await;
    sqlx::query("drop table ticket_changes")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let (status, body) = page(&app, &format!("/tickets/{}", t["id"])).await;
    assert_eq!(status, 500);
    assert!(body.contains("Something went wrong on our side."), "{body}");
    for leak in [
        "ticket_changes",
        "no such table",
        "does not exist",
        "sqlx",
        "SQLITE",
    ] {
        assert!(!body.contains(leak), "the page shows {leak:?}");
    }
    // The cause went to the log instead.
    let logged: Vec<String> = app.log.try_iter().collect();
    // SQLite's words, or PostgreSQL's.
    assert!(
        logged
            .iter()
            .any(|l| l.contains("no such table") || l.contains("does not exist")),
        "the cause was not logged: {logged:?}"
    );
}

/// The hidden inputs of a page: `(name, value)` for each `type="hidden"` input, in order.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = tag[start..].find('"')?;
        Some(unescape(&tag[start..start + len]))
    };
    html.split("<input")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            (attr(tag, "type")? == "hidden")
                .then(|| Some((attr(tag, "name")?, attr(tag, "value")?)))?
        })
        .collect()
}

/// The edit form as the page draws it, with `title` typed over: the fields' original values
/// (`o[...]`) sent back as the fields themselves, as a browser would when nothing else changed.
fn edit_post(hidden: &[(String, String)], title: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in hidden {
        if name != "bools" {
            out.push((name.clone(), value.clone()));
        }
        if let Some(field) = name.strip_prefix("o[").and_then(|n| n.strip_suffix(']')) {
            let v = if field == "title" {
                title.to_owned()
            } else {
                value.clone()
            };
            if field == "on_hold" {
                if v == "true" {
                    out.push(("f[on_hold]".to_owned(), "on".to_owned()));
                }
            } else {
                out.push((format!("f[{field}]"), v));
            }
        }
    }
    out.push(("bools".to_owned(), "on_hold".to_owned()));
    out
}

/// Issue 11.1: agent 1 opens the edit form; agent 2 resolves the ticket; agent 1 changes only
/// the title and saves the stale form. The save does not undo agent 2's work: it is refused
/// with who changed what and when, the typed title is kept, and saving again applies only the
/// title.
#[tokio::test]
async fn a_stale_edit_form_does_not_revert_a_colleagues_change() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "web").await;
    let t = make_ticket(
        &app,
        json!({"queue": queue, "title": "Printer on fire", "priority": 1}),
    )
    .await;
    let id = t["id"].as_i64().unwrap();
    make_user(&app, "agent1", true).await;
    sign_in(&app, "agent1", USER_PASSWORD).await;
    let edit_page = format!("/tickets/{id}/edit");
    let (status, form) = page(&app, &edit_page).await;
    assert_eq!(status, 200);
    let stale = hidden_inputs(&form);
    assert!(
        stale.iter().any(|(n, _)| n == "version"),
        "no version in the form"
    );

    // Agent 2 resolves it meanwhile.
    let path = format!("/api/tickets/{id}/");
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"status": 3, "priority": 5, "resolution": "Replaced the fuser"})),
    )
    .await;
    assert_eq!(s, 200);

    let resp = form_post(&app, "/sfn/update_ticket", &edit_page)
        .form(&edit_post(&stale, "Printer on fire (2nd floor)"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let back = location(&resp);
    let (_, stored) = admin_json(&app, Method::GET, &path, None).await;
    assert_eq!(stored["status"], 3, "the stale form reopened the ticket");
    assert_eq!(stored["priority"], 5);
    assert_eq!(stored["resolution"], "Replaced the fuser");
    assert_eq!(
        stored["title"], "Printer on fire",
        "a refused save changed the title"
    );

    let (status, body) = page(&app, &back).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("This ticket was changed by admin at"),
        "no conflict message: {back}"
    );
    assert!(
        body.contains("Status: Open → Resolved"),
        "the changed fields are not listed"
    );
    assert!(
        body.contains(r#"value="Printer on fire (2nd floor)""#),
        "the typed title was lost"
    );

    // Reviewed, saved again: the title changes and nothing else.
    let fresh = hidden_inputs(&body);
    let resp = form_post(&app, "/sfn/update_ticket", &back)
        .form(&edit_post(&fresh, "Printer on fire (2nd floor)"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    assert!(location(&resp).contains("saved=1"), "{}", location(&resp));
    let (_, stored) = admin_json(&app, Method::GET, &path, None).await;
    assert_eq!(stored["title"], "Printer on fire (2nd floor)");
    assert_eq!(
        (
            &stored["status"],
            &stored["priority"],
            &stored["resolution"]
        ),
        (&json!(3), &json!(5), &json!("Replaced the fuser"))
    );
    let last = stored["followup_set"].as_array().unwrap().last().unwrap()["id"].clone();
    let fields = query_strings(
        &app,
        &format!("select field from ticket_changes where followup = {last}"),
    )
    .await;
    assert_eq!(
        fields,
        vec![Some("title".to_owned())],
        "more than the title was saved"
    );
}
