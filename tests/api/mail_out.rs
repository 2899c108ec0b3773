//! Mail out (issue 15): notifications through a real SMTP server written here (tokio, real
//! SMTP over TCP on a free port) that can accept, answer 4xx or 5xx, go down, or stall in the
//! middle of a message. The right people get the right messages; an outage followed by
//! recovery delivers every notification exactly once; a SIGKILL while the SMTP server stalls
//! loses nothing; a 5xx shows on the ticket's timeline.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::*;
use crate::load::Store;

/// How the SMTP server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Accept,
    /// 451 to every MAIL FROM.
    TempFail,
    /// Takes the whole message, then never answers the final dot.
    Stall,
}

/// One message the SMTP server accepted (answered 250 to its final dot).
#[derive(Clone, Debug)]
struct Received {
    to: String,
    raw: String,
}

impl Received {
    /// A header's value, unfolded.
    fn header(&self, name: &str) -> Option<String> {
        header_in(&self.raw, name)
    }

    fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The plain-text part, decoded.
    fn text(&self) -> String {
        part(&self.raw, "text/plain")
    }

    fn html(&self) -> String {
        part(&self.raw, "text/html")
    }
}

fn header_in(block: &str, name: &str) -> Option<String> {
    let head = block.split("\r\n\r\n").next().unwrap_or_default();
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(v) = value.as_mut()
            && (line.starts_with(' ') || line.starts_with('\t'))
        {
            v.push(' ');
            v.push_str(line.trim());
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_owned());
        }
    }
    value
}

/// The body of the MIME part of type `mime`, decoded (7bit, quoted-printable or base64).
fn part(raw: &str, mime: &str) -> String {
    for chunk in raw.split("\r\n--") {
        let Some((head, body)) = chunk.split_once("\r\n\r\n") else {
            continue;
        };
        let head = head.trim_start_matches(|c: char| c != '\r').trim_start();
        let ctype = header_in(&format!("{head}\r\n\r\n"), "Content-Type").unwrap_or_default();
        if !ctype.starts_with(mime) {
            continue;
        }
        let body = body.trim_end_matches(['-', '\r', '\n']);
        let cte = header_in(&format!("{head}\r\n\r\n"), "Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        return match cte.as_str() {
            "quoted-printable" => quoted_printable(body),
            "base64" => String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(body.replace("\r\n", ""))
                    .unwrap_or_default(),
            )
            .into_owned(),
            _ => body.to_owned(),
        };
    }
    String::new()
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len() + 1
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct Seen {
    mode: Option<Mode>,
    received: Vec<Received>,
    /// Final dots the server never answered (Stall).
    stalled: usize,
    /// MAIL FROM commands answered 451.
    refused: usize,
}

/// A small SMTP server: addresses starting with `bounce` get 550 at RCPT TO.
struct SmtpServer {
    port: u16,
    seen: Arc<Mutex<Seen>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SmtpServer {
    async fn start(mode: Mode) -> Self {
        let seen = Arc::new(Mutex::new(Seen {
            mode: Some(mode),
            ..Seen::default()
        }));
        let mut s = Self {
            port: 0,
            seen,
            task: None,
        };
        s.up().await;
        s
    }

    /// Listens (again, on the same port once it has one).
    async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let seen = self.seen.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                conns.spawn(session(sock, seen.clone()));
            }
        }));
    }

    /// Goes down: the port refuses connections, open ones are cut.
    async fn down(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    fn set_mode(&self, mode: Mode) {
        self.seen.lock().unwrap().mode = Some(mode);
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().received.clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

async fn session(sock: tokio::net::TcpStream, seen: Arc<Mutex<Seen>>) {
    let (read, mut write) = sock.into_split();
    let mut lines = BufReader::new(read).lines();
    let mode = || seen.lock().unwrap().mode.unwrap_or(Mode::Accept);
    let _ = write.write_all(b"220 test.local ESMTP ready\r\n").await;
    let mut to: Vec<String> = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-test.local\r\n250-8BITMIME\r\n250 SMTPUTF8".into()
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            "250 ok".into()
        } else if upper.starts_with("RSET") {
            to.clear();
            "250 ok".into()
        } else if upper.starts_with("MAIL FROM") {
            to.clear();
            if mode() == Mode::TempFail {
                seen.lock().unwrap().refused += 1;
                "451 4.3.0 try again later".into()
            } else {
                "250 ok".into()
            }
        } else if upper.starts_with("RCPT TO") {
            let addr = line[8..]
                .trim()
                .trim_start_matches(':')
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned();
            if addr.starts_with("bounce") {
                "550 5.1.1 no such mailbox here".into()
            } else {
                to.push(addr);
                "250 ok".into()
            }
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut raw = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                raw.push_str(l.strip_prefix('.').unwrap_or(&l));
                raw.push_str("\r\n");
            }
            if mode() == Mode::Stall {
                seen.lock().unwrap().stalled += 1;
                std::future::pending::<()>().await;
            }
            let mut s = seen.lock().unwrap();
            for t in to.drain(..) {
                s.received.push(Received {
                    to: t,
                    raw: raw.clone(),
                });
            }
            "250 2.0.0 queued".into()
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "502 5.5.2 not implemented".into()
        };
        if write
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}

/// The server's settings for the mail tests: fast retries, short time-outs.
fn mail_envs(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("HELPDESK_SMTP_URL", smtp.url()),
        ("HELPDESK_MAIL_RETRY_DELAYS", "1".to_owned()),
        ("HELPDESK_SMTP_TIMEOUT", "2".to_owned()),
        ("HELPDESK_PUBLIC_URL", "http://help.example.test".to_owned()),
        ("HELPDESK_DEFAULT_FROM", "desk@example.test".to_owned()),
    ]
}

fn as_refs<'a>(envs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    envs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// One text column of rows of the database at `db_url`.
async fn strings(db_url: &str, sql: &str) -> Vec<Option<String>> {
    let pool = connect(db_url).await;
    let rows: Vec<Option<String>> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

/// Outbox rows by status.
async fn outbox_status(db_url: &str) -> BTreeMap<String, i64> {
    let pool = connect(db_url).await;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from mail_outbox group by status")
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter().collect()
}

/// Waits until nothing is pending (at most `secs`); answers the counts by status.
async fn settled(db_url: &str, secs: u64) -> BTreeMap<String, i64> {
    let mut last = BTreeMap::new();
    for _ in 0..secs * 5 {
        last = outbox_status(db_url).await;
        if last.get("pending").copied().unwrap_or(0) == 0 && !last.is_empty() {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("messages still pending after {secs} s: {last:?}");
}

async fn patch_ticket(app: &TestApp, id: i64, body: Value) {
    let (status, t) = admin_json(
        app,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{t}");
}

async fn followup(app: &TestApp, user: Option<&str>, ticket: i64, comment: &str, public: bool) {
    let body = json!({"ticket": ticket, "title": "Comment", "comment": comment, "public": public});
    let req = match user {
        Some(u) => app.as_user(Method::POST, "/api/followups/", u, USER_PASSWORD),
        None => app.admin(Method::POST, "/api/followups/"),
    };
    let (status, f) = send(req.json(&body)).await;
    assert_eq!(status, 201, "{f}");
}

/// Who got which kind of message, from the subjects' suffixes: sorted (recipient, suffix).
fn who_got_what(received: &[Received], tag: &str) -> Vec<(String, String)> {
    let mut got: Vec<(String, String)> = received
        .iter()
        .filter(|r| r.subject().starts_with(tag))
        .map(|r| {
            let s = r.subject();
            let suffix = s
                .rsplit_once(" (")
                .map(|(_, x)| x.trim_end_matches(')').to_owned());
            (r.to.clone(), suffix.unwrap_or_default())
        })
        .collect();
    got.sort();
    got
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_right_people_get_the_right_messages() {
    let smtp = SmtpServer::start(Mode::Accept).await;
    let envs = mail_envs(&smtp);
    let app = spawn_app_with(&as_refs(&envs)).await;
    let agent = make_user(&app, "agent", true).await;
    let quiet = make_user(&app, "quiet", true).await;
    make_user(&app, "other", true).await;
    let queue = make_queue(&app, "support").await;
    // The queue's copy addresses, by django-helpdesk's names; a bad one is refused by name.
    let (status, body) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/queues/{queue}/"),
        Some(json!({"new_ticket_cc": "not an address"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["new_ticket_cc"].is_array(), "{body}");
    let (status, body) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/queues/{queue}/"),
        Some(json!({"new_ticket_cc": "new@cc.test", "updated_ticket_cc": "upd@cc.test"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["new_ticket_cc"], "new@cc.test");
    assert_eq!(body["updated_ticket_cc"], "upd@cc.test");
    // `quiet` turns their own notifications off in their settings.
    let quiet_client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let resp = post_login(&app, &quiet_client, "quiet", USER_PASSWORD).await;
    assert!(resp.status().is_success());
    let resp = quiet_client
        .post(app.url("/sfn/set_email_notifications"))
        .header("origin", app.base.clone())
        .form(&[("enabled", "false")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());

    // Opened by the admin for a customer, assigned to `agent`.
    let t = make_ticket(
        &app,
        json!({"queue": queue, "title": "Printer on fire", "submitter_email": "customer@example.net",
               "assigned_to": agent, "description": "Smoke <everywhere>"}),
    )
    .await;
    let id = t["id"].as_i64().unwrap();
    let tag = format!("[support-{id}]");
    // A public reply by the assignee: the customer and the copy address; not the agent.
    followup(&app, Some("agent"), id, "We are on our way", true).await;
    // An internal note by the admin: the assignee and the copy address; never the customer.
    followup(&app, None, id, "Secret staff note", false).await;
    // Resolved by the admin, with a resolution.
    patch_ticket(
        &app,
        id,
        json!({"status": 3, "resolution": "Replaced the fuser"}),
    )
    .await;
    // Reassigned to `quiet`, who turned notifications off; then closed by `other`.
    patch_ticket(&app, id, json!({"assigned_to": quiet})).await;
    let (status, _) = send(
        app.as_user(
            Method::PATCH,
            &format!("/api/tickets/{id}/"),
            "other",
            USER_PASSWORD,
        )
        .json(&json!({"status": 4})),
    )
    .await;
    assert_eq!(status, 200);
    // A customer address the SMTP server refuses for good (550).
    let bounced = make_ticket(
        &app,
        json!({"queue": queue, "title": "Nobody home", "submitter_email": "bounce@example.net"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();

    let counts = settled(&app.db_url(), 20).await;
    assert_eq!(counts.get("failed"), Some(&1), "{counts:?}");
    let received = smtp.received();
    assert_eq!(
        who_got_what(&received, &tag),
        pairs(&[
            // opened
            ("customer@example.net", "Opened"),
            ("agent@example.com", "Assigned to you"),
            ("new@cc.test", "Opened"),
            ("upd@cc.test", "Opened"),
            // agent's public reply
            ("customer@example.net", "Updated"),
            ("upd@cc.test", "Updated"),
            // admin's internal note
            ("agent@example.com", "Updated"),
            ("upd@cc.test", "Updated"),
            // resolved by the admin
            ("customer@example.net", "Resolved"),
            ("agent@example.com", "Updated"),
            ("upd@cc.test", "Updated"),
            // reassigned to quiet (opted out)
            ("upd@cc.test", "Updated"),
            // closed by other
            ("customer@example.net", "Closed"),
            ("upd@cc.test", "Updated"),
        ]),
        "{:#?}",
        received
            .iter()
            .map(|r| (r.to.clone(), r.subject()))
            .collect::<Vec<_>>()
    );
    assert!(
        received
            .iter()
            .all(|r| r.to != "admin@example.com" && r.to != "quiet@example.com")
    );
    let to_customer: Vec<&Received> = received
        .iter()
        .filter(|r| r.to == "customer@example.net")
        .collect();
    for r in &to_customer {
        let text = r.text();
        assert!(!text.contains("Secret staff note"), "{text}");
        assert!(!r.html().contains("Secret staff note"));
        assert_eq!(r.header("From").as_deref(), Some("desk@example.test"));
    }
    // The opened message links to the portal page with the ticket's key.
    let key = query_strings(
        &app,
        &format!("select secret_key from tickets where id = {id}"),
    )
    .await[0]
        .clone()
        .unwrap();
    let opened = to_customer
        .iter()
        .find(|r| r.subject().ends_with("(Opened)"))
        .unwrap();
    assert_eq!(opened.subject(), format!("{tag} Printer on fire (Opened)"));
    let link = format!("http://help.example.test/view/{id}?key={key}");
    assert!(opened.text().contains(&link), "{}", opened.text());
    assert!(opened.html().contains(&link.replace('&', "&amp;")));
    // The HTML is escaped; the text is not.
    assert!(opened.text().contains("Smoke <everywhere>"));
    assert!(
        opened.html().contains("Smoke &lt;everywhere&gt;"),
        "{}",
        opened.html()
    );
    let reply = to_customer
        .iter()
        .find(|r| r.subject().ends_with("(Updated)"))
        .unwrap();
    assert!(reply.text().contains("We are on our way"));
    let resolved = to_customer
        .iter()
        .find(|r| r.subject().ends_with("(Resolved)"))
        .unwrap();
    assert!(resolved.text().contains("Replaced the fuser"));
    // The assignee's copy of the internal note has it, marked internal, with the staff link.
    let note = received
        .iter()
        .find(|r| r.to == "agent@example.com" && r.text().contains("Secret staff note"))
        .expect("the assignee gets the internal note");
    assert!(note.text().contains("Internal comment"));
    assert!(
        note.text()
            .contains(&format!("http://help.example.test/tickets/{id}"))
    );

    // Every message's Message-ID is the one stored; those after the opening ones thread on
    // the ticket's first message.
    let pool = connect(&app.db_url()).await;
    let stored: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(&format!(
        "select message_id, in_reply_to, references_hdr from mail_outbox where ticket = {id} \
         order by id"
    ))
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let root = stored[0].0.clone();
    assert_eq!(
        stored.iter().filter(|s| s.1.is_none()).count(),
        4,
        "{stored:?}"
    );
    assert!(
        stored[4..]
            .iter()
            .all(|s| s.1.as_deref() == Some(root.as_str()) && s.2 == s.1),
        "{stored:?}"
    );
    let mine: Vec<&Received> = received
        .iter()
        .filter(|r| r.subject().starts_with(&tag))
        .collect();
    assert_eq!(mine.len(), stored.len());
    for r in mine {
        let mid = r.header("Message-ID").unwrap();
        let row = stored
            .iter()
            .find(|s| s.0 == mid)
            .unwrap_or_else(|| panic!("{mid} not stored"));
        assert_eq!(r.header("In-Reply-To"), row.1, "{mid}");
        assert_eq!(r.header("References"), row.2, "{mid}");
    }
    assert!(
        received
            .iter()
            .all(|r| r.header("Auto-Submitted").as_deref() == Some("auto-generated"))
    );

    // The 550 is recorded as failed, with its code, and shown on the ticket's timeline.
    let failed = query_strings(
        &app,
        &format!(
            "select recipient || ' ' || cast(smtp_code as text) || ' ' || status \
             from mail_outbox where ticket = {bounced} and recipient like 'bounce%'"
        ),
    )
    .await;
    assert_eq!(
        failed,
        vec![Some("bounce@example.net 550 failed".to_owned())]
    );
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let page = app.page(&format!("/tickets/{bounced}")).await;
    assert!(page.contains("could not be delivered"), "{page}");
    assert!(page.contains("bounce@example.net"));
    assert!(page.contains("no such mailbox here"));
}

#[tokio::test]
async fn an_outage_then_recovery_delivers_every_notification_exactly_once() {
    let mut smtp = SmtpServer::start(Mode::TempFail).await;
    let envs = mail_envs(&smtp);
    let store = Store::new();
    let mut app = store.serve_with(&as_refs(&envs));
    let queue = make_queue(&app, "outage").await;
    let write = |app: &TestApp, tag: &'static str| {
        let base = app.base.clone();
        async move {
            let client = reqwest::Client::new();
            for n in 0..3 {
                let (status, t) = send(
                    client
                        .post(format!("{base}/api/tickets/"))
                        .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
                        .json(&json!({"queue": queue, "title": format!("{tag}{n}"),
                                      "submitter_email": format!("{tag}{n}@example.net")})),
                )
                .await;
                assert_eq!(status, 201, "{t}");
            }
        }
    };
    // 451 for a while: retried.
    write(&app, "a").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        smtp.seen.lock().unwrap().refused > 3,
        "no retries after 451"
    );
    // Then down (connections refused), more written, the helpdesk killed and restarted.
    smtp.down().await;
    write(&app, "b").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    app.child.kill().unwrap();
    app.child.wait().unwrap();
    drop(app);
    let app = store.serve_with(&as_refs(&envs));
    write(&app, "c").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(smtp.received().is_empty());
    // Back up and accepting: everything arrives, once.
    smtp.set_mode(Mode::Accept);
    smtp.up().await;
    let counts = settled(&store.db_url(), 30).await;
    assert_eq!(counts.get("sent"), Some(&9), "{counts:?}");
    let received = smtp.received();
    let mut ids: Vec<String> = received
        .iter()
        .map(|r| r.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    let mut stored: Vec<String> = strings(&store.db_url(), "select message_id from mail_outbox")
        .await
        .into_iter()
        .flatten()
        .collect();
    stored.sort();
    assert_eq!(ids, stored, "each notification exactly once");
    // A little later still nothing more is sent.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.received().len(), 9);
    let attempts = strings(
        &store.db_url(),
        "select cast(max(attempts) as text) from mail_outbox",
    )
    .await;
    eprintln!("outage: 9 messages, at most {attempts:?} attempts each");
}

#[tokio::test]
async fn a_sigkill_while_the_smtp_server_stalls_loses_nothing() {
    let smtp = SmtpServer::start(Mode::Stall).await;
    let envs = mail_envs(&smtp);
    let store = Store::new();
    let app = store.serve_with(&as_refs(&envs));
    let queue = make_queue(&app, "stall").await;
    make_ticket(
        &app,
        json!({"queue": queue, "title": "Stuck", "submitter_email": "waiting@example.net"}),
    )
    .await;
    // The SMTP server has the whole message and is not answering: kill the helpdesk now.
    for _ in 0..100 {
        if smtp.seen.lock().unwrap().stalled > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(smtp.seen.lock().unwrap().stalled, 1);
    let mut app = app;
    app.child.kill().unwrap();
    app.child.wait().unwrap();
    drop(app);
    smtp.set_mode(Mode::Accept);
    let started = std::time::Instant::now();
    let _app = store.serve_with(&as_refs(&envs));
    let counts = settled(&store.db_url(), 30).await;
    assert_eq!(counts.get("sent"), Some(&1), "{counts:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "waiting@example.net");
    assert!(received[0].subject().ends_with("Stuck (Opened)"));
    let attempts = strings(
        &store.db_url(),
        "select cast(attempts as text) from mail_outbox",
    )
    .await;
    assert_eq!(attempts, vec![Some("2".to_owned())]);
    eprintln!(
        "stall: delivered {:.1} s after the restart",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn without_an_smtp_url_nothing_fails_and_superusers_are_told() {
    let app = spawn_app().await;
    let queue = make_queue(&app, "quiet").await;
    let t = make_ticket(
        &app,
        json!({"queue": queue, "title": "Kept", "submitter_email": "later@example.net"}),
    )
    .await;
    let id = t["id"].as_i64().unwrap();
    assert_eq!(
        outbox_status(&app.db_url()).await.get("pending"),
        Some(&1),
        "the message waits in the outbox"
    );
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let home = app.page("/").await;
    assert!(home.contains("Mail is not being sent"), "{home}");
    let outbox = app.page("/admin/outbox?status=pending").await;
    assert!(outbox.contains("later@example.net"), "{outbox}");
    assert!(outbox.contains(&format!("[quiet-{id}] Kept (Opened)")));
    // Staff who are not superusers see neither.
    make_user(&app, "agent", true).await;
    let agent = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    post_login(&app, &agent, "agent", USER_PASSWORD).await;
    let home = agent
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("Mail is not being sent"));
    let resp = agent
        .post(app.url("/sfn/mail_outbox"))
        .header("origin", app.base.clone())
        .header("accept", "application/json")
        .form(&[("status", ""), ("page", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}
