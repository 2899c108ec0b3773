//! Issue 14.3, the change feed `GET /api/changes/`: its status codes, paging with `next` and
//! `has_more`, every write path of the API and of the web app recording its event (with the
//! object exactly as the API shows it), a reader polling while 32 writers write, cursors that
//! survive a restart, and 410 Gone for a cursor older than the retention.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

async fn feed(app: &TestApp, query: &str) -> (u16, Value) {
    send(app.admin(Method::GET, &format!("/api/changes/{query}"))).await
}

/// Every event after `after` (from the oldest without it), following `next` in pages of
/// `limit`; and the last `next`.
async fn read_all(app: &TestApp, after: Option<&str>, limit: u32) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    let mut query = match after {
        Some(c) => format!("?after={c}&limit={limit}"),
        None => format!("?limit={limit}"),
    };
    loop {
        let (status, page) = feed(app, &query).await;
        assert_eq!(status, 200, "{page}");
        let results = page["results"].as_array().unwrap();
        assert!(results.len() <= limit as usize);
        events.extend(results.iter().cloned());
        let next = page["next"].as_str().unwrap().to_owned();
        if !page["has_more"].as_bool().unwrap() {
            return (events, next);
        }
        assert_eq!(results.len(), limit as usize, "has_more on a short page");
        query = format!("?after={next}&limit={limit}");
    }
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

fn file(name: &str) -> Part {
    Part::bytes(b"some bytes".to_vec())
        .file_name(name.to_owned())
        .mime_str("text/plain")
        .unwrap()
}

#[tokio::test]
async fn the_change_feed_is_for_staff_and_names_a_bad_limit_or_cursor() {
    let app = spawn_app().await;
    make_user(&app, "customer", false).await;
    let anonymous = send(app.client.get(app.url("/api/changes/"))).await;
    assert_eq!(anonymous.0, 401, "{}", anonymous.1);
    let customer = send(app.as_user(Method::GET, "/api/changes/", "customer", USER_PASSWORD)).await;
    assert_eq!(customer.0, 403, "{}", customer.1);
    let (status, page) = feed(&app, "").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["results"], json!([]));
    assert_eq!(page["has_more"], false);
    assert!(page["next"].is_string(), "{page}");
    for limit in ["0", "1001", "-1", "ten", "2.5"] {
        let (status, body) = feed(&app, &format!("?limit={limit}")).await;
        assert_eq!(status, 400, "limit={limit}: {body}");
        assert!(body["limit"][0].is_string(), "limit={limit}: {body}");
    }
    for limit in ["1", "1000"] {
        assert_eq!(feed(&app, &format!("?limit={limit}")).await.0, 200);
    }
    for cursor in ["42", "not-a-cursor", "%00", "djE6LTE"] {
        let (status, body) = feed(&app, &format!("?after={cursor}")).await;
        assert_eq!(status, 400, "after={cursor}: {body}");
        assert!(body["after"][0].is_string(), "after={cursor}: {body}");
    }
    // A well-formed cursor past anything this database has written is from another history.
    let future = base64_url("v1:999999");
    let (status, body) = feed(&app, &format!("?after={future}")).await;
    assert_eq!(status, 410, "{body}");
    // The trailing slash is optional, as everywhere in the API.
    assert_eq!(send(app.admin(Method::GET, "/api/changes")).await.0, 200);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn paging_follows_next_and_a_stored_cursor_gets_exactly_the_later_events() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    for i in 0..5 {
        make_ticket(&app, json!({"queue": queue, "title": format!("T{i}")})).await;
    }
    let (paged, next) = read_all(&app, None, 3).await;
    let (whole, same_next) = read_all(&app, None, 1000).await;
    assert_eq!(
        paged.len(),
        10,
        "a ticket.created and a followup.created each"
    );
    assert_eq!(paged, whole);
    assert_eq!(next, same_next);
    let order = ids(&whole);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let first = &whole[0];
    assert_eq!(first["type"], "ticket.created");
    assert_eq!(first["data"]["title"], "T0");
    assert_eq!(first["ticket"], first["data"]["id"]);
    assert!(first["actor"].is_i64(), "{first}");
    let at = first["at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() >= 20, "{at}");
    assert_eq!(whole[1]["type"], "followup.created");
    assert_eq!(whole[1]["data"]["title"], "Ticket Opened");

    // Nothing new: no events, and the same cursor back.
    let (status, page) = feed(&app, &format!("?after={next}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (page["results"].clone(), page["has_more"].clone()),
        (json!([]), json!(false))
    );
    assert_eq!(page["next"], next.as_str());
    // A consumer that kept `next` gets exactly what came after it.
    make_ticket(&app, json!({"queue": queue, "title": "Later"})).await;
    let (later, _) = read_all(&app, Some(&next), 100).await;
    let types: Vec<&str> = later.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ticket.created", "followup.created"]);
    assert_eq!(later[0]["data"]["title"], "Later");
    assert!(later[0]["id"].as_i64() > whole.last().unwrap()["id"].as_i64());
}

/// Walks the write paths, checking after each the events it added.
struct Walk<'a> {
    app: &'a TestApp,
    next: String,
}

impl Walk<'_> {
    /// The events since the last step: their types must be `expected`, each by `actor`, and
    /// each created or updated object's `data` must be the API's view of it right after.
    async fn step(&mut self, label: &str, actor: i64, expected: &[&str]) -> Vec<Value> {
        let (events, next) = read_all(self.app, Some(&self.next), 100).await;
        self.next = next;
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, expected, "{label}: {events:#?}");
        for e in &events {
            let kind = e["type"].as_str().unwrap();
            assert_eq!(e["actor"], actor, "{label}: {e}");
            let data = &e["data"];
            let id = data["id"].as_i64().unwrap();
            let (resource, action) = kind.split_once('.').unwrap();
            if action == "deleted" {
                let keys: Vec<&String> = data.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["id", "title"], "{label}: {e}");
                // A followup may have no title.
                let titled = data["title"].is_string() || resource == "followup";
                assert!(titled && !data["title"].is_object(), "{label}: {e}");
                continue;
            }
            let path = match resource {
                "ticket" => format!("/api/tickets/{id}/"),
                "followup" => format!("/api/followups/{id}/"),
                _ => format!("/api/followups-attachments/{id}/"),
            };
            let (status, now) = admin_json(self.app, Method::GET, &path, None).await;
            assert_eq!(status, 200, "{label}: {path}");
            assert_eq!(data, &now, "{label}: {kind} differs from GET {path}");
            let ticket = match resource {
                "ticket" => id,
                "followup" => now["ticket"].as_i64().unwrap(),
                _ => {
                    let f = now["followup"].as_i64().unwrap();
                    admin_json(self.app, Method::GET, &format!("/api/followups/{f}/"), None)
                        .await
                        .1["ticket"]
                        .as_i64()
                        .unwrap()
                }
            };
            assert_eq!(e["ticket"], ticket, "{label}: {e}");
        }
        events
    }
}

async fn sfn(app: &TestApp, client: &reqwest::Client, path: &str, form: &[(&str, String)]) {
    let resp = client
        .post(app.url(path))
        .header("origin", app.base.clone())
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
}

async fn sfn_multipart(app: &TestApp, path: &str, form: Form) -> reqwest::Response {
    let resp = app
        .client
        .post(app.url(path))
        .header("origin", app.base.clone())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp
}

async fn newest_ticket(app: &TestApp) -> i64 {
    query_strings(app, "select cast(max(id) as text) from tickets").await[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn every_write_path_of_the_api_and_the_web_app_records_its_event() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let customer = make_user(&app, "customer", false).await;
    let admin: i64 = query_strings(
        &app,
        "select cast(id as text) from users where username = 'admin'",
    )
    .await[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let mut walk = Walk {
        app: &app,
        next: feed(&app, "").await.1["next"].as_str().unwrap().to_owned(),
    };

    // --- The REST API ---------------------------------------------------------------------
    let form = Form::new()
        .text("queue", queue.to_string())
        .text("title", "Printer")
        .part("attachment", file("log.txt"));
    let (s, t) = send(app.admin(Method::POST, "/api/tickets/").multipart(form)).await;
    assert_eq!(s, 201, "{t}");
    let ticket = t["id"].as_i64().unwrap();
    let created = &["ticket.created", "followup.created", "attachment.created"];
    walk.step("POST /api/tickets/", admin, created).await;

    let path = format!("/api/tickets/{ticket}/");
    let (s, _) = admin_json(&app, Method::PATCH, &path, Some(json!({"priority": 1}))).await;
    assert_eq!(s, 200);
    let updated = &["ticket.updated", "followup.created"];
    let events = walk.step("PATCH ticket", admin, updated).await;
    assert_eq!(events[0]["changes"], json!({"priority": ["3", "1"]}));
    assert!(events[1].get("changes").is_none(), "{}", events[1]);
    let body = json!({"queue": queue, "title": "Printer jams"});
    assert_eq!(
        admin_json(&app, Method::PUT, &path, Some(body)).await.0,
        200
    );
    let events = walk.step("PUT ticket", admin, updated).await;
    assert_eq!(
        events[0]["changes"]["title"],
        json!(["Printer", "Printer jams"])
    );
    // No change, no event.
    let body = json!({"title": "Printer jams"});
    assert_eq!(
        admin_json(&app, Method::PATCH, &path, Some(body)).await.0,
        200
    );
    walk.step("PATCH without a change", admin, &[]).await;

    let form = Form::new()
        .text("ticket", ticket.to_string())
        .text("comment", "Fixed")
        .text("new_status", "3")
        .part("attachments", file("fix.txt"));
    let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(s, 201, "{f}");
    let followup = f["id"].as_i64().unwrap();
    let events = walk
        .step(
            "POST /api/followups/ changing the status, with a file",
            admin,
            &["followup.created", "attachment.created", "ticket.updated"],
        )
        .await;
    assert_eq!(events[2]["changes"], json!({"status": ["1", "3"]}));

    let fpath = format!("/api/followups/{followup}/");
    let body = json!({"comment": "Fixed for good"});
    assert_eq!(
        admin_json(&app, Method::PATCH, &fpath, Some(body)).await.0,
        200
    );
    walk.step("PATCH followup", admin, &["followup.updated"])
        .await;
    let body = json!({"ticket": ticket, "comment": "Replaced"});
    assert_eq!(
        admin_json(&app, Method::PUT, &fpath, Some(body)).await.0,
        200
    );
    walk.step("PUT followup", admin, &["followup.updated"])
        .await;

    let form = Form::new()
        .text("followup", followup.to_string())
        .part("file", file("more.txt"));
    let (s, a) = send(
        app.admin(Method::POST, "/api/followups-attachments/")
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201, "{a}");
    walk.step("POST attachment", admin, &["attachment.created"])
        .await;
    let apath = format!("/api/followups-attachments/{}/", a["id"]);
    assert_eq!(admin_json(&app, Method::DELETE, &apath, None).await.0, 204);
    let events = walk
        .step("DELETE attachment", admin, &["attachment.deleted"])
        .await;
    assert_eq!(
        events[0]["data"],
        json!({"id": a["id"], "title": "more.txt"})
    );
    assert_eq!(admin_json(&app, Method::DELETE, &fpath, None).await.0, 204);
    let events = walk
        .step("DELETE followup", admin, &["followup.deleted"])
        .await;
    assert_eq!(events[0]["ticket"], ticket);

    let other = make_ticket(&app, json!({"queue": queue, "title": "Same printer"})).await["id"]
        .as_i64()
        .unwrap();
    walk.step(
        "POST ticket",
        admin,
        &["ticket.created", "followup.created"],
    )
    .await;
    let body = json!({"merged_to": ticket});
    let opath = format!("/api/tickets/{other}/");
    assert_eq!(
        admin_json(&app, Method::PATCH, &opath, Some(body)).await.0,
        200
    );
    let merged = &["ticket.updated", "followup.created", "followup.created"];
    let events = walk.step("merge", admin, merged).await;
    assert_eq!(events[0]["ticket"], other);
    assert_eq!(events[2]["ticket"], ticket, "the target's followup");
    assert_eq!(admin_json(&app, Method::DELETE, &opath, None).await.0, 204);
    let events = walk.step("DELETE ticket", admin, &["ticket.deleted"]).await;
    assert_eq!(
        events[0]["data"],
        json!({"id": other, "title": "Same printer"})
    );

    // --- The web app (server functions) -----------------------------------------------------
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let form = Form::new()
        .text("f[queue]", queue.to_string())
        .text("f[title]", "Web ticket")
        .text("f[submitter_email]", "customer@example.com")
        .part("attachments", file("web.txt"));
    sfn_multipart(&app, "/sfn/create_ticket", form).await;
    let web = newest_ticket(&app).await;
    walk.step("create_ticket", admin, created).await;
    let form = [
        ("id", web.to_string()),
        ("f[queue]", queue.to_string()),
        ("f[title]", "Web ticket, edited".to_owned()),
    ];
    sfn(&app, &app.client, "/sfn/update_ticket", &form).await;
    walk.step("update_ticket", admin, updated).await;
    let form = [("id", web.to_string()), ("action", "hold".to_owned())];
    sfn(&app, &app.client, "/sfn/ticket_action", &form).await;
    let events = walk.step("ticket_action hold", admin, updated).await;
    assert_eq!(events[0]["changes"], json!({"on_hold": ["false", "true"]}));
    let form = Form::new()
        .text("ticket", web.to_string())
        .text("comment", "Web reply")
        .part("attachments", file("reply.txt"));
    sfn_multipart(&app, "/sfn/reply_ticket", form).await;
    let reply = &["followup.created", "attachment.created"];
    walk.step("reply_ticket", admin, reply).await;
    let form = [
        (format!("sel[{web}]"), "on".to_owned()),
        ("action".to_owned(), "status:4".to_owned()),
    ];
    let form: Vec<(&str, String)> = form.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    sfn(&app, &app.client, "/sfn/bulk_tickets", &form).await;
    walk.step("bulk_tickets status", admin, updated).await;

    // The submitter's comment on the closed ticket reopens it.
    let theirs = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let resp = post_login(&app, &theirs, "customer", USER_PASSWORD).await;
    assert!(resp.status().is_success());
    let form = [
        ("id", web.to_string()),
        ("comment", "Still broken".to_owned()),
    ];
    sfn(&app, &theirs, "/sfn/comment_own_ticket", &form).await;
    let events = walk
        .step(
            "comment_own_ticket",
            customer,
            &["followup.created", "ticket.updated"],
        )
        .await;
    assert_eq!(events[1]["changes"], json!({"status": ["4", "2"]}));

    let form = [
        (format!("sel[{web}]"), "on".to_owned()),
        ("action".to_owned(), "delete".to_owned()),
        ("confirm".to_owned(), "on".to_owned()),
    ];
    let form: Vec<(&str, String)> = form.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    sfn(&app, &app.client, "/sfn/bulk_tickets", &form).await;
    walk.step("bulk_tickets delete", admin, &["ticket.deleted"])
        .await;
    sfn(
        &app,
        &app.client,
        "/sfn/delete_ticket",
        &[("id", ticket.to_string())],
    )
    .await;
    walk.step("delete_ticket", admin, &["ticket.deleted"]).await;
}

const WRITERS: usize = 32;
const WRITES_EACH: usize = 6;

/// One writer: tickets, changes to the shared ticket and followups on it. Answers how many
/// events its acknowledged writes made, and the tickets it created.
async fn writer(base: String, queue: i64, shared: i64, w: usize) -> (usize, Vec<i64>) {
    let client = reqwest::Client::new();
    let (mut events, mut created) = (0, Vec::new());
    for n in 0..WRITES_EACH {
        let (method, path, body, made) = match (w + n) % 3 {
            0 => (
                Method::POST,
                "/api/tickets/".to_owned(),
                json!({"queue": queue, "title": format!("w{w}-{n}")}),
                2,
            ),
            1 => (
                Method::PATCH,
                format!("/api/tickets/{shared}/"),
                json!({"title": format!("w{w}-{n}")}),
                2,
            ),
            _ => (
                Method::POST,
                "/api/followups/".to_owned(),
                json!({"ticket": shared, "comment": format!("w{w}-{n}")}),
                1,
            ),
        };
        let resp = client
            .request(method.clone(), format!("{base}{path}"))
            .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let answer: Value = resp.json().await.unwrap();
        assert!(status == 200 || status == 201, "{status} {answer}");
        events += made;
        if path == "/api/tickets/" {
            created.push(answer["id"].as_i64().unwrap());
        }
    }
    (events, created)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_polling_while_32_writers_write_gets_every_event_once_in_commit_order() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    let shared = make_ticket(&app, json!({"queue": queue, "title": "Shared"})).await["id"]
        .as_i64()
        .unwrap();
    let (before, start) = read_all(&app, None, 100).await;
    let done = Arc::new(AtomicBool::new(false));
    let writers = {
        let done = done.clone();
        let base = app.base.clone();
        tokio::spawn(async move {
            let tasks: Vec<_> = (0..WRITERS)
                .map(|w| tokio::spawn(writer(base.clone(), queue, shared, w)))
                .collect();
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            done.store(true, Ordering::SeqCst);
            results
        })
    };
    // The reader: small pages, as fast as it can, until the writers are done and it has
    // caught up with a read started after that.
    let mut collected: Vec<Value> = Vec::new();
    let mut next = start;
    let mut polls = 0;
    loop {
        let finished = done.load(Ordering::SeqCst);
        let (status, page) = feed(&app, &format!("?after={next}&limit=7")).await;
        assert_eq!(status, 200, "{page}");
        polls += 1;
        collected.extend(page["results"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().unwrap().to_owned();
        if finished && !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let results = writers.await.unwrap();
    let expected: usize = results.iter().map(|r| r.0).sum();
    let (all, _) = read_all(&app, None, 1000).await;
    let after: Vec<Value> = all[before.len()..].to_vec();
    assert_eq!(
        after.len(),
        expected,
        "every acknowledged write has its events"
    );
    assert_eq!(
        ids(&collected),
        ids(&after),
        "the reader missed or repeated events"
    );
    assert_eq!(collected, after);
    let order = ids(&collected);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "not in commit order");
    assert_eq!(order.iter().collect::<HashSet<_>>().len(), order.len());
    // Each created ticket is in the feed once.
    let created: HashSet<i64> = results.iter().flat_map(|r| r.1.iter().copied()).collect();
    let announced: HashSet<i64> = collected
        .iter()
        .filter(|e| e["type"] == "ticket.created")
        .map(|e| e["ticket"].as_i64().unwrap())
        .collect();
    assert_eq!(created, announced);
    assert!(
        polls > 2,
        "the reader should have read while the writers wrote"
    );
}

/// Stops `app` and starts the server again on the same folder (database and media).
fn restart(app: &mut TestApp, envs: &[(&str, &str)]) -> TestApp {
    app.terminate();
    let dir = std::mem::replace(&mut app.dir, tempfile::tempdir().unwrap());
    spawn_in(dir, envs)
}

#[tokio::test]
async fn cursors_survive_a_restart_and_one_older_than_the_retention_gets_410() {
    let mut app = spawn_app().await;
    let queue = make_queue(&app, "desk").await;
    make_ticket(&app, json!({"queue": queue, "title": "One"})).await;
    make_ticket(&app, json!({"queue": queue, "title": "Two"})).await;
    let (status, first) = feed(&app, "?limit=1").await;
    assert_eq!(status, 200);
    let old = first["next"].as_str().unwrap().to_owned();
    let (events, newest) = read_all(&app, None, 100).await;
    assert_eq!(events.len(), 4);

    let mut app = restart(&mut app, &[]);
    let (after_restart, _) = read_all(&app, Some(&old), 100).await;
    assert_eq!(after_restart, events[1..], "a cursor survives a restart");

    // Retention 0 days: the start-up purge deletes every event committed before it.
    let app = restart(&mut app, &[("HELPDESK_CHANGES_RETENTION_DAYS", "0")]);
    let (status, body) = feed(&app, &format!("?after={old}")).await;
    assert_eq!(status, 410, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("resync from the list endpoints"),
        "{detail}"
    );
    // The newest cursor lost nothing: it still works, and so does starting afresh.
    let (status, page) = feed(&app, &format!("?after={newest}")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["results"], json!([]));
    let (status, page) = feed(&app, "").await;
    assert_eq!((status, page["results"].clone()), (200, json!([])));
    assert_eq!(page["next"], newest.as_str());
    make_ticket(&app, json!({"queue": queue, "title": "Three"})).await;
    let (later, _) = read_all(&app, Some(&newest), 100).await;
    assert_eq!(later.len(), 2);
    assert_eq!(later[0]["data"]["title"], "Three");
    assert_eq!(count(&app, "events").await, 2);
}
