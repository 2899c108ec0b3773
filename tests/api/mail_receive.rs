//! Issue 15, mail in: the real `helpdesk mail receive` fed the shipped corpus
//! (tests/mail/corpus/*.eml) on standard input, as an MTA pipes mail, against the database of a
//! running server; its exit codes, and what the API, the ticket page and the database then show.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mail/corpus")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `helpdesk mail receive --queue QUEUE` with `raw` on standard input, on the app's database
/// and media folder.
fn receive_with(app: &TestApp, queue: &str, raw: &[u8], envs: &[(&str, &str)]) -> Output {
    receive_on(&app.db_url(), &app.media_root(), queue, raw, envs)
}

fn receive_on(
    db_url: &str,
    media: &Path,
    queue: &str,
    raw: &[u8],
    envs: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(["mail", "receive", "--queue", queue])
        .env("DATABASE_URL", db_url)
        .env("HELPDESK_MEDIA_ROOT", media)
        .env("RUST_LOG", "helpdesk=info,app=info")
        .env_remove("HELPDESK_DEFAULT_FROM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn helpdesk mail receive");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(raw).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn receive(app: &TestApp, queue: &str, raw: &[u8]) -> Output {
    receive_with(app, queue, raw, &[])
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Files `name` and expects exit 0; answers the log.
fn file_ok(app: &TestApp, name: &str) -> String {
    let out = receive(app, "support", &corpus(name));
    assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
    stderr(&out)
}

async fn ticket(app: &TestApp, id: i64) -> Value {
    let (s, t) = admin_json(app, Method::GET, &format!("/api/tickets/{id}/"), None).await;
    assert_eq!(s, 200, "{t}");
    t
}

/// The newest ticket's id (ids only grow).
async fn newest_ticket(app: &TestApp) -> i64 {
    query_strings(app, "select cast(max(id) as text) from tickets").await[0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (count(app, "tickets").await, count(app, "followups").await)
}

async fn support_queue(app: &TestApp) -> i64 {
    let (s, q) = admin_json(
        app,
        Method::POST,
        "/api/queues/",
        Some(json!({"title": "Support", "slug": "support", "email_address": "support@helpdesk.example.org"})),
    )
    .await;
    assert_eq!(s, 201, "{q}");
    q["id"].as_i64().unwrap()
}

/// A new ticket from the message `name`: its API object, after checking that exactly one
/// ticket was added.
async fn files_new_ticket(app: &TestApp, name: &str) -> Value {
    let before = counts(app).await;
    file_ok(app, name);
    let after = counts(app).await;
    assert_eq!(after.0, before.0 + 1, "{name} opens one ticket");
    ticket(app, newest_ticket(app).await).await
}

/// Nothing written for the message `name`; the log says why.
async fn is_ignored(app: &TestApp, name: &str, why: &str) {
    let before = counts(app).await;
    let log = file_ok(app, name);
    assert_eq!(counts(app).await, before, "{name} must not be filed");
    assert!(log.contains(why), "{name}: the log names {why:?}: {log}");
}

#[tokio::test]
async fn mail_receive_files_the_corpus_as_tickets_and_replies_and_ignores_loops() {
    let app = spawn_app().await;
    let queue = support_queue(&app).await;
    let (s, entry) = admin_json(
        &app,
        Method::POST,
        "/api/mail-ignore/",
        Some(json!({"pattern": "*@NoReply.example.com", "note": "monitoring"})),
    )
    .await;
    assert_eq!(s, 201, "{entry}");
    assert_eq!(entry["pattern"], "*@noreply.example.com");

    // Plain text: a new ticket, the sender as submitter, the subject as title.
    let t = files_new_ticket(&app, "01-plain.eml").await;
    let first = t["id"].as_i64().unwrap();
    assert_eq!(first, 1, "the tag test message names ticket 1");
    assert_eq!(t["queue"], queue);
    assert_eq!(t["title"], "Printer on fire");
    assert_eq!(t["submitter_email"], "ann@example.com");
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("the printer on the second floor is on fire again."),
        "{t}"
    );
    assert_eq!(t["status"], 1);

    // HTML only: text, with entities decoded, without markup, style or script.
    let t = files_new_ticket(&app, "02-html-only.eml").await;
    let d = t["description"].as_str().unwrap();
    for part in [
        "Hello & good morning,",
        "I cannot log in since Monday.",
        "Browser: Firefox\nOS: Linux",
        "<script>alert(1)</script> is what the page shows.",
    ] {
        assert!(d.contains(part), "{part:?} in {d:?}");
    }
    for absent in ["<div", "<b>", "color: red", "alert('x')", "ignored title"] {
        assert!(!d.contains(absent), "{absent:?} in {d:?}");
    }

    // Attachments and an inline image, with safe names and their exact bytes.
    let t = files_new_ticket(&app, "03-multipart-attachments.eml").await;
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("Please find the invoice attached."),
        "{t}"
    );
    let files = &t["followup_set"][0]["followupattachment_set"];
    let mut names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["filename"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec!["image-1.png", "invoice 2026-11.pdf", "passwd"],
        "{files}"
    );
    let pdf = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "invoice 2026-11.pdf")
        .unwrap();
    assert_eq!(pdf["mime_type"], "application/pdf");
    let bytes = app
        .admin(
            Method::GET,
            &format!("/api/followups-attachments/{}/download/", pdf["id"]),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4\n") && bytes.ends_with(b"%%EOF\n"));

    // Transfer encodings and charsets.
    let t = files_new_ticket(&app, "04-quoted-printable.eml").await;
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("Grüße! The café's coffee machine is broken – again. Price: 5 € per cup."),
        "{t}"
    );
    let t = files_new_ticket(&app, "05-base64.eml").await;
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("Naïve question: is that a lease timeout?"),
        "{t}"
    );
    let t = files_new_ticket(&app, "06-iso-8859-1.eml").await;
    assert_eq!(t["title"], "Problème d'imprimante");
    assert_eq!(t["submitter_email"], "francois@example.fr");
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("l'imprimante du 3e étage ne répond plus. Merci d'avance à l'équipe."),
        "{t}"
    );
    let t = files_new_ticket(&app, "07-shift-jis.eml").await;
    assert_eq!(t["title"], "プリンターが故障しました");
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("プリンターが故障しました。至急対応をお願いします。"),
        "{t}"
    );
    let t = files_new_ticket(&app, "08-rfc2047-subject.eml").await;
    assert_eq!(t["title"], "Fråga om fakturan – 🚀 (réf. 42)");

    // A reply by In-Reply-To: a public followup on ticket 1, which it reopens.
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{first}/"),
        Some(json!({"status": 3, "resolution": "Extinguished"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let before = counts(&app).await;
    file_ok(&app, "09-reply-in-reply-to.eml");
    assert_eq!(counts(&app).await, (before.0, before.1 + 1));
    let t = ticket(&app, first).await;
    assert_eq!(t["status"], 2, "a resolved ticket is reopened: {t}");
    let reply = t["followup_set"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["message_id"]
                .as_str()
                .is_some_and(|m| m.contains("reply-1@mail.example.com"))
        })
        .unwrap_or_else(|| panic!("the reply with its Message-ID: {t}"));
    assert_eq!(reply["public"], true);
    let comment = reply["comment"].as_str().unwrap();
    assert!(comment.starts_with("It is out now, but the smell is terrible."));
    assert!(
        comment.contains("> the printer on the second floor"),
        "the quote is kept"
    );

    // A reply by subject tag.
    let before = counts(&app).await;
    file_ok(&app, "10-reply-subject-tag.eml");
    assert_eq!(counts(&app).await, (before.0, before.1 + 1));
    let t = ticket(&app, first).await;
    assert!(
        t["followup_set"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["comment"]
                .as_str()
                .unwrap_or("")
                .starts_with("Thank you, all fixed.")),
        "{t}"
    );

    // The ticket page folds the quotes, escaped.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let page = app.page(&format!("/tickets/{first}")).await;
    assert!(page.contains("<details class=\"quoted\""), "{page}");
    assert!(
        page.contains("On Mon, 30 Nov 2026 at 09:13, Ann Customer &lt;ann@example.com"),
        "the quote is on the page, escaped"
    );
    assert!(!page.contains("<ann@example.com>"), "no markup from mail");
    assert!(page.contains("-----Original Message-----"));

    // Loops: automatic replies, bounces, bulk mail, the helpdesk's own address.
    is_ignored(&app, "11-auto-reply.eml", "Auto-Submitted: auto-replied").await;
    is_ignored(&app, "12-bounce.eml", "Auto-Submitted: auto-replied").await;
    is_ignored(&app, "16-precedence-bulk.eml", "Precedence: bulk").await;
    is_ignored(&app, "18-from-helpdesk.eml", "own address").await;

    // The same Message-ID again (an MTA's retry) is filed once.
    is_ignored(&app, "13-duplicate.eml", "filed before").await;
    is_ignored(&app, "01-plain.eml", "filed before").await;

    // A truncated message is filed with what arrived.
    let t = files_new_ticket(&app, "14-truncated.eml").await;
    assert_eq!(t["title"], "Log files");
    assert!(
        t["description"]
            .as_str()
            .unwrap()
            .contains("The server logs are attached.")
    );

    // Garbage: EX_DATAERR, with a reason, nothing written.
    let before = counts(&app).await;
    let out = receive(&app, "support", &corpus("15-garbage.eml"));
    assert_eq!(code(&out), 65, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot file this message"),
        "{}",
        stderr(&out)
    );
    assert_eq!(counts(&app).await, before);

    // Without a Message-ID there is nothing to recognise a redelivery by: filed each time.
    files_new_ticket(&app, "17-no-message-id.eml").await;
    files_new_ticket(&app, "17-no-message-id.eml").await;

    // The ignore list, and the same message filed once its entry is deleted.
    is_ignored(&app, "19-ignored-sender.eml", "ignore list").await;
    let (s, _) = admin_json(
        &app,
        Method::DELETE,
        &format!("/api/mail-ignore/{}/", entry["id"]),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let t = files_new_ticket(&app, "19-ignored-sender.eml").await;
    assert_eq!(t["submitter_email"], "alerts@noreply.example.com");
}

#[tokio::test]
async fn mail_receive_exit_codes_name_an_unknown_queue_and_an_unusable_message() {
    let app = spawn_app().await;
    support_queue(&app).await;
    let out = receive(&app, "nosuchqueue", &corpus("01-plain.eml"));
    assert_eq!(code(&out), 67, "EX_NOUSER: {}", stderr(&out));
    assert!(stderr(&out).contains("no queue with the slug \"nosuchqueue\""));
    for (raw, why) in [
        (&b""[..], "empty"),
        (b"Subject: no sender\r\n\r\nbody\r\n", "no From header"),
        (
            b"From: somebody\r\nSubject: x\r\n\r\nbody\r\n",
            "is not a valid e-mail address",
        ),
    ] {
        let out = receive(&app, "support", raw);
        assert_eq!(code(&out), 65, "EX_DATAERR: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{why}: {}", stderr(&out));
    }
    assert_eq!(count(&app, "tickets").await, 0);
    let out = receive_on(
        "mysql://nowhere/db",
        &app.media_root(),
        "support",
        &corpus("01-plain.eml"),
        &[],
    );
    assert_eq!(code(&out), 78, "EX_CONFIG: {}", stderr(&out));
}

#[tokio::test]
async fn mail_from_the_default_sender_address_is_ignored() {
    let app = spawn_app().await;
    support_queue(&app).await;
    let raw = b"From: Helpdesk <Notify@Helpdesk.Example.org>\r\nTo: support@helpdesk.example.org\r\n\
Subject: [support-9] Your ticket\r\nMessage-ID: <n-1@helpdesk.example.org>\r\n\r\nA notification.\r\n";
    let envs = [(
        "HELPDESK_DEFAULT_FROM",
        "Helpdesk <notify@helpdesk.example.org>",
    )];
    let out = receive_with(&app, "support", raw, &envs);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("own address"), "{}", stderr(&out));
    assert_eq!(count(&app, "tickets").await, 0);
    // Without the setting the same message is a customer's.
    let out = receive(&app, "support", raw);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(count(&app, "tickets").await, 1);
}

/// EX_TEMPFAIL when the database stays locked: another connection holds SQLite's write lock
/// for longer than the receiver waits (its busy timeout, three times). PostgreSQL writers
/// queue on an advisory lock without a timeout, so there is no such state to reproduce there.
#[tokio::test]
async fn mail_receive_exits_75_while_the_database_is_locked() {
    if on_pg() {
        eprintln!("skipped on PostgreSQL: writers wait for the lock there (no busy state)");
        return;
    }
    let app = spawn_app().await;
    support_queue(&app).await;
    use sqlx::Connection;
    let url = app.db_url();
    let mut holder = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let media = app.media_root();
    let started = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || {
        receive_on(&url, &media, "support", &corpus("01-plain.eml"), &[])
    })
    .await
    .unwrap();
    assert_eq!(code(&out), 75, "EX_TEMPFAIL: {}", stderr(&out));
    assert!(stderr(&out).contains("busy"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() >= 10, "it waited first");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();
    assert_eq!(count(&app, "tickets").await, 0);
    // Once the lock is gone, the MTA's retry files it.
    let out = receive(&app, "support", &corpus("01-plain.eml"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(count(&app, "tickets").await, 1);
}

#[tokio::test]
async fn the_ignore_list_is_for_superusers_and_checks_its_patterns() {
    let app = spawn_app().await;
    make_user(&app, "agent", true).await;
    let (s, _) = send(
        app.as_user(Method::POST, "/api/mail-ignore/", "agent", USER_PASSWORD)
            .json(&json!({"pattern": "a@example.com"})),
    )
    .await;
    assert_eq!(s, 403);
    for (body, field) in [
        (json!({}), "pattern"),
        (json!({"pattern": "not an address"}), "pattern"),
        (json!({"pattern": "*@*"}), "pattern"),
        (
            json!({"pattern": "a@example.com", "note": "x".repeat(501)}),
            "note",
        ),
    ] {
        let (s, b) = admin_json(&app, Method::POST, "/api/mail-ignore/", Some(body.clone())).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert!(b[field].is_array(), "{body}: {b}");
    }
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/mail-ignore/",
        Some(json!({"pattern": "a@example.com"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, b) = admin_json(
        &app,
        Method::POST,
        "/api/mail-ignore/",
        Some(json!({"pattern": "A@Example.com"})),
    )
    .await;
    assert_eq!(s, 400, "a pattern is on the list once: {b}");
    let (s, page) = admin_json(&app, Method::GET, "/api/mail-ignore/", None).await;
    assert_eq!(s, 200);
    assert_eq!(page["count"], 1, "{page}");
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let html = app.page("/admin/mail-ignore").await;
    assert!(html.contains("a@example.com"), "{html}");
}
