//! The sending worker: sends due outbox messages over SMTP and records each attempt, as the
//! webhook worker does. At least once, never lost: a message is leased (its next attempt moved
//! past the attempt's time-out) in a committed write before it is sent, and its outcome is
//! recorded right after, so a server killed mid-send sends it again once the lease has run out,
//! and one that restarts finds every pending message in the database. Only a server killed
//! between the SMTP server's "250 OK" and that record sends a message twice (with the same
//! Message-ID, which mail clients fold into one).
//!
//! # `HELPDESK_SMTP_URL`
//! - `smtp://host` (port 25) or `smtp://host:587`: plain SMTP, upgraded with STARTTLS when the
//!   server offers it; with credentials (`smtp://user:pass@host:587`) STARTTLS is required, so
//!   a password never crosses the network in clear. `?tls=required`, `?tls=opportunistic` or
//!   `?tls=none` (trusted local relays only) override that choice.
//! - `smtps://user:pass@host` (port 465): TLS from the first byte.
//!
//! User and password are percent-decoded. The URL is only ever logged with its password
//! replaced by `***`.
//!
//! # Answers
//! 2xx: sent. 4xx, a refused or dropped connection, a time-out: tried again after the
//! configured waits (`HELPDESK_MAIL_RETRY_DELAYS`, by default 5 s, 30 s, 2 min, then every
//! 10 min) until 3 days after the message was written, then failed. 5xx: failed at once, with
//! the server's answer; the ticket's timeline shows it.

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::Timestamp;
use crate::error::AppError;
use crate::service::db::Db;

/// The default waits between attempts, in seconds; the last one repeats.
pub const DEFAULT_DELAYS: &str = "5,30,120,600";
/// The default time one attempt may take (`HELPDESK_SMTP_TIMEOUT`), in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// Messages sent at once.
const BATCH: i64 = 8;
/// After this long failing, a message is given up.
const GIVE_UP: chrono::Duration = chrono::Duration::days(3);
/// How often the worker looks for due messages when it found none.
const POLL: Duration = Duration::from_secs(1);

/// How a message goes out: the SMTP transport and how long an attempt may take.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
    /// For logs: the URL without its password.
    shown: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("url", &self.shown).finish()
    }
}

/// The TLS choice of an `smtp://` URL (see the module notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    None,
    Opportunistic,
    Required,
    Implicit,
}

/// What an SMTP URL says, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Reads `HELPDESK_SMTP_URL`.
///
/// # Errors
/// What is wrong with it, in words for the operator (never with the password).
pub fn parse_url(raw: &str) -> Result<SmtpUrl, String> {
    let url = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
    let implicit = match url.scheme() {
        "smtp" => false,
        "smtps" => true,
        other => return Err(format!("the scheme must be smtp or smtps, not {other}")),
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("the URL names no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let user = Some(decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(decode);
    if password.is_some() && user.is_none() {
        return Err("a password needs a user name".to_owned());
    }
    let mut tls = if implicit {
        TlsMode::Implicit
    } else if user.is_some() {
        TlsMode::Required
    } else {
        TlsMode::Opportunistic
    };
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref(), implicit) {
            ("tls", "required", false) => tls = TlsMode::Required,
            ("tls", "opportunistic", false) => tls = TlsMode::Opportunistic,
            ("tls", "none", false) => tls = TlsMode::None,
            ("tls", _, true) => return Err("smtps:// is always TLS; leave out ?tls=".to_owned()),
            ("tls", v, false) => {
                return Err(format!(
                    "tls must be required, opportunistic or none, not {v:?}"
                ));
            }
            (k, _, _) => return Err(format!("unknown setting {k:?} in the URL")),
        }
    }
    let port = url.port().unwrap_or(if implicit { 465 } else { 25 });
    Ok(SmtpUrl {
        host,
        port,
        user,
        password,
        tls,
    })
}

impl Mailer {
    /// The mailer for `HELPDESK_SMTP_URL`; each attempt may take `timeout`.
    ///
    /// # Errors
    /// What is wrong with the URL (never with its password).
    pub fn new(raw_url: &str, timeout: Duration) -> Result<Self, String> {
        let u = parse_url(raw_url)?;
        let params = || {
            TlsParameters::new(u.host.clone())
                .map_err(|e| format!("cannot set up TLS for {}: {e}", u.host))
        };
        let tls = match u.tls {
            TlsMode::None => Tls::None,
            TlsMode::Opportunistic => Tls::Opportunistic(params()?),
            TlsMode::Required => Tls::Required(params()?),
            TlsMode::Implicit => Tls::Wrapper(params()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(u.host.clone())
            .port(u.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(user) = u.user {
            builder = builder.credentials(Credentials::new(user, u.password.unwrap_or_default()));
        }
        Ok(Self {
            transport: builder.build(),
            timeout,
            shown: super::redact_url(raw_url),
        })
    }

    /// The URL, password hidden.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// How long a claimed message stays leased: longer than an attempt can take, so that no
    /// other worker sends it meanwhile.
    fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(5)
    }
}

/// Runs until the process ends. `delays` are the waits after the first, second, ... failed
/// attempt (the last one repeats).
pub async fn run(db: Db, mailer: Mailer, delays: Vec<Duration>) {
    tracing::info!(smtp = %mailer.shown(), "sending mail from the outbox");
    loop {
        match round(&db, &mailer, &delays).await {
            Ok(0) => tokio::time::sleep(POLL).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "mail round failed; trying again");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    ticket: i64,
    recipient: String,
    from_address: String,
    subject: String,
    message_id: String,
    in_reply_to: Option<String>,
    references_hdr: Option<String>,
    body_text: String,
    body_html: String,
    attempts: i64,
    created: String,
}

/// What one attempt came to.
#[derive(Debug)]
enum Outcome {
    Sent(Option<u16>),
    /// 5xx, or a message that can never be sent (a bad address).
    Refused(Option<u16>, String),
    /// 4xx, connection trouble, a time-out: try again later.
    Later(Option<u16>, String),
}

/// Sends what is due now; returns how many.
async fn round(db: &Db, mailer: &Mailer, delays: &[Duration]) -> Result<usize, AppError> {
    let due = claim(db, mailer.lease()).await?;
    let n = due.len();
    let mut sends = tokio::task::JoinSet::new();
    for d in due {
        let mailer = mailer.clone();
        sends.spawn(async move {
            let outcome = attempt(&mailer, &d).await;
            (d, outcome)
        });
    }
    while let Some(done) = sends.join_next().await {
        let Ok((d, outcome)) = done else {
            continue;
        };
        record(db, &d, outcome, delays).await?;
    }
    Ok(n)
}

/// Takes the due messages, and leases them in the same write.
async fn claim(db: &Db, lease: Duration) -> Result<Vec<Due>, AppError> {
    let now = Timestamp::now();
    let until = Timestamp::from_utc(
        now.inner() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(2)),
    );
    // A plain read first: the write lock (whose commit also drops every read cache) is taken
    // only when something is due.
    let any: Option<i64> = sqlx::query_scalar(
        "select id from mail_outbox where status = 'pending' and next_attempt_at <= $1 limit 1",
    )
    .bind(now.to_db())
    .fetch_optional(db)
    .await?;
    if any.is_none() {
        return Ok(Vec::new());
    }
    let mut tx = crate::service::db::begin_write(db).await?;
    let due: Vec<Due> = sqlx::query_as(
        "select id, ticket, recipient, from_address, subject, message_id, in_reply_to, \
         references_hdr, body_text, body_html, attempts + 1 as attempts, created \
         from mail_outbox where status = 'pending' and next_attempt_at <= $1 \
         order by next_attempt_at, id limit $2",
    )
    .bind(now.to_db())
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for d in &due {
        sqlx::query(
            "update mail_outbox set next_attempt_at = $1, attempts = attempts + 1, \
             last_attempt_at = $2 where id = $3",
        )
        .bind(until.to_db())
        .bind(now.to_db())
        .bind(d.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit_alone().await?;
    Ok(due)
}

/// The message as it goes out.
fn build(d: &Due) -> Result<Message, String> {
    let from: Mailbox = d
        .from_address
        .parse()
        .map_err(|e| format!("the From address {:?} is not valid: {e}", d.from_address))?;
    let to: Mailbox = d
        .recipient
        .parse()
        .map_err(|e| format!("the address {:?} is not valid: {e}", d.recipient))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(d.subject.clone())
        .message_id(Some(d.message_id.clone()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    if let Some(parent) = d.in_reply_to.as_ref().filter(|p| !p.is_empty()) {
        builder = builder.in_reply_to(parent.clone());
    }
    if let Some(refs) = d.references_hdr.as_ref().filter(|r| !r.is_empty()) {
        builder = builder.references(refs.clone());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            d.body_text.clone(),
            d.body_html.clone(),
        ))
        .map_err(|e| format!("the message cannot be built: {e}"))
}

async fn attempt(mailer: &Mailer, d: &Due) -> Outcome {
    let message = match build(d) {
        Ok(m) => m,
        Err(reason) => return Outcome::Refused(None, reason),
    };
    let sent = tokio::time::timeout(mailer.timeout, mailer.transport.send(message)).await;
    match sent {
        Err(_) => Outcome::Later(
            None,
            format!("timed out after {} s", mailer.timeout.as_secs()),
        ),
        Ok(Ok(reply)) => Outcome::Sent(Some(u16::from(reply.code()))),
        Ok(Err(e)) => {
            let code = e.status().map(u16::from);
            // lettre's message already ends with its source (the server's answer).
            let reason: String = e.to_string().chars().take(500).collect();
            if e.is_permanent() {
                Outcome::Refused(code, reason)
            } else {
                Outcome::Later(code, reason)
            }
        }
    }
}

/// The wait after the `attempts`-th failed attempt.
fn delay(delays: &[Duration], attempts: i64) -> Duration {
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(usize::MAX);
    delays
        .get(i)
        .or(delays.last())
        .copied()
        .unwrap_or(Duration::from_secs(600))
}

async fn record(db: &Db, d: &Due, outcome: Outcome, delays: &[Duration]) -> Result<(), AppError> {
    let now = Timestamp::now();
    let (status, code, error, next, sent_at) = match outcome {
        Outcome::Sent(code) => ("sent", code, String::new(), None, Some(now.to_db())),
        Outcome::Refused(code, error) => {
            tracing::warn!(outbox_id = d.id, ticket = d.ticket, code, error = %error,
                "the SMTP server refused a message; it is marked failed");
            ("failed", code, error, None, None)
        }
        Outcome::Later(code, error) => {
            let created = Timestamp::from_db(&d.created).unwrap_or(now);
            if now.inner() - created.inner() >= GIVE_UP {
                tracing::warn!(outbox_id = d.id, ticket = d.ticket, error = %error,
                    "a message could not be sent for 3 days; it is marked failed");
                let error = format!("given up after 3 days: {error}");
                ("failed", code, error, None, None)
            } else {
                tracing::info!(outbox_id = d.id, attempts = d.attempts, error = %error,
                    "a message could not be sent yet; trying again later");
                let wait = chrono::Duration::from_std(delay(delays, d.attempts))
                    .unwrap_or(chrono::Duration::minutes(10));
                let next = Timestamp::from_utc(now.inner() + wait).to_db();
                ("pending", code, error, Some(next), None)
            }
        }
    };
    let mut tx = crate::service::db::begin_write(db).await?;
    sqlx::query(
        "update mail_outbox set status = $1, smtp_code = $2, last_error = $3, \
         next_attempt_at = $4, sent_at = $5 where id = $6",
    )
    .bind(status)
    .bind(code.map(i64::from))
    .bind(&error)
    .bind(next)
    .bind(sent_at)
    .bind(d.id)
    .execute(&mut *tx)
    .await?;
    tx.commit_alone().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_choose_tls_as_documented() {
        let u = parse_url("smtp://ann:p%40ss@mail.example.com:587").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.tls),
            ("mail.example.com", 587, TlsMode::Required)
        );
        assert_eq!(
            (u.user.as_deref(), u.password.as_deref()),
            (Some("ann"), Some("p@ss"))
        );
        let u = parse_url("smtp://localhost").unwrap();
        assert_eq!((u.port, u.tls), (25, TlsMode::Opportunistic));
        let u = parse_url("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!((u.port, u.tls), (2525, TlsMode::None));
        let u = parse_url("smtps://a:b@mail.example.com").unwrap();
        assert_eq!((u.port, u.tls), (465, TlsMode::Implicit));
        for bad in [
            "http://x",
            "smtp://",
            "smtp://x?tls=maybe",
            "smtps://x?tls=none",
            "smtp://x?foo=1",
            "nonsense",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_error_never_shows_the_password() {
        let e = Mailer::new("smtp://ann:hunter2@[::1:bad", Duration::from_secs(1)).unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let m = Mailer::new("smtp://ann:hunter2@localhost:2525", Duration::from_secs(1)).unwrap();
        assert!(!m.shown().contains("hunter2"), "{}", m.shown());
        assert!(!format!("{m:?}").contains("hunter2"));
    }

    #[test]
    fn waits_grow_then_repeat_the_last() {
        let d: Vec<Duration> = [5, 30, 120, 600].map(Duration::from_secs).to_vec();
        assert_eq!(delay(&d, 1), Duration::from_secs(5));
        assert_eq!(delay(&d, 4), Duration::from_secs(600));
        assert_eq!(delay(&d, 40), Duration::from_secs(600));
    }
}
