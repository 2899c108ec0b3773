//! Issue 15, polling a queue's mailbox over IMAP, against a real IMAP server: Debian's dovecot,
//! started per test by scripts/imap.sh (unprivileged, a generated configuration on free
//! ports, a test CA the server trusts through HELPDESK_IMAP_CA_FILE). Messages are delivered
//! into the maildir as files (as an MTA does) and the folders are read back from it, so what
//! the server did is checked in the IMAP server's own storage.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::helpers::{ADMIN, ADMIN_PASSWORD, TestApp, count, sign_in, spawn_app_with};

/// A running dovecot; stopped (and its folder deleted) on drop.
struct Dovecot {
    env: HashMap<String, String>,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/imap.sh")
}

impl Dovecot {
    fn start() -> Self {
        let out = Command::new(script())
            .arg("start")
            .output()
            .expect("run scripts/imap.sh");
        assert!(
            out.status.success(),
            "scripts/imap.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("export ")?.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self { env }
    }

    fn var(&self, name: &str) -> String {
        self.env[&format!("HELPDESK_TEST_IMAP_{name}")].clone()
    }

    fn maildir(&self) -> PathBuf {
        Path::new(&self.var("DIR")).join("mail/helpdesk/Maildir")
    }

    /// The folder's directory in the maildir (Maildir++: INBOX is the root, others `.name`).
    fn folder(&self, name: &str) -> PathBuf {
        if name == "INBOX" {
            self.maildir()
        } else {
            self.maildir().join(format!(".{name}"))
        }
    }

    /// Delivers a message into INBOX as an MTA does: written in tmp/, renamed into new/.
    fn deliver(&self, n: usize, raw: &str) {
        let owner = std::fs::metadata(Path::new(&self.var("DIR")).join("mail")).unwrap();
        use std::os::unix::fs::MetadataExt;
        let (uid, gid) = (owner.uid(), owner.gid());
        let root = self.maildir();
        for sub in ["", "tmp", "new", "cur"] {
            let d = root.join(sub);
            if !d.exists() {
                std::fs::create_dir_all(&d).unwrap();
            }
            // The server runs as another user when the tests run as root.
            std::os::unix::fs::chown(&d, Some(uid), Some(gid)).unwrap();
        }
        std::os::unix::fs::chown(root.parent().unwrap(), Some(uid), Some(gid)).unwrap();
        let name = format!("{}.test{n}.localhost", std::process::id());
        let tmp = root.join("tmp").join(&name);
        std::fs::write(&tmp, raw.replace('\n', "\r\n")).unwrap();
        std::os::unix::fs::chown(&tmp, Some(uid), Some(gid)).unwrap();
        std::fs::rename(&tmp, root.join("new").join(&name)).unwrap();
    }

    /// The messages in a folder (new and cur), by their contents.
    fn messages(&self, folder: &str) -> Vec<String> {
        let mut all = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.folder(folder).join(sub)) {
                for e in entries.flatten() {
                    all.push(std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        all
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").envs(&self.env).status();
    }
}

async fn spawn(imap: &Dovecot) -> TestApp {
    let app = spawn_app_with(&[("HELPDESK_IMAP_CA_FILE", &imap.var("CA"))]).await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    app
}

/// Calls a server function as the signed-in admin; status and JSON answer.
async fn sfn(app: &TestApp, name: &str, form: &[(&str, &str)]) -> (u16, Value, String) {
    let resp = app
        .client
        .post(app.url(&format!("/sfn/{name}")))
        .header("origin", app.base.clone())
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

async fn save_mailbox(app: &TestApp, queue: i64, fields: &[(&str, &str)]) -> (u16, Value, String) {
    let id = queue.to_string();
    let mut form: Vec<(String, &str)> = vec![("id".to_owned(), id.as_str())];
    form.extend(fields.iter().map(|(k, v)| (format!("f[{k}]"), *v)));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    sfn(app, "save_queue_mailbox", &pairs).await
}

async fn mailbox(app: &TestApp, queue: i64) -> (Value, String) {
    let (status, body, text) = sfn(app, "get_queue_mailbox", &[("id", &queue.to_string())]).await;
    assert_eq!(status, 200, "{text}");
    (body, text)
}

/// Waits (up to 40 s) until the condition holds (it may `.await`).
macro_rules! wait_for {
    ($what:expr, $cond:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(40);
        while !$cond {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for: {}",
                $what
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }};
}

async fn make_queue(app: &TestApp, slug: &str) -> i64 {
    super::helpers::make_queue(app, slug).await
}

const FIRST: &str = "From: Ann Customer <ann@example.com>
To: support@helpdesk.example
Subject: Printer on fire
Message-ID: <first-imap-test@example.com>
Date: Thu, 03 Dec 2026 10:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

The printer in room 4 is on fire.
";

#[tokio::test]
async fn polled_mail_becomes_a_ticket_a_reply_threads_and_both_are_moved_to_the_done_folder() {
    let imap = Dovecot::start();
    let app = spawn(&imap).await;
    let queue = make_queue(&app, "desk").await;
    imap.deliver(1, FIRST);
    let password = imap.var("PASSWORD");
    let port = imap.var("PORT");
    let (status, saved, text) = save_mailbox(
        &app,
        queue,
        &[
            ("host", "localhost"),
            ("port", &port),
            ("security", "starttls"),
            ("username", "helpdesk"),
            ("password", &password),
            ("poll_seconds", "5"),
            ("enabled", "on"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(&password), "the answer carries the password");
    assert_eq!(saved["has_password"], true);

    wait_for!(
        "the first message filed and moved",
        imap.messages("helpdesk-filed").len() == 1
    );
    assert!(imap.messages("INBOX").is_empty());
    assert!(imap.messages("helpdesk-filed")[0].contains("Printer on fire"));
    let titles: Vec<(i64, String, Option<String>)> = {
        let pool = super::helpers::connect(&app.db_url()).await;
        let rows = sqlx::query_as("select id, title, submitter_email from tickets")
            .fetch_all(&pool)
            .await
            .unwrap();
        pool.close().await;
        rows
    };
    assert_eq!(titles.len(), 1, "{titles:?}");
    let (ticket, title, submitter) = titles[0].clone();
    assert_eq!(title, "Printer on fire");
    assert_eq!(submitter.as_deref(), Some("ann@example.com"));

    // The state shown on the queue's page: polled, no error, and never the password.
    let (m, text) = mailbox(&app, queue).await;
    assert!(m["last_poll_at"].is_string(), "{m}");
    assert_eq!(m["last_error"], "", "{m}");
    assert!(m.get("password").is_none() && !text.contains(&password));
    let page = app.page(&format!("/admin/queues/{queue}")).await;
    assert!(page.contains("Mailbox (IMAP)"), "{page}");
    assert!(!page.contains(&password), "the page shows the password");

    // A reply with the ticket's tag becomes a followup on it at the next poll.
    let followups = count(&app, "followups").await;
    imap.deliver(
        2,
        &format!(
            "From: ann@example.com\nTo: support@helpdesk.example\nSubject: Re: [desk-{ticket}] Printer on fire\n\
             Message-ID: <reply-imap-test@example.com>\nIn-Reply-To: <first-imap-test@example.com>\n\
             Content-Type: text/plain\n\nIt is out now, thanks.\n"
        ),
    );
    wait_for!(
        "the reply filed and moved",
        imap.messages("helpdesk-filed").len() == 2
    );
    assert_eq!(count(&app, "tickets").await, 1);
    assert_eq!(count(&app, "followups").await, followups + 1);
    let comments = super::helpers::query_strings(
        &app,
        &format!("select comment from followups where ticket = {ticket} order by id"),
    )
    .await;
    assert!(
        comments
            .iter()
            .flatten()
            .any(|c| c.contains("It is out now")),
        "{comments:?}"
    );
    assert!(imap.messages("INBOX").is_empty());
    // Filed messages are marked seen (maildir flag S).
    for e in std::fs::read_dir(imap.folder("helpdesk-filed").join("cur")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name.rsplit_once(":2,")
                .is_some_and(|(_, f)| f.contains('S')),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_shown_not_logged_unfileable_mail_goes_to_helpdesk_failed_and_delete_mode_deletes()
 {
    let imap = Dovecot::start();
    let app = spawn(&imap).await;
    let queue = make_queue(&app, "help").await;
    imap.deliver(1, FIRST);
    // No header at all, no sender: mail that can never be filed.
    imap.deliver(2, "\nnothing but a body, no headers, no sender\n");
    let tls_port = imap.var("TLS_PORT");
    let wrong = "Wrong-Secret-4711";
    let mut fields = vec![
        ("host", "127.0.0.1"),
        ("port", tls_port.as_str()),
        ("security", "tls"),
        ("username", "helpdesk"),
        ("password", wrong),
        ("after_filing", "delete"),
        ("poll_seconds", "5"),
        ("enabled", "on"),
    ];
    let (status, _, text) = save_mailbox(&app, queue, &fields).await;
    assert_eq!(status, 200, "{text}");
    let mut last: Value;
    wait_for!("the failed login recorded", {
        last = mailbox(&app, queue).await.0;
        last["last_error"].as_str().is_some_and(|e| !e.is_empty())
    });
    let error = last["last_error"].as_str().unwrap();
    assert!(error.contains("login"), "{error}");
    assert!(!error.contains(wrong), "{error}");
    assert_eq!(imap.messages("INBOX").len(), 2, "nothing is touched");
    assert_eq!(count(&app, "tickets").await, 0);

    // The right password; the other settings unchanged.
    let password = imap.var("PASSWORD");
    fields[4] = ("password", password.as_str());
    let (status, _, text) = save_mailbox(&app, queue, &fields).await;
    assert_eq!(status, 200, "{text}");
    wait_for!(
        "the message filed and the other moved away",
        imap.messages("INBOX").is_empty()
    );
    assert_eq!(count(&app, "tickets").await, 1);
    // Deleted, not moved; the unfileable one in helpdesk-failed.
    assert!(imap.messages("helpdesk-filed").is_empty());
    let failed = imap.messages("helpdesk-failed");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains("nothing but a body"));

    // Neither password ever reached the log.
    let log: Vec<String> = app.log.try_iter().collect();
    assert!(
        log.iter().any(|l| l.contains("login as helpdesk refused")),
        "{log:?}"
    );
    for line in &log {
        assert!(!line.contains(wrong) && !line.contains(&password), "{line}");
    }
}

#[tokio::test]
async fn mailbox_settings_are_checked_by_field_superusers_only_and_the_password_is_write_only() {
    let app = spawn_app_with(&[]).await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let queue = make_queue(&app, "desk").await;
    let (m, _) = mailbox(&app, queue).await;
    assert_eq!(m["configured"], false);

    let (status, _, text) = save_mailbox(
        &app,
        queue,
        &[
            ("host", "bad host"),
            ("port", "70000"),
            ("security", "ssl"),
            ("username", ""),
            ("poll_seconds", "1"),
            ("after_filing", "keep"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{text}");
    for field in [
        "host",
        "port",
        "security",
        "username",
        "password",
        "poll_seconds",
        "after_filing",
    ] {
        assert!(
            text.contains(&format!("\"{field}\"")),
            "{field} not named: {text}"
        );
    }
    assert_eq!(count(&app, "queue_mailboxes").await, 0);

    // Stored; never answered; an empty password keeps it. Disabled: nothing is polled.
    let good = [
        ("host", "imap.example.invalid"),
        ("port", "993"),
        ("security", "tls"),
        ("username", "desk@example.com"),
    ];
    let mut first = good.to_vec();
    first.push(("password", "Very-Secret-9"));
    let (status, m, text) = save_mailbox(&app, queue, &first).await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains("Very-Secret-9"));
    assert_eq!(m["folder"], "INBOX");
    assert_eq!(m["done_folder"], "helpdesk-filed");
    assert_eq!(m["enabled"], false);
    let mut second = good.to_vec();
    second.push(("folder", "Support"));
    let (status, m, text) = save_mailbox(&app, queue, &second).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(m["has_password"], true);
    assert_eq!(m["folder"], "Support");
    let stored = super::helpers::query_strings(&app, "select password from queue_mailboxes").await;
    assert_eq!(stored, vec![Some("Very-Secret-9".to_owned())]);
    let page = app.page(&format!("/admin/queues/{queue}")).await;
    assert!(page.contains("imap.example.invalid") && !page.contains("Very-Secret-9"));

    // Staff who are not superusers may not read or change it.
    super::helpers::make_user(&app, "agent", true).await;
    let agent = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let resp =
        super::helpers::post_login(&app, &agent, "agent", super::helpers::USER_PASSWORD).await;
    assert!(resp.status().is_success());
    let resp = agent
        .post(app.url("/sfn/get_queue_mailbox"))
        .header("origin", app.base.clone())
        .form(&[("id", queue.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
}
