//! Issue 6, the authorization matrix: for every route the server serves (REST API, pages,
//! server functions; attachment downloads are an API route) and every kind of caller, the
//! expected status, in one table. The routes come from the binary itself (`helpdesk routes`:
//! the OpenAPI document, Leptos's route list and the server-function registry), so a new
//! route without a row here fails the test.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

/// The kinds of caller, in the order of each row's expectations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    /// No credentials at all.
    Anonymous,
    /// Basic auth with a wrong password; in the browser, whoever tried to sign in so and got no
    /// session.
    WrongPassword,
    /// A deactivated staff user: Basic auth with the right password, or the session cookie
    /// from before the deactivation.
    Inactive,
    /// An active user without staff rights, the submitter of the shared ticket.
    NonStaff,
    Staff,
    Superuser,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::WrongPassword,
    Caller::Inactive,
    Caller::NonStaff,
    Caller::Staff,
    Caller::Superuser,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `/api/...`: Basic auth.
    Api,
    /// A page: GET with the session cookie.
    Page,
    /// A server function: POST with the session cookie and this site's Origin.
    Sfn,
}

/// What `{id}` in a row's path and body stands for. `Fresh*` objects are made for each
/// request, so that a delete by one caller does not change what the next one sees.
#[derive(Clone, Copy, Debug)]
enum Target {
    None,
    Ticket,
    Followup,
    Attachment,
    Queue,
    CustomField,
    User,
    FreshTicket,
    FreshFollowup,
    FreshAttachment,
    FreshQueue,
    FreshCustomField,
    FreshUser,
    Webhook,
    FreshWebhook,
    FreshIgnoredSender,
}

#[derive(Clone, Debug)]
enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, &'static str)>),
    /// Text fields, and one file part under the given field name.
    Multipart(Vec<(&'static str, &'static str)>, &'static str),
}

struct Row {
    method: &'static str,
    path: &'static str,
    kind: Kind,
    target: Target,
    body: Body,
    /// Anonymous, wrong password, inactive, non-staff, staff, superuser.
    expect: [u16; 6],
}

fn row(
    method: &'static str,
    path: &'static str,
    target: Target,
    body: Body,
    expect: [u16; 6],
) -> Row {
    let kind = if path.starts_with("/api/") {
        Kind::Api
    } else if path.starts_with("/sfn/") {
        Kind::Sfn
    } else {
        Kind::Page
    };
    Row {
        method,
        path,
        kind,
        target,
        body,
        expect,
    }
}

fn form(pairs: &[(&'static str, &'static str)]) -> Body {
    Body::Form(pairs.to_vec())
}

/// Staff-only reads and writes.
const STAFF: [u16; 6] = [401, 401, 401, 403, 200, 200];
const STAFF_CREATE: [u16; 6] = [401, 401, 401, 403, 201, 201];
const STAFF_DELETE: [u16; 6] = [401, 401, 401, 403, 204, 204];
const SUPER: [u16; 6] = [401, 401, 401, 403, 403, 200];
const SUPER_CREATE: [u16; 6] = [401, 401, 401, 403, 403, 201];
const SUPER_DELETE: [u16; 6] = [401, 401, 401, 403, 403, 204];
/// Any active, signed-in user.
const ANY_USER: [u16; 6] = [401, 401, 401, 200, 200, 200];
/// Pages: anonymous visitors are sent to sign in (303), non-staff to their tickets (303).
const PAGE_STAFF: [u16; 6] = [303, 303, 303, 303, 200, 200];
const PAGE_SUPER: [u16; 6] = [303, 303, 303, 303, 303, 200];
const PAGE_ANY_USER: [u16; 6] = [303, 303, 303, 200, 200, 200];

// One row a line reads as the table it is.
#[rustfmt::skip]
fn table() -> Vec<Row> {
    use Body::{Json, Multipart, None as NoBody};
    use Target::*;
    vec![
        // --- REST API ----------------------------------------------------------------------
        row("GET", "/api/tickets/", None, NoBody, STAFF),
        row("POST", "/api/tickets/", None, Json(json!({"queue": "{queue}", "title": "New"})), STAFF_CREATE),
        row("GET", "/api/tickets/{id}/", Ticket, NoBody, STAFF),
        row("PUT", "/api/tickets/{id}/", Ticket, Json(json!({"queue": "{queue}", "title": "Put"})), STAFF),
        row("PATCH", "/api/tickets/{id}/", Ticket, Json(json!({"priority": 2})), STAFF),
        row("DELETE", "/api/tickets/{id}/", FreshTicket, NoBody, STAFF_DELETE),
        row("GET", "/api/followups/", None, NoBody, STAFF),
        row("POST", "/api/followups/", None, Json(json!({"ticket": "{ticket}", "comment": "c"})), STAFF_CREATE),
        row("GET", "/api/followups/{id}/", Followup, NoBody, STAFF),
        row("PUT", "/api/followups/{id}/", Followup, Json(json!({"ticket": "{ticket}", "comment": "p"})), STAFF),
        row("PATCH", "/api/followups/{id}/", Followup, Json(json!({"comment": "q"})), STAFF),
        row("DELETE", "/api/followups/{id}/", FreshFollowup, NoBody, STAFF_DELETE),
        row("GET", "/api/followups-attachments/", None, NoBody, STAFF),
        row("POST", "/api/followups-attachments/", None, Multipart(vec![("followup", "{followup}")], "file"), STAFF_CREATE),
        row("GET", "/api/followups-attachments/{id}/", Attachment, NoBody, STAFF),
        row("DELETE", "/api/followups-attachments/{id}/", FreshAttachment, NoBody, STAFF_DELETE),
        row("GET", "/api/followups-attachments/{id}/download/", Attachment, NoBody, STAFF),
        row("GET", "/api/queues/", None, NoBody, STAFF),
        row("POST", "/api/queues/", None, Json(json!({"title": "Q", "slug": "q-{n}"})), SUPER_CREATE),
        row("GET", "/api/queues/{id}/", Queue, NoBody, STAFF),
        row("PUT", "/api/queues/{id}/", Queue, Json(json!({"title": "Desk", "slug": "desk"})), SUPER),
        row("PATCH", "/api/queues/{id}/", Queue, Json(json!({"title": "Desk"})), SUPER),
        row("DELETE", "/api/queues/{id}/", FreshQueue, NoBody, SUPER_DELETE),
        row("GET", "/api/custom_fields/", None, NoBody, STAFF),
        row("POST", "/api/custom_fields/", None, Json(json!({"name": "f{n}", "label": "F", "data_type": "varchar"})), SUPER_CREATE),
        row("GET", "/api/custom_fields/{id}/", CustomField, NoBody, STAFF),
        row("PUT", "/api/custom_fields/{id}/", CustomField, Json(json!({"name": "asset", "label": "Asset", "data_type": "varchar"})), SUPER),
        row("PATCH", "/api/custom_fields/{id}/", CustomField, Json(json!({"label": "Asset"})), SUPER),
        row("DELETE", "/api/custom_fields/{id}/", FreshCustomField, NoBody, SUPER_DELETE),
        // Staff may create plain users; only superusers create staff (service tests cover it).
        row("POST", "/api/users/", None, Json(json!({"username": "u{n}", "password": USER_PASSWORD})), STAFF_CREATE),
        row("GET", "/api/user_tickets/", None, NoBody, ANY_USER),
        row("GET", "/api/changes/", None, NoBody, STAFF),
        // Webhooks: superusers only. 192.0.2.1 (TEST-NET-1) is a public address that needs no DNS.
        row("GET", "/api/webhooks/", None, NoBody, SUPER),
        row("POST", "/api/webhooks/", None, Json(json!({"url": "http://192.0.2.1/h{n}", "events": ["*"]})), SUPER_CREATE),
        row("GET", "/api/webhooks/{id}/", Webhook, NoBody, SUPER),
        row("PUT", "/api/webhooks/{id}/", Webhook, Json(json!({"url": "http://192.0.2.1/hook", "events": ["ticket.created"]})), SUPER),
        row("PATCH", "/api/webhooks/{id}/", Webhook, Json(json!({"description": "d"})), SUPER),
        row("DELETE", "/api/webhooks/{id}/", FreshWebhook, NoBody, SUPER_DELETE),
        row("POST", "/api/webhooks/{id}/rotate-secret/", Webhook, NoBody, SUPER),
        row("GET", "/api/webhooks/{id}/deliveries/", Webhook, NoBody, SUPER),
        row("POST", "/api/webhooks/{id}/deliveries/{delivery}/redeliver/", Webhook, NoBody, SUPER_CREATE),
        // The mail-in ignore list: superusers only.
        row("GET", "/api/mail-ignore/", None, NoBody, SUPER),
        row("POST", "/api/mail-ignore/", None, Json(json!({"pattern": "a{n}@ignore.example.com"})), SUPER_CREATE),
        row("GET", "/api/mail-ignore/{id}/", FreshIgnoredSender, NoBody, SUPER),
        row("DELETE", "/api/mail-ignore/{id}/", FreshIgnoredSender, NoBody, SUPER_DELETE),
        // The API's contract is public: it describes endpoints, it holds no data.
        row("GET", "/api/openapi.json", None, NoBody, [200; 6]),
        // --- Pages ---------------------------------------------------------------------------
        row("GET", "/login", None, NoBody, [200; 6]),
        row("GET", "/", None, NoBody, PAGE_STAFF),
        row("GET", "/my-tickets", None, NoBody, PAGE_ANY_USER),
        row("GET", "/settings/password", None, NoBody, PAGE_ANY_USER),
        row("GET", "/tickets", None, NoBody, PAGE_STAFF),
        row("GET", "/tickets/new", None, NoBody, PAGE_STAFF),
        // The non-staff caller submitted this ticket: they may read it.
        row("GET", "/tickets/{id}", Ticket, NoBody, PAGE_ANY_USER),
        row("GET", "/tickets/{id}/edit", Ticket, NoBody, PAGE_STAFF),
        row("GET", "/tickets/{id}/delete", Ticket, NoBody, PAGE_STAFF),
        // The public portal (issue 15): the form is for anyone; a ticket only with its key.
        row("GET", "/submit", None, NoBody, [200; 6]),
        row("GET", "/view/{id}", Ticket, NoBody, [404; 6]),
        row("GET", "/admin/users", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/users/{id}", User, NoBody, PAGE_SUPER),
        row("GET", "/admin/queues", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/webhooks", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/webhooks/{id}", Webhook, NoBody, PAGE_SUPER),
        row("GET", "/admin/mail-ignore", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/outbox", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/queues/{id}", Queue, NoBody, PAGE_SUPER),
        row("GET", "/admin/custom-fields", None, NoBody, PAGE_SUPER),
        row("GET", "/admin/custom-fields/{id}", CustomField, NoBody, PAGE_SUPER),
        // --- Server functions ----------------------------------------------------------------
        // Signing in with the caller's own credentials (no session sent along).
        row("POST", "/sfn/login", None, form(&[("username", "{username}"), ("password", "{password}")]), [401, 401, 401, 200, 200, 200]),
        // Signing out works for anyone, signed in or not (on a session of its own).
        row("POST", "/sfn/logout", None, NoBody, [200; 6]),
        row("POST", "/sfn/current_user", None, NoBody, [200; 6]),
        // A wrong old password: 400 once signed in, which shows the call got that far.
        row("POST", "/sfn/change_password", None, form(&[("old_password", "wrong"), ("new_password", "x-new-pass-1"), ("confirm", "x-new-pass-1")]), [401, 401, 401, 400, 400, 400]),
        // Every signed-in user has a time zone setting of their own (issue 11).
        row("POST", "/sfn/time_zone_settings", None, NoBody, ANY_USER),
        row("POST", "/sfn/set_time_zone", None, form(&[("time_zone", "Europe/Berlin")]), ANY_USER),
        row("POST", "/sfn/email_notifications", None, NoBody, ANY_USER),
        row("POST", "/sfn/set_email_notifications", None, form(&[("enabled", "true")]), ANY_USER),
        row("POST", "/sfn/mail_status", None, NoBody, ANY_USER),
        row("POST", "/sfn/mail_outbox", None, form(&[("status", ""), ("page", "1")]), SUPER),
        row("POST", "/sfn/list_tickets", None, form(&[("query[q]", "")]), STAFF),
        row("POST", "/sfn/ticket_choices", None, NoBody, STAFF),
        row("POST", "/sfn/ticket_counts", None, NoBody, STAFF),
        row("POST", "/sfn/get_ticket", Ticket, form(&[("id", "{id}")]), STAFF),
        row("POST", "/sfn/create_ticket", None, Multipart(vec![("f[queue]", "{queue}"), ("f[title]", "New")], "attachments"), STAFF),
        // A failed form's typed values, from the caller's own session only: nothing to guard.
        row("POST", "/sfn/form_draft", None, form(&[("path", "/sfn/create_ticket")]), [200; 6]),
        row("POST", "/sfn/update_ticket", Ticket, form(&[("id", "{id}"), ("f[queue]", "{queue}"), ("f[title]", "Edited")]), STAFF),
        row("POST", "/sfn/ticket_action", Ticket, form(&[("id", "{id}"), ("action", "hold")]), STAFF),
        row("POST", "/sfn/delete_ticket", FreshTicket, form(&[("id", "{id}")]), STAFF),
        row("POST", "/sfn/reply_ticket", Ticket, Multipart(vec![("ticket", "{id}"), ("comment", "Reply")], "attachments"), STAFF),
        row("POST", "/sfn/bulk_tickets", Ticket, form(&[("sel[{id}]", "on"), ("action", "status:1")]), STAFF),
        row("POST", "/sfn/list_own_tickets", None, NoBody, ANY_USER),
        // The shared ticket's submitter is the non-staff caller; staff are not its submitter.
        row("POST", "/sfn/get_own_ticket", Ticket, form(&[("id", "{id}")]), [401, 401, 401, 200, 404, 404]),
        row("POST", "/sfn/comment_own_ticket", Ticket, form(&[("id", "{id}"), ("comment", "Mine")]), [401, 401, 401, 200, 404, 404]),
        // The portal's server functions are open; the shared queue takes no public tickets,
        // and without the ticket's key its ticket is not found, whoever asks.
        row("POST", "/sfn/portal_choices", None, NoBody, [200; 6]),
        row("POST", "/sfn/portal_submit", None, Multipart(vec![("queue", "{queue}"), ("title", "New"), ("description", "D"), ("email", "x@example.com")], "attachments"), [400; 6]),
        row("POST", "/sfn/portal_ticket", Ticket, form(&[("id", "{id}"), ("key", "wrong")]), [404; 6]),
        row("POST", "/sfn/portal_reply", Ticket, Multipart(vec![("ticket", "{id}"), ("key", "wrong"), ("comment", "Mine")], "attachments"), [404; 6]),
        row("POST", "/sfn/portal_status", Ticket, form(&[("id", "{id}"), ("key", "wrong"), ("action", "close")]), [404; 6]),
        row("POST", "/sfn/list_users", None, NoBody, SUPER),
        row("POST", "/sfn/get_user", User, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/create_user", None, form(&[("username", "w{n}"), ("email", ""), ("first_name", ""), ("last_name", ""), ("password", USER_PASSWORD)]), STAFF),
        row("POST", "/sfn/update_user", FreshUser, form(&[("id", "{id}"), ("email", "x@example.com"), ("first_name", "X"), ("last_name", "Y"), ("is_active", "on")]), SUPER),
        row("POST", "/sfn/set_user_password", FreshUser, form(&[("id", "{id}"), ("password", "another-pass-1")]), SUPER),
        row("POST", "/sfn/list_queues", None, NoBody, STAFF),
        row("POST", "/sfn/list_webhooks", None, NoBody, SUPER),
        row("POST", "/sfn/get_webhook", Webhook, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/create_webhook", None, form(&[("f[url]", "http://192.0.2.1/s{n}"), ("f[events]", "*")]), SUPER),
        row("POST", "/sfn/update_webhook", Webhook, form(&[("id", "{id}"), ("f[description]", "d")]), SUPER),
        row("POST", "/sfn/delete_webhook", FreshWebhook, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/rotate_webhook_secret", Webhook, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/list_webhook_deliveries", Webhook, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/redeliver_webhook", Webhook, form(&[("id", "{id}"), ("delivery", "{delivery}")]), SUPER),
        row("POST", "/sfn/list_mail_ignore", None, NoBody, SUPER),
        row("POST", "/sfn/add_mail_ignore", None, form(&[("pattern", "s{n}@ignore.example.com"), ("note", "")]), SUPER),
        row("POST", "/sfn/delete_mail_ignore", FreshIgnoredSender, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/get_queue", Queue, form(&[("id", "{id}")]), STAFF),
        row("POST", "/sfn/create_queue", None, form(&[("f[title]", "Q"), ("f[slug]", "s{n}")]), SUPER),
        row("POST", "/sfn/update_queue", Queue, form(&[("id", "{id}"), ("f[title]", "Desk"), ("f[slug]", "desk")]), SUPER),
        row("POST", "/sfn/delete_queue", FreshQueue, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/get_queue_mailbox", Queue, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/save_queue_mailbox", Queue, form(&[("id", "{id}"), ("f[host]", "imap.example.invalid"), ("f[port]", "993"), ("f[security]", "tls"), ("f[username]", "u"), ("f[password]", "p")]), SUPER),
        row("POST", "/sfn/remove_queue_mailbox", Queue, form(&[("id", "{id}")]), SUPER),
        row("POST", "/sfn/list_custom_fields", None, NoBody, STAFF),
        row("POST", "/sfn/get_custom_field", CustomField, form(&[("id", "{id}")]), STAFF),
        row("POST", "/sfn/create_custom_field", None, form(&[("f[name]", "g{n}"), ("f[label]", "G"), ("f[data_type]", "varchar")]), SUPER),
        row("POST", "/sfn/update_custom_field", CustomField, form(&[("id", "{id}"), ("f[name]", "asset"), ("f[label]", "Asset"), ("f[data_type]", "varchar")]), SUPER),
        row("POST", "/sfn/delete_custom_field", FreshCustomField, form(&[("id", "{id}")]), SUPER),
    ]
}

/// The shared objects, the callers' credentials and their session cookies.
struct World {
    queue: i64,
    ticket: i64,
    followup: i64,
    attachment: i64,
    custom_field: i64,
    user: i64,
    webhook: i64,
    /// A delivery of `webhook` (of the shared ticket's creation).
    delivery: i64,
    cookies: BTreeMap<Caller, String>,
    bare: reqwest::Client,
    n: std::sync::atomic::AtomicU64,
}

fn credentials(caller: Caller) -> Option<(&'static str, &'static str)> {
    match caller {
        Caller::Anonymous => None,
        Caller::WrongPassword => Some(("staff", "wrong-password")),
        Caller::Inactive => Some(("inactive", USER_PASSWORD)),
        Caller::NonStaff => Some(("customer", USER_PASSWORD)),
        Caller::Staff => Some(("staff", USER_PASSWORD)),
        Caller::Superuser => Some((ADMIN, ADMIN_PASSWORD)),
    }
}

/// Signs in without a cookie jar; answers the session cookie, if one was set.
async fn session_for(app: &TestApp, client: &reqwest::Client, caller: Caller) -> Option<String> {
    let (user, password) = credentials(caller)?;
    let resp = post_login(app, client, user, password).await;
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("helpdesk_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

async fn created_id(app: &TestApp, path: &str, body: Value) -> i64 {
    let (s, b) = admin_json(app, Method::POST, path, Some(body)).await;
    assert_eq!(s, 201, "{path}: {b}");
    b["id"].as_i64().unwrap()
}

async fn followup_with_file(app: &TestApp, ticket: i64) -> (i64, i64) {
    let form = Form::new()
        .text("ticket", ticket.to_string())
        .text("comment", "with a file")
        .part(
            "attachments",
            Part::bytes(b"abc".to_vec()).file_name("a.txt"),
        );
    let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(s, 201, "{f}");
    (
        f["id"].as_i64().unwrap(),
        f["followupattachment_set"][0]["id"].as_i64().unwrap(),
    )
}

async fn world(app: &TestApp) -> World {
    // Before the shared ticket, so that its creation has a delivery.
    let webhook = created_id(
        app,
        "/api/webhooks/",
        json!({"url": "http://192.0.2.1/hook", "events": ["ticket.created"]}),
    )
    .await;
    let queue = make_queue(app, "desk").await;
    let ticket = make_ticket(
        app,
        json!({"queue": queue, "title": "Shared", "submitter_email": "customer@example.com"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (followup, attachment) = followup_with_file(app, ticket).await;
    let (s, page) = admin_json(
        app,
        Method::GET,
        &format!("/api/webhooks/{webhook}/deliveries/"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    let delivery = page["results"][0]["id"].as_i64().expect("a delivery");
    let custom_field = created_id(
        app,
        "/api/custom_fields/",
        json!({"name": "asset", "label": "Asset", "data_type": "varchar"}),
    )
    .await;
    make_user(app, "staff", true).await;
    make_user(app, "customer", false).await;
    make_user(app, "inactive", true).await;
    let user = make_user(app, "someone", false).await;
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies = BTreeMap::new();
    for caller in CALLERS {
        if let Some(c) = session_for(app, &bare, caller).await {
            cookies.insert(caller, c);
        }
    }
    assert!(
        !cookies.contains_key(&Caller::WrongPassword),
        "a wrong password must give no session"
    );
    // Deactivated after signing in: the cookie still exists, the user no longer counts.
    assert!(cookies.contains_key(&Caller::Inactive));
    let pool = connect(&app.db_url()).await;
    sqlx::query("update users set is_active = 0 where username = 'inactive'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    World {
        queue,
        ticket,
        followup,
        attachment,
        custom_field,
        user,
        webhook,
        delivery,
        cookies,
        bare,
        n: Default::default(),
    }
}

async fn target_id(app: &TestApp, w: &World, target: Target) -> Option<i64> {
    let n = w.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Some(match target {
        Target::None => return None,
        Target::Ticket => w.ticket,
        Target::Followup => w.followup,
        Target::Attachment => w.attachment,
        Target::Queue => w.queue,
        Target::CustomField => w.custom_field,
        Target::User => w.user,
        Target::FreshTicket => make_ticket(app, json!({"queue": w.queue, "title": "Doomed"})).await
            ["id"]
            .as_i64()
            .unwrap(),
        Target::FreshFollowup => {
            created_id(
                app,
                "/api/followups/",
                json!({"ticket": w.ticket, "comment": "doomed"}),
            )
            .await
        }
        Target::FreshAttachment => followup_with_file(app, w.ticket).await.1,
        Target::FreshQueue => {
            created_id(
                app,
                "/api/queues/",
                json!({"title": "Doomed", "slug": format!("doomed-{n}")}),
            )
            .await
        }
        Target::FreshCustomField => {
            created_id(
                app,
                "/api/custom_fields/",
                json!({"name": format!("doomed{n}"), "label": "Doomed", "data_type": "varchar"}),
            )
            .await
        }
        Target::FreshUser => make_user(app, &format!("target{n}"), false).await,
        Target::Webhook => w.webhook,
        Target::FreshWebhook => {
            created_id(
                app,
                "/api/webhooks/",
                json!({"url": "http://192.0.2.1/doomed", "events": ["*"]}),
            )
            .await
        }
        Target::FreshIgnoredSender => {
            created_id(
                app,
                "/api/mail-ignore/",
                json!({"pattern": format!("doomed{n}@ignore.example.com")}),
            )
            .await
        }
    })
}

/// Fills `{id}`, `{queue}`, `{ticket}`, `{followup}`, `{n}`, `{username}`, `{password}`.
fn fill(text: &str, w: &World, id: Option<i64>, caller: Caller, n: u64) -> String {
    let (user, password) = credentials(caller).unwrap_or(("", ""));
    text.replace("{id}", &id.map(|i| i.to_string()).unwrap_or_default())
        .replace("{queue}", &w.queue.to_string())
        .replace("{ticket}", &w.ticket.to_string())
        .replace("{followup}", &w.followup.to_string())
        .replace("{delivery}", &w.delivery.to_string())
        .replace("{n}", &n.to_string())
        .replace("{username}", user)
        .replace("{password}", password)
}

fn fill_json(v: &Value, w: &World, id: Option<i64>, caller: Caller, n: u64) -> Value {
    match v {
        Value::String(s) => {
            let filled = fill(s, w, id, caller, n);
            // "{queue}" stands for a number.
            match filled.parse::<i64>() {
                Ok(i) if s.starts_with('{') => json!(i),
                _ => json!(filled),
            }
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, w, id, caller, n)))
                .collect(),
        ),
        other => other.clone(),
    }
}

async fn call(app: &TestApp, w: &World, r: &Row, caller: Caller) -> u16 {
    let id = target_id(app, w, r.target).await;
    let n = w.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = fill(r.path, w, id, caller, n);
    let method = Method::from_bytes(r.method.as_bytes()).unwrap();
    let mut req = w.bare.request(method, app.url(&path));
    match r.kind {
        Kind::Api => {
            if let Some((user, password)) = credentials(caller) {
                req = req.basic_auth(user, Some(password));
            }
        }
        Kind::Page | Kind::Sfn => {
            let cookie = if r.path == "/sfn/logout" {
                // Its own session, so that the caller's stays for the other rows.
                session_for(app, &w.bare, caller).await
            } else if r.path == "/sfn/login" {
                None
            } else {
                w.cookies.get(&caller).cloned()
            };
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            req = match r.kind {
                Kind::Sfn => req.header("origin", app.base.clone()),
                // As a browser asks for a page.
                _ => req.header("accept", "text/html"),
            };
        }
    }
    req = match &r.body {
        Body::None => req,
        Body::Json(v) => req.json(&fill_json(v, w, id, caller, n)),
        Body::Form(pairs) => {
            let filled: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (fill(k, w, id, caller, n), fill(v, w, id, caller, n)))
                .collect();
            req.form(&filled)
        }
        Body::Multipart(fields, file_field) => {
            let mut form = Form::new();
            for (k, v) in fields {
                form = form.text(*k, fill(v, w, id, caller, n));
            }
            form = form.part(
                *file_field,
                Part::bytes(b"file".to_vec()).file_name("f.txt"),
            );
            req.multipart(form)
        }
    };
    req.send().await.unwrap().status().as_u16()
}

/// `helpdesk routes`: every (method, path) the server serves.
fn served_routes() -> BTreeSet<(String, String)> {
    let out = std::process::Command::new(bin())
        .arg("routes")
        .output()
        .expect("run helpdesk routes");
    assert!(out.status.success(), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pair = |v: &Value| {
        (
            v[0].as_str().unwrap().to_owned(),
            v[1].as_str().unwrap().to_owned(),
        )
    };
    let mut all = BTreeSet::new();
    for v in doc["api"].as_array().unwrap() {
        all.insert(pair(v));
    }
    for v in doc["server_fns"].as_array().unwrap() {
        all.insert(pair(v));
    }
    for p in doc["pages"].as_array().unwrap() {
        all.insert(("GET".to_owned(), p.as_str().unwrap().to_owned()));
    }
    all
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_the_table_says() {
    let rows = table();
    // Every route the server serves has exactly one row, and every row is a served route.
    let served = served_routes();
    let mut keys = BTreeSet::new();
    for r in &rows {
        assert!(
            keys.insert((r.method.to_owned(), r.path.to_owned())),
            "two rows for {} {}",
            r.method,
            r.path
        );
    }
    let missing: Vec<_> = served.difference(&keys).collect();
    let unknown: Vec<_> = keys.difference(&served).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "routes without a row: {missing:?}; rows for no route: {unknown:?}"
    );

    // Hundreds of bad credentials from one address: the throttle (tested on its own) is off.
    let app = spawn_app_with(&[("HELPDESK_LOGIN_MAX_FAILURES", "0")]).await;
    let w = world(&app).await;
    let mut wrong = Vec::new();
    for r in &rows {
        for (caller, expected) in CALLERS.iter().zip(r.expect) {
            let got = call(&app, &w, r, *caller).await;
            if got != expected {
                wrong.push(format!(
                    "{} {} as {caller:?}: expected {expected}, got {got}",
                    r.method, r.path
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
