//! Mail in (issue 15): one RFC 5322 message, as an MTA pipes it to `helpdesk mail receive`
//! or the IMAP poller fetches it, filed as a public followup on the ticket it answers or as a
//! new ticket in a queue. Parsing (MIME, transfer encodings, RFC 2047 words, charsets) is
//! mail-parser's; this module decides what a message is and files it through
//! `service::customers`, so the mail, webhooks and change feed of a filing are those of any
//! customer's reply. It never writes tickets or followups itself and never sends mail.
//!
//! # Filing rules
//! 1. A message that cannot be read as mail, or names no usable sender, is `Unparsable`.
//! 2. Mail that must never be answered is `Ignored`: `Auto-Submitted` other than `no`,
//!    `Precedence: bulk/junk/list`, delivery reports (bounces), mail from the helpdesk's own
//!    addresses and from senders on the ignore list (`ignore`).
//! 3. A `Message-ID` filed before is a `Duplicate`: the filing writes the id on its followup
//!    in its own transaction, and `mail_received` lets two deliveries of one id meet (see
//!    `filing`).
//! 4. A subject tag `[SLUG-ID]` naming a ticket of that queue, or an `In-Reply-To` /
//!    `References` id that the helpdesk sent (`mail_outbox`) or received (`followups`,
//!    `mail_received`), makes a public followup on that ticket (reopening it when resolved or
//!    closed); anything else opens a ticket in the queue.

use std::borrow::Cow;
use std::path::Path;

use mail_parser::{MessageParser, MimeHeaders, PartType};

use crate::domain::attachment::{UploadedFile, safe_filename};
use crate::domain::email::Email;
use crate::domain::ticket::TicketTitle;
use crate::error::AppError;
use crate::service::db::{Backend, Db};

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filed {
    /// A new ticket.
    Ticket(i64),
    /// A public followup on an existing ticket.
    Followup { ticket: i64, followup: i64 },
    /// Deliberately not filed (a loop or the ignore list): the reason, for the log.
    Ignored(String),
    /// This Message-ID was filed before; nothing was written.
    Duplicate,
}

/// Why a message was not filed this time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// The database is busy: try again later (the MTA's EX_TEMPFAIL).
    #[error("the database is busy; try again later")]
    Busy,
    /// The message can never be filed (no sender, not mail at all).
    #[error("cannot file this message: {0}")]
    Unparsable(String),
    /// Anything else; trying again later may work.
    #[error("cannot file this message now: {0}")]
    Other(String),
}

impl From<sqlx::Error> for ReceiveError {
    fn from(e: sqlx::Error) -> Self {
        if crate::error::is_busy(&e) {
            ReceiveError::Busy
        } else {
            tracing::error!(error = %e, "mail receive: database error");
            ReceiveError::Other("database error".to_owned())
        }
    }
}

impl From<AppError> for ReceiveError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unavailable => ReceiveError::Busy,
            // The input was checked before; a rule it still breaks will break again.
            AppError::Validation(_) | AppError::TooLarge(_) | AppError::BadRequest(_) => {
                ReceiveError::Unparsable(e.to_string())
            }
            other => ReceiveError::Other(other.to_string()),
        }
    }
}

/// A message as the helpdesk files it.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Without angle brackets.
    pub message_id: Option<String>,
    pub sender: String,
    pub subject: String,
    /// The text: the plain part, or the HTML part as text; quoted earlier text included.
    pub body: String,
    /// In-Reply-To then References (newest first), without angle brackets.
    pub refs: Vec<String>,
    pub files: Vec<UploadedFile>,
    /// Why the headers say it must not be answered, if they do.
    pub auto: Option<String>,
}

/// The longest text kept from a message, leaving room for the notes about what was left out.
const MAX_BODY_CHARS: usize = crate::domain::MAX_TEXT_CHARS - 1000;

/// Reads `raw` as mail.
///
/// # Errors
/// `Unparsable` when it is not mail (no header at all) or names no valid sender.
pub fn parse(raw: &[u8], max_file_bytes: usize) -> Result<Incoming, ReceiveError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ReceiveError::Unparsable("the message is empty".to_owned()));
    }
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ReceiveError::Unparsable("not an RFC 5322 message".to_owned()))?;
    let has_header = |name: &str| {
        msg.headers()
            .iter()
            .any(|h| h.name().eq_ignore_ascii_case(name))
    };
    if !has_header("From") && !has_header("Sender") {
        return Err(ReceiveError::Unparsable(
            "no From header: this is not an e-mail message".to_owned(),
        ));
    }
    let auto = loop_reason(&msg);
    let sender_raw = msg
        .from()
        .or_else(|| msg.sender())
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or("")
        .trim()
        .to_owned();
    let sender = match Email::parse(&sender_raw) {
        Ok(e) => e.into_inner(),
        // A loop is ignored whatever its sender (a bounce's From is often no address).
        Err(_) if auto.is_some() => sender_raw,
        Err(_) => {
            return Err(ReceiveError::Unparsable(format!(
                "the sender {sender_raw:?} is not a valid e-mail address"
            )));
        }
    };
    let message_id = msg
        .message_id()
        .map(|id| bare_id(id).to_owned())
        .filter(|id| !id.is_empty() && id.len() <= 500);
    let mut refs = ids_of(msg.in_reply_to());
    let mut references = ids_of(msg.references());
    references.reverse();
    refs.extend(references);
    refs.dedup();
    // PostgreSQL refuses NUL in text; no mail client means one.
    let subject = msg
        .subject()
        .unwrap_or("")
        .replace('\0', "")
        .trim()
        .to_owned();
    let (mut body, mut notes) = body_of(&msg);
    let files = files_of(&msg, max_file_bytes, &mut notes);
    if !notes.is_empty() {
        body = format!("{}\n\n{}", body.trim_end(), notes.join("\n"));
    }
    Ok(Incoming {
        message_id,
        sender,
        subject,
        body: body.replace('\0', "").trim().to_owned(),
        refs,
        files,
        auto,
    })
}

fn bare_id(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

fn ids_of(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    let list: Vec<&str> = match value {
        mail_parser::HeaderValue::Text(t) => vec![t.as_ref()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    list.into_iter()
        .map(bare_id)
        .filter(|id| !id.is_empty() && id.len() <= 500)
        .map(str::to_owned)
        .collect()
}

/// A header's text, unfolded, by name (case-insensitively).
fn header_text(msg: &mail_parser::Message<'_>, name: &str) -> Option<String> {
    let h = msg
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    let raw = msg
        .raw_message()
        .get(h.offset_start() as usize..h.offset_end() as usize)?;
    let text = String::from_utf8_lossy(raw);
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Why answering this message could start a mail loop (RFC 3834), if it could.
fn loop_reason(msg: &mail_parser::Message<'_>) -> Option<String> {
    if let Some(v) = header_text(msg, "Auto-Submitted") {
        let token = v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if token != "no" {
            return Some(format!("Auto-Submitted: {token}"));
        }
    }
    if let Some(v) = header_text(msg, "Precedence") {
        let v = v.trim().to_ascii_lowercase();
        if matches!(v.as_str(), "bulk" | "junk" | "list") {
            return Some(format!("Precedence: {v}"));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if header_text(msg, name).is_some() {
            return Some(format!("{name} header (an automatic reply)"));
        }
    }
    if msg.is_content_type("multipart", "report") {
        return Some("a delivery or disposition report (multipart/report)".to_owned());
    }
    if header_text(msg, "Return-Path").is_some_and(|v| v.trim() == "<>") {
        return Some("the null return path <> (a bounce)".to_owned());
    }
    let from = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or("");
    let local = from.split('@').next().unwrap_or("");
    if local.eq_ignore_ascii_case("mailer-daemon") {
        return Some("from MAILER-DAEMON (a bounce)".to_owned());
    }
    None
}

/// The message's text: its text parts (HTML converted when there is no plain one) and the
/// notes about what could not be kept.
fn body_of(msg: &mail_parser::Message<'_>) -> (String, Vec<String>) {
    let mut parts: Vec<String> = Vec::new();
    for &id in &msg.text_body {
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Text(t) => parts.push(t.replace("\r\n", "\n")),
            PartType::Html(h) => parts.push(html_to_text(h)),
            _ => {}
        }
    }
    let mut text = parts.join("\n\n");
    let mut notes = Vec::new();
    if text.chars().count() > MAX_BODY_CHARS {
        text = text.chars().take(MAX_BODY_CHARS).collect();
        notes.push("[The message was longer; the rest was not kept.]".to_owned());
    }
    (text, notes)
}

/// HTML as text, by mail-parser's converter (it drops tags, `<head>`, `<style>` and
/// `<script>` and decodes entities), after marking where block elements end so paragraphs,
/// list items and table rows keep their own lines. The result is shown as text, escaped.
pub fn html_to_text(html: &str) -> String {
    let mut marked = String::with_capacity(html.len() + 64);
    let lower = html.to_ascii_lowercase();
    let mut last = 0;
    for (at, _) in lower.match_indices('<') {
        let rest = &lower[at..];
        let block = [
            "</div",
            "</li",
            "</tr",
            "</h1",
            "</h2",
            "</h3",
            "</h4",
            "</h5",
            "</h6",
            "<hr",
            "</blockquote",
            "</table",
            "</pre",
        ]
        .iter()
        .any(|tag| {
            rest.starts_with(tag)
                && rest[tag.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '>' || c == '/' || c.is_whitespace())
        });
        if block {
            marked.push_str(&html[last..at]);
            marked.push_str("<br>");
            last = at;
        }
    }
    marked.push_str(&html[last..]);
    let text = mail_parser::decoders::html::html_to_text(&marked);
    // At most one blank line in a row, no trailing spaces.
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_start_matches(' '));
        out.push('\n');
    }
    out.trim().to_owned()
}

/// The message's attachments and inline images, named safely, at most
/// `MAX_FILES_PER_REQUEST` of them and each within `max_file_bytes`; a note for each one left
/// out.
fn files_of(
    msg: &mail_parser::Message<'_>,
    max_file_bytes: usize,
    notes: &mut Vec<String>,
) -> Vec<UploadedFile> {
    let mut ids: Vec<u32> = msg.attachments.clone();
    // Inline images sit in the body lists only, in some messages.
    for &id in msg.html_body.iter().chain(&msg.text_body) {
        if let Some(p) = msg.parts.get(id as usize)
            && matches!(p.body, PartType::InlineBinary(_) | PartType::Binary(_))
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    let mut files = Vec::new();
    for (n, id) in ids.into_iter().enumerate() {
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        let content_type = part
            .content_type()
            .map(|ct| match &ct.c_subtype {
                Some(sub) => format!("{}/{}", ct.c_type, sub),
                None => ct.c_type.to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".to_owned())
            .to_ascii_lowercase();
        let bytes: Cow<'_, [u8]> = match &part.body {
            PartType::Message(m) => Cow::Borrowed(m.raw_message()),
            PartType::Multipart(_) => continue,
            _ => Cow::Borrowed(part.contents()),
        };
        let name = match part.attachment_name() {
            Some(name) if !name.trim().is_empty() => safe_filename(name),
            _ => default_name(n + 1, &content_type, part),
        };
        if bytes.len() > max_file_bytes {
            notes.push(format!(
                "[The attachment \"{name}\" ({} bytes) was not kept: the limit is {max_file_bytes} bytes.]",
                bytes.len()
            ));
            continue;
        }
        if files.len() >= crate::service::attachments::MAX_FILES_PER_REQUEST {
            notes.push(format!(
                "[The attachment \"{name}\" was not kept: at most {} files are kept from one message.]",
                crate::service::attachments::MAX_FILES_PER_REQUEST
            ));
            continue;
        }
        files.push(UploadedFile {
            field: "attachment".to_owned(),
            filename: name,
            content_type,
            bytes: bytes.into_owned(),
        });
    }
    files
}

fn default_name(n: usize, content_type: &str, part: &mail_parser::MessagePart<'_>) -> String {
    if matches!(part.body, PartType::Message(_)) {
        return format!("message-{n}.eml");
    }
    let ext = match content_type {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "text/plain" => "txt",
        "text/html" => "html",
        "application/pdf" => "pdf",
        "text/calendar" => "ics",
        _ => "bin",
    };
    let stem = if content_type.starts_with("image/") {
        "image"
    } else {
        "attachment"
    };
    format!("{stem}-{n}.{ext}")
}

/// The tickets a subject's tags `[SLUG-ID]` name, in order.
pub fn subject_tags(subject: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        let inner = rest[..close].trim();
        if let Some((slug, id)) = inner.rsplit_once('-')
            && crate::domain::Slug::is_valid(slug)
            && !id.is_empty()
            && id.len() <= 18
            && id.bytes().all(|b| b.is_ascii_digit())
            && let Ok(id) = id.parse::<i64>()
        {
            out.push((slug.to_owned(), id));
        }
    }
    out
}

/// Whether `address` matches an ignore-list `pattern`: case-insensitively, `*` standing for
/// any run of characters (`*@noreply.example.com`, `bounce-*@example.com`).
pub fn pattern_matches(pattern: &str, address: &str) -> bool {
    let p: Vec<char> = pattern.trim().to_lowercase().chars().collect();
    let a: Vec<char> = address.trim().to_lowercase().chars().collect();
    // Iterative wildcard matching with backtracking to the last `*`.
    let (mut pi, mut ai) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ai));
            pi += 1;
        } else if pi < p.len() && p[pi] == a[ai] {
            pi += 1;
            ai += 1;
        } else if let Some((sp, sa)) = star {
            pi = sp + 1;
            ai = sa + 1;
            star = Some((sp, sa + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The title for a new ticket: the subject, shortened to fit, or "(no subject)".
fn title_of(subject: &str) -> String {
    let cleaned: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        return "(no subject)".to_owned();
    }
    cleaned.chars().take(TicketTitle::MAX_CHARS).collect()
}

/// Whether a queue with this slug exists (the command line checks it first, to exit with
/// its own code).
///
/// # Errors
/// The database error.
pub async fn queue_exists(db: &Db, slug: &str) -> Result<bool, ReceiveError> {
    Ok(queue_id(db, slug).await?.is_some())
}

async fn queue_id(db: &Db, slug: &str) -> Result<Option<i64>, ReceiveError> {
    Ok(sqlx::query_scalar("select id from queues where slug = $1")
        .bind(slug)
        .fetch_optional(db)
        .await?)
}

/// Why mail from `sender` is not filed, if it is from the helpdesk itself or on the ignore
/// list.
async fn sender_ignored(db: &Db, sender: &str) -> Result<Option<String>, ReceiveError> {
    let own: Vec<Option<String>> = sqlx::query_scalar("select email_address from queues")
        .fetch_all(db)
        .await?;
    let defaults = db.default_from().map(str::to_owned);
    if own
        .into_iter()
        .flatten()
        .chain(defaults)
        .any(|a| crate::domain::email::same_email(bare_address(&a), sender))
    {
        return Ok(Some(format!("from the helpdesk's own address {sender}")));
    }
    if let Some(pattern) = super::ignore::matching(db, sender).await? {
        return Ok(Some(format!("{sender} is on the ignore list ({pattern})")));
    }
    Ok(None)
}

/// `Name <a@b>` -> `a@b`.
fn bare_address(text: &str) -> &str {
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => text[open + 1..close].trim(),
        _ => text.trim(),
    }
}

/// A ticket with its queue's slug, following merges to the ticket that absorbed it.
async fn live_ticket(db: &Db, mut id: i64) -> Result<Option<(i64, String)>, ReceiveError> {
    for _ in 0..16 {
        let row: Option<(String, Option<i64>)> = sqlx::query_as(
            "select q.slug, t.merged_to from tickets t join queues q on q.id = t.queue \
             where t.id = $1",
        )
        .bind(id)
        .fetch_optional(db)
        .await?;
        match row {
            None => return Ok(None),
            Some((slug, None)) => return Ok(Some((id, slug))),
            Some((_, Some(next))) => id = next,
        }
    }
    Ok(None)
}

/// The ticket this message answers, if any: by subject tag, then by the ids it refers to.
async fn thread(db: &Db, mail: &Incoming) -> Result<Option<i64>, ReceiveError> {
    for (slug, id) in subject_tags(&mail.subject) {
        let row: Option<String> = sqlx::query_scalar(
            "select q.slug from tickets t join queues q on q.id = t.queue where t.id = $1",
        )
        .bind(id)
        .fetch_optional(db)
        .await?;
        // The tag must name the ticket's own queue: `[support-7]` is not ticket 7 of billing.
        if row.is_some_and(|s| s.eq_ignore_ascii_case(&slug))
            && let Some((live, _)) = live_ticket(db, id).await?
        {
            return Ok(Some(live));
        }
    }
    let outbox = outbox_exists(db).await?;
    for id in &mail.refs {
        let (bare, bracketed) = (id.as_str(), format!("<{id}>"));
        let mut found: Option<i64> = sqlx::query_scalar(
            "select ticket from mail_received \
             where (message_id = $1 or message_id = $2) and ticket is not null",
        )
        .bind(bare)
        .bind(&bracketed)
        .fetch_optional(db)
        .await?;
        if found.is_none() {
            found = sqlx::query_scalar(
                "select ticket from followups where message_id = $1 or message_id = $2 \
                 order by id limit 1",
            )
            .bind(bare)
            .bind(&bracketed)
            .fetch_optional(db)
            .await?;
        }
        if found.is_none() && outbox {
            found = sqlx::query_scalar(
                "select ticket from mail_outbox where message_id = $1 or message_id = $2 \
                 order by id limit 1",
            )
            .bind(bare)
            .bind(&bracketed)
            .fetch_optional(db)
            .await?;
        }
        if let Some(ticket) = found
            && let Some((live, _)) = live_ticket(db, ticket).await?
        {
            return Ok(Some(live));
        }
    }
    Ok(None)
}

/// Whether the outgoing mail table exists (it comes with the mail-out migration).
async fn outbox_exists(db: &Db) -> Result<bool, ReceiveError> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "select count(*) from sqlite_master where type = 'table' and name = 'mail_outbox'"
        }
        Backend::Postgres => {
            "select count(*) from information_schema.tables where table_name = 'mail_outbox' \
             and table_schema = current_schema()"
        }
    };
    let n: i64 = sqlx::query_scalar(sql).fetch_one(db).await?;
    Ok(n > 0)
}

async fn already_received(db: &Db, message_id: &str) -> Result<bool, ReceiveError> {
    let n: i64 = sqlx::query_scalar(
        "select count(*) from mail_received where message_id = $1 and ticket is not null",
    )
    .bind(message_id)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Files one message for the queue `queue_slug` (see the module's rules).
///
/// # Errors
/// `Unparsable` for a message that can never be filed; `Busy` when the database stayed
/// busy; `Other` for anything else (an unknown queue, a database failure): try again later.
#[tracing::instrument(skip(db, media_root, raw), fields(bytes = raw.len()))]
pub async fn file(
    db: &Db,
    media_root: &Path,
    queue_slug: &str,
    raw: &[u8],
) -> Result<Filed, ReceiveError> {
    let mail = parse(raw, db.max_file_bytes())?;
    if let Some(reason) = &mail.auto {
        tracing::info!(reason, "mail ignored");
        return Ok(Filed::Ignored(reason.clone()));
    }
    let Some(queue) = queue_id(db, queue_slug).await? else {
        return Err(ReceiveError::Other(format!(
            "there is no queue with the slug {queue_slug:?}"
        )));
    };
    if let Some(reason) = sender_ignored(db, &mail.sender).await? {
        tracing::info!(reason, "mail ignored");
        return Ok(Filed::Ignored(reason));
    }
    if let Some(id) = &mail.message_id
        && already_received(db, id).await?
    {
        return Ok(Filed::Duplicate);
    }
    let filed = match thread(db, &mail).await? {
        Some(ticket) => super::filing::reply(db, media_root, ticket, &mail).await?,
        None => super::filing::open(db, media_root, queue, &title_of(&mail.subject), &mail).await?,
    };
    tracing::info!(?filed, message_id = ?mail.message_id, "mail filed");
    Ok(filed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_tags_name_a_slug_and_a_ticket_number() {
        assert_eq!(
            subject_tags("Re: [support-7] Printer on fire"),
            vec![("support".to_owned(), 7)]
        );
        assert_eq!(
            subject_tags("[it-help-12] x [bad] [a-] [-3] [b-4"),
            vec![("it-help".to_owned(), 12)]
        );
        assert!(subject_tags("no tag here").is_empty());
        assert!(subject_tags("[support-99999999999999999999]").is_empty());
    }

    #[test]
    fn ignore_patterns_match_whole_addresses_with_wildcards() {
        assert!(pattern_matches(
            "*@noreply.example.com",
            "X@NoReply.Example.com"
        ));
        assert!(!pattern_matches("*@noreply.example.com", "x@example.com"));
        assert!(!pattern_matches(
            "*@noreply.example.com",
            "x@noreply.example.com.evil"
        ));
        assert!(pattern_matches(
            "bounce-*@*.example.org",
            "bounce-12@mx.example.org"
        ));
        assert!(pattern_matches("ann@example.com", "ann@example.com"));
        assert!(!pattern_matches("ann@example.com", "joann@example.com"));
        assert!(pattern_matches("*", "anyone@anywhere.org"));
    }

    #[test]
    fn html_becomes_text_with_its_blocks_on_their_own_lines() {
        let text = html_to_text(
            "<html><head><style>p{}</style></head><body><div>Hello &amp; welcome</div>\
             <div>Second<br>line</div><ul><li>one</li><li>two</li></ul>\
             <script>alert(1)</script><p>&lt;b&gt;not bold&lt;/b&gt;</p></body></html>",
        );
        assert_eq!(
            text,
            "Hello & welcome\nSecond\nline\none\ntwo\n<b>not bold</b>"
        );
    }

    #[test]
    fn a_message_without_a_sender_or_headers_is_unparsable() {
        for raw in [
            &b""[..],
            b"\r\n\r\n",
            b"\x00\x01\xff\xfe garbage \x89PNG",
            b"Subject: hi\r\n\r\nno sender",
            b"From: not an address\r\nSubject: x\r\n\r\nbody",
        ] {
            assert!(
                matches!(parse(raw, 1000), Err(ReceiveError::Unparsable(_))),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn loops_are_recognised_by_their_headers() {
        let cases = [
            ("Auto-Submitted: auto-replied\r\n", true),
            ("Auto-Submitted: No\r\n", false),
            ("Precedence: bulk\r\n", true),
            ("Precedence: first-class\r\n", false),
            ("Return-Path: <>\r\n", true),
            ("X-Autoreply: yes\r\n", true),
        ];
        for (header, ignored) in cases {
            let raw = format!("From: a@example.com\r\n{header}Subject: s\r\n\r\nbody\r\n");
            let mail = parse(raw.as_bytes(), 1000).unwrap();
            assert_eq!(mail.auto.is_some(), ignored, "{header}");
        }
    }

    #[test]
    fn reply_ids_come_newest_first_without_brackets() {
        let raw = "From: a@example.com\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\n\
                   References: <m1@x> <m2@x>\r\nSubject: s\r\n\r\nbody\r\n";
        let mail = parse(raw.as_bytes(), 1000).unwrap();
        assert_eq!(mail.message_id.as_deref(), Some("m3@x"));
        assert_eq!(mail.refs, vec!["m2@x", "m1@x"]);
    }

    fn corpus(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/mail/corpus")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn the_corpus_decodes_every_charset_and_encoding() {
        let m = |name| parse(&corpus(name), 1 << 20).unwrap();
        let plain = m("01-plain.eml");
        assert_eq!(plain.sender, "ann@example.com");
        assert_eq!(
            plain.message_id.as_deref(),
            Some("plain-1@mail.example.com")
        );
        assert!(
            plain.body.starts_with("Hello,\n\nthe printer"),
            "{}",
            plain.body
        );
        assert!(plain.auto.is_none());
        let html = m("02-html-only.eml");
        assert!(html.body.contains("Hello & good morning,"), "{}", html.body);
        assert!(!html.body.contains("alert('x')"), "{}", html.body);
        let qp = m("04-quoted-printable.eml");
        assert!(
            qp.body.contains("broken – again. Price: 5 € per cup."),
            "{}",
            qp.body
        );
        assert!(m("05-base64.eml").body.contains("Naïve question"));
        let latin = m("06-iso-8859-1.eml");
        assert_eq!(latin.subject, "Problème d'imprimante");
        assert!(
            latin.body.contains("3e étage ne répond plus"),
            "{}",
            latin.body
        );
        let sjis = m("07-shift-jis.eml");
        assert_eq!(sjis.subject, "プリンターが故障しました");
        assert!(
            sjis.body.contains("至急対応をお願いします"),
            "{}",
            sjis.body
        );
        assert_eq!(
            m("08-rfc2047-subject.eml").subject,
            "Fråga om fakturan – 🚀 (réf. 42)"
        );
        let reply = m("09-reply-in-reply-to.eml");
        assert_eq!(reply.refs, vec!["plain-1@mail.example.com"]);
        assert!(m("11-auto-reply.eml").auto.is_some());
        assert!(m("12-bounce.eml").auto.is_some());
        assert!(m("16-precedence-bulk.eml").auto.is_some());
        assert!(
            m("14-truncated.eml")
                .body
                .contains("The server logs are attached.")
        );
        assert!(m("17-no-message-id.eml").message_id.is_none());
        assert!(matches!(
            parse(&corpus("15-garbage.eml"), 1 << 20),
            Err(ReceiveError::Unparsable(_))
        ));
    }

    #[test]
    fn attachments_and_inline_images_keep_safe_names_within_the_limits() {
        let mail = parse(&corpus("03-multipart-attachments.eml"), 1 << 20).unwrap();
        let mut names: Vec<&str> = mail.files.iter().map(|f| f.filename.as_str()).collect();
        names.sort();
        assert_eq!(names, vec!["image-1.png", "invoice 2026-11.pdf", "passwd"]);
        assert!(mail.body.starts_with("Please find the invoice attached."));
        // A limit of 70 bytes keeps the image and the text file, and names the PDF left out.
        let mail = parse(&corpus("03-multipart-attachments.eml"), 70).unwrap();
        assert!(
            mail.body.contains("\"invoice 2026-11.pdf\"") && mail.body.contains("was not kept"),
            "{}",
            mail.body
        );
    }

    /// A superuser, a queue `support` and a ticket in it.
    async fn desk(db: &Db) -> (crate::domain::user::CurrentUser, i64) {
        use crate::domain::input::WriteMode;
        let admin = crate::service::users::create_superuser(db, "admin", "", "s3cret-pass".into())
            .await
            .unwrap();
        let body = serde_json::json!({"title": "Support", "slug": "support"});
        let q = crate::service::queues::create(
            db,
            &admin,
            crate::domain::queue::QueueInput::from_json(
                body.as_object().unwrap(),
                WriteMode::Create,
            ),
        )
        .await
        .unwrap();
        let body = serde_json::json!({"queue": q.id, "title": "Earlier"});
        let t = crate::service::tickets::create(
            db,
            &admin,
            Path::new("unused-media"),
            crate::domain::ticket::TicketInput::from_json(
                body.as_object().unwrap(),
                WriteMode::Create,
            ),
            Vec::new(),
        )
        .await
        .unwrap();
        (admin, t.id)
    }

    #[tokio::test]
    async fn a_message_id_being_filed_is_busy_and_one_on_a_followup_is_a_duplicate() {
        let db = crate::service::db::testing::db().await;
        let (_, ticket) = desk(&db).await;
        let raw =
            b"From: ann@example.com\r\nMessage-ID: <m1@example.com>\r\nSubject: hi\r\n\r\nbody\r\n";
        // Claimed a moment ago by another receiver, not filed yet.
        sqlx::query("insert into mail_received (message_id, received) values ($1, $2)")
            .bind("m1@example.com")
            .bind(crate::domain::Timestamp::now().to_db())
            .execute(&*db)
            .await
            .unwrap();
        let media = tempfile::tempdir().unwrap();
        assert_eq!(
            file(&db, media.path(), "support", raw).await,
            Err(ReceiveError::Busy)
        );
        // That receiver filed it and died before recording it: its followup says so.
        sqlx::query("update followups set message_id = $1 where ticket = $2")
            .bind("<m1@example.com>")
            .bind(ticket)
            .execute(&*db)
            .await
            .unwrap();
        assert_eq!(
            file(&db, media.path(), "support", raw).await,
            Ok(Filed::Duplicate)
        );
        let recorded: Option<i64> =
            sqlx::query_scalar("select ticket from mail_received where message_id = $1")
                .bind("m1@example.com")
                .fetch_one(&*db)
                .await
                .unwrap();
        assert_eq!(recorded, Some(ticket));
        // A reply naming it threads to that ticket.
        let reply = b"From: ann@example.com\r\nIn-Reply-To: <m1@example.com>\r\nSubject: Re: hi\r\n\r\nmore\r\n";
        let mail = parse(reply, 1000).unwrap();
        assert_eq!(thread(&db, &mail).await.unwrap(), Some(ticket));
        let tagged = parse(
            b"From: ann@example.com\r\nSubject: Re: [SUPPORT-1] hi\r\n\r\nx\r\n",
            1000,
        )
        .unwrap();
        assert_eq!(thread(&db, &tagged).await.unwrap(), Some(ticket));
        let other_queue = parse(
            b"From: ann@example.com\r\nSubject: Re: [billing-1] hi\r\n\r\nx\r\n",
            1000,
        )
        .unwrap();
        assert_eq!(thread(&db, &other_queue).await.unwrap(), None);
    }

    #[test]
    fn titles_fit_and_are_never_blank() {
        assert_eq!(title_of("  "), "(no subject)");
        assert_eq!(title_of("a\tb"), "a b");
        assert_eq!(title_of(&"x".repeat(300)).chars().count(), 200);
    }
}
