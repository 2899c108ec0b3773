//! Issue 13, several servers: two `helpdesk serve` processes on one PostgreSQL database, as
//! behind a load balancer that is not sticky. Whatever one server writes, the other shows at
//! once (no stale cache); a session, an attachment and the sign-in throttle's counts are
//! shared through the database. Each server has a media folder of its own, so an attachment
//! can only cross over through the database (`HELPDESK_ATTACHMENT_STORE=database`).
//! Sessions need no shared secret: the cookie holds a random id of a row in `tower_sessions`.
//! Runs only on PostgreSQL (`HELPDESK_TEST_PG`); SQLite is one process by design.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::load::Store;

/// Two servers on one fresh database, each with its own (empty) media folder.
struct Pair {
    a: TestApp,
    b: TestApp,
    _media: [tempfile::TempDir; 2],
    _store: Store,
}

fn two_servers() -> Option<Pair> {
    if !on_pg() {
        eprintln!(
            "skipped: two servers share one database only on PostgreSQL \
             (set HELPDESK_TEST_PG, see scripts/pg.sh)"
        );
        return None;
    }
    let store = Store::new();
    let media = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let serve = |m: &tempfile::TempDir| {
        store.serve_with(&[
            ("HELPDESK_MEDIA_ROOT", m.path().to_str().unwrap()),
            ("HELPDESK_ATTACHMENT_STORE", "database"),
        ])
    };
    let (a, b) = (serve(&media[0]), serve(&media[1]));
    Some(Pair {
        a,
        b,
        _media: media,
        _store: store,
    })
}

async fn get_ticket(app: &TestApp, id: i64) -> (u16, Value) {
    admin_json(app, Method::GET, &format!("/api/tickets/{id}/"), None).await
}

/// The titles the list finds for `q` through `app`.
async fn titles_found(app: &TestApp, q: &str) -> Vec<String> {
    let (status, page) = admin_json(app, Method::GET, &format!("/api/tickets/?q={q}"), None).await;
    assert_eq!(status, 200, "{page}");
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_ticket_written_through_one_server_is_read_at_once_through_the_other() {
    // Bound whole: the store (its database) and media folders live until the test ends.
    let Some(pair) = two_servers() else {
        return;
    };
    let (a, b) = (&pair.a, &pair.b);
    let queue = make_queue(a, "desk").await;
    // Both servers read before the writes, so that any cache they keep is warm.
    assert_eq!(titles_found(a, "printer").await, Vec::<String>::new());
    assert_eq!(titles_found(b, "printer").await, Vec::<String>::new());

    let t = make_ticket(a, json!({"queue": queue, "title": "printer jams"})).await;
    let id = t["id"].as_i64().unwrap();
    let (status, seen) = get_ticket(b, id).await;
    assert_eq!(
        (status, seen["title"].clone()),
        (200, json!("printer jams"))
    );
    assert_eq!(titles_found(b, "printer").await, ["printer jams"]);

    // Changed through one, the other shows the change at once; both ways.
    let (status, body) = admin_json(
        a,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(json!({"title": "printer fixed", "priority": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = get_ticket(b, id).await;
    assert_eq!(
        (seen["title"].clone(), seen["priority"].clone()),
        (json!("printer fixed"), json!(1))
    );
    assert_eq!(titles_found(b, "printer").await, ["printer fixed"]);
    let (status, body) = admin_json(
        b,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(json!({"status": 3})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = get_ticket(a, id).await;
    assert_eq!(seen["status"], json!(3));

    // Deleted through one, gone from the other.
    let (status, _) = admin_json(a, Method::DELETE, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(status, 204);
    assert_eq!(get_ticket(b, id).await.0, 404);
    assert_eq!(titles_found(b, "printer").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_session_made_on_one_server_works_on_the_other() {
    // Bound whole: the store (its database) and media folders live until the test ends.
    let Some(pair) = two_servers() else {
        return;
    };
    let (a, b) = (&pair.a, &pair.b);
    // No cookie store: the cookie is carried by hand, so it is only sent where we say.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(a, &plain, ADMIN, ADMIN_PASSWORD).await;
    assert!(resp.status().is_success(), "sign-in: {}", resp.status());
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("helpdesk_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a session cookie");
    for (name, app) in [("a", a), ("b", b)] {
        let list = |cookie: Option<&str>| {
            let req = plain.get(app.url("/api/tickets/"));
            match cookie {
                Some(c) => req.header("cookie", c),
                None => req,
            }
        };
        assert_eq!(list(None).send().await.unwrap().status(), 401, "{name}");
        let resp = list(Some(&cookie)).send().await.unwrap();
        assert_eq!(
            resp.status(),
            200,
            "server {name} does not know the session"
        );
    }
    // Signed out on b: the session is gone on a too.
    let resp = plain
        .post(b.url("/sfn/logout"))
        .header("origin", b.base.clone())
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success() || resp.status().is_redirection(),
        "sign-out: {}",
        resp.status()
    );
    let resp = plain
        .get(a.url("/api/tickets/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401, "the ended session still works on a");
}

#[tokio::test]
async fn an_attachment_uploaded_through_one_server_downloads_through_the_other() {
    // Bound whole: the store (its database) and media folders live until the test ends.
    let Some(pair) = two_servers() else {
        return;
    };
    let (a, b) = (&pair.a, &pair.b);
    let queue = make_queue(a, "desk").await;
    let t = make_ticket(a, json!({"queue": queue, "title": "Logs"})).await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let form = Form::new()
        .text("ticket", t["id"].to_string())
        .text("comment", "the log")
        .part(
            "attachments",
            Part::bytes(bytes.clone())
                .file_name("server.log")
                .mime_str("text/plain")
                .unwrap(),
        );
    let (status, f) = send(a.admin(Method::POST, "/api/followups/").multipart(form)).await;
    assert_eq!(status, 201, "{f}");
    let id = f["followupattachment_set"][0]["id"].as_i64().unwrap();
    let path = format!("/api/followups-attachments/{id}/download/");
    for (name, app) in [("b", b), ("a", a)] {
        let resp = app.admin(Method::GET, &path).send().await.unwrap();
        assert_eq!(resp.status(), 200, "download through {name}");
        assert_eq!(
            resp.bytes().await.unwrap(),
            bytes,
            "download through {name}"
        );
    }
    // Deleted through b: gone through a.
    let (status, _) = admin_json(
        b,
        Method::DELETE,
        &format!("/api/followups-attachments/{id}/"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let resp = a.admin(Method::GET, &path).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

/// Posts the sign-in form to `app` from the client address `local` (any 127.x address reaches
/// the server), so that no single address gets locked on its own.
async fn sign_in_from(app: &TestApp, local: &str, username: &str, password: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .local_address(Some(local.parse().unwrap()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = post_login(app, &client, username, password).await;
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test]
async fn ten_failed_sign_ins_spread_over_both_servers_lock_the_username() {
    // Bound whole: the store (its database) and media folders live until the test ends.
    let Some(pair) = two_servers() else {
        return;
    };
    let (a, b) = (&pair.a, &pair.b);
    make_user(a, "agent", true).await;
    // Ten wrong passwords, alternating between the servers and from ten addresses: no server
    // and no address sees more than five of them.
    for i in 0..10 {
        let app = if i % 2 == 0 { a } else { b };
        let (status, body) =
            sign_in_from(app, &format!("127.0.0.{}", i + 10), "agent", "guess").await;
        assert_eq!(status, 401, "guess {}: {body}", i + 1);
    }
    // The username is now locked for wrong passwords, on both servers, from a new address.
    for (name, app, local) in [("a", a, "127.0.0.40"), ("b", b, "127.0.0.41")] {
        let (status, body) = sign_in_from(app, local, "agent", "another-guess").await;
        assert_eq!(status, 429, "server {name}: {body}");
        assert!(
            body.contains("Too many failed sign-in attempts"),
            "server {name}: {body}"
        );
    }
}
