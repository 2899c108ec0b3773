//! The public portal's own rules (issue 15): which queues and custom fields people without an
//! account see, the honeypot, and the submission rate limits (per email address, counted in
//! the database; per client address, counted by this server). Tickets, replies and status
//! changes are written by `customers`, with their mail; nothing here writes a row.
//!
//! The honeypot is answered with 400, not silently dropped: only software fills a hidden
//! input, but a person's browser may autofill one now and then, and a fake success would
//! leave that person waiting for replies to a ticket that does not exist.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::domain::attachment::{Attachment, UploadedFile};
use crate::domain::custom_field::{CustomField, DataType};
use crate::domain::portal::{PortalChoices, PortalQueue};
use crate::domain::ticket::{NewTicket, SubmitterTicket};
use crate::domain::{Email, NOT_BLANK, Timestamp};
use crate::error::{AppError, ErrorBag};
use crate::service::customers::{self, CustomerReply, NewCustomerTicket, StatusRequest};
use crate::service::db::{Db, dialect};
use crate::service::{attachments, custom_fields};

/// The window of both rate limits.
const WINDOW: Duration = Duration::from_secs(3600);

/// The most client addresses remembered at once; past it, the oldest entries are dropped
/// (the per-email limit, in the database, still holds).
const MAX_ADDRESSES: usize = 10_000;

/// The submission limits, and the recent submissions of each client address on this server.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct PortalLimits {
    per_email: u32,
    per_address: u32,
    recent: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
}

impl Default for PortalLimits {
    /// 5 tickets per email address and 20 per client address an hour.
    fn default() -> Self {
        Self::new(5, 20)
    }
}

impl PortalLimits {
    /// At most `per_email` tickets an hour from one email address and `per_address` from one
    /// client address; 0 turns a limit off.
    pub fn new(per_email: u32, per_address: u32) -> Self {
        Self {
            per_email,
            per_address,
            recent: Arc::default(),
        }
    }

    /// Seconds until `addr` may submit again, when it is at its limit.
    fn address_wait(&self, addr: IpAddr, now: Instant) -> Option<u64> {
        if self.per_address == 0 {
            return None;
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let times = recent.get_mut(&addr)?;
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() < self.per_address as usize {
            return None;
        }
        let oldest = *times.front()?;
        Some(
            (WINDOW.saturating_sub(now.duration_since(oldest)))
                .as_secs()
                .max(1),
        )
    }

    /// Counts a submission from `addr`.
    fn note(&self, addr: IpAddr, now: Instant) {
        if self.per_address == 0 {
            return;
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() >= MAX_ADDRESSES && !recent.contains_key(&addr) {
            recent.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
            if recent.len() >= MAX_ADDRESSES {
                return;
            }
        }
        recent.entry(addr).or_default().push_back(now);
    }
}

/// A `/submit` form as sent, before any check.
#[derive(Debug, Default)]
pub struct Submission {
    pub queue: String,
    pub title: String,
    pub description: String,
    pub email: String,
    /// The honeypot input's value; people leave it empty.
    pub honeypot: String,
    /// Custom field values by key (`custom_<name>`); a ticked checkbox is "on".
    pub custom: BTreeMap<String, String>,
    pub files: Vec<UploadedFile>,
}

/// A ticket opened from the portal: its number and the secret key of its link.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: i64,
    pub key: String,
}

async fn public_queues(db: &Db) -> Result<Vec<PortalQueue>, AppError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "select id, title from queues where allow_public_submission = 1 order by title, id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, title)| PortalQueue { id, title })
        .collect())
}

async fn public_fields(db: &Db) -> Result<Vec<CustomField>, AppError> {
    Ok(custom_fields::all_cached(db)
        .await?
        .into_iter()
        .filter(|f| !f.staff_only)
        .collect())
}

/// What the `/submit` form offers: the queues that allow public submission and the custom
/// fields that are not staff-only. Anyone may ask.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn choices(db: &Db) -> Result<PortalChoices, AppError> {
    Ok(PortalChoices {
        queues: public_queues(db).await?,
        custom_fields: public_fields(db).await?,
    })
}

/// Tickets opened for `email` within the window.
async fn recent_tickets(db: &Db, email: &str) -> Result<i64, AppError> {
    let since = Timestamp::from_utc(
        Timestamp::now().inner() - chrono::Duration::seconds(WINDOW.as_secs() as i64),
    );
    let n: i64 = sqlx::query_scalar(&format!(
        "select count(*) from tickets where {} and created > $2",
        dialect::eq_nocase(db.backend(), "submitter_email", "$1")
    ))
    .bind(email)
    .bind(since.to_db())
    .fetch_one(db)
    .await?;
    Ok(n)
}

fn too_many(retry_after: u64) -> AppError {
    AppError::TooManyRequests {
        detail: "Too many tickets were submitted from here within an hour; please try again later, or reply to the ticket you already opened."
            .to_owned(),
        retry_after,
    }
}

/// Opens a ticket from the public form: checks the honeypot, the queue (it must allow
/// public submission), the email address and the rate limits, keeps only the custom fields
/// that are not staff-only, then opens the ticket through `customers` (which mails the
/// submitter its link). Nothing is written when anything is wrong.
///
/// # Errors
/// `BadRequest` for a filled honeypot; `Validation` naming each bad field (`queue`, `title`,
/// `description`, `email`, `custom_<name>`); `TooManyRequests` over a rate limit;
/// `TooLarge` for a file over the limit.
#[tracing::instrument(skip_all)]
pub async fn submit(
    db: &Db,
    media_root: &Path,
    limits: &PortalLimits,
    client: Option<IpAddr>,
    s: Submission,
) -> Result<Submitted, AppError> {
    if !s.honeypot.trim().is_empty() {
        tracing::info!("portal submission with the honeypot filled refused");
        return Err(AppError::BadRequest(
            "The form could not be accepted. Please reload the page and send it again.".to_owned(),
        ));
    }
    let mut errors = ErrorBag::new();
    let queues = public_queues(db).await?;
    let queue = match s.queue.trim().parse::<i64>() {
        Ok(q) if queues.iter().any(|p| p.id == q) => Some(q),
        _ if s.queue.trim().is_empty() => {
            errors.add("queue", "Choose a queue.");
            None
        }
        _ => {
            errors.add("queue", "Choose one of the queues listed.");
            None
        }
    };
    let description = s.description.replace("\r\n", "\n");
    if description.trim().is_empty() {
        errors.add("description", NOT_BLANK);
    }
    let email = match Email::parse(&s.email) {
        Ok(e) => Some(e.into_inner()),
        Err(m) => {
            errors.add("email", m);
            None
        }
    };
    let defs = public_fields(db).await?;
    // Only the fields a customer may fill in: anything else sent is ignored.
    let mut custom = serde_json::Map::new();
    for f in &defs {
        let key = f.key();
        let sent = s.custom.get(&key);
        let value = if f.data_type == DataType::Boolean {
            Value::Bool(sent.is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1")))
        } else {
            Value::String(sent.map(|v| v.replace("\r\n", "\n")).unwrap_or_default())
        };
        custom.insert(key, value);
    }
    // The title and the custom values as the ticket parser reads them, so that every bad
    // field is reported at once (the queue is checked above, against the public ones).
    let mut body = custom.clone();
    body.insert("queue".to_owned(), Value::from(queue.unwrap_or(0)));
    body.insert("title".to_owned(), Value::String(s.title.clone()));
    if let Err(bag) = NewTicket::parse(&body, &defs)
        && let AppError::Validation(found) = AppError::from(bag)
    {
        for (field, messages) in found.into_iter().filter(|(f, _)| f != "queue") {
            for m in messages {
                errors.add(field.clone(), m);
            }
        }
    }
    let (Some(queue), Some(email)) = (queue, email) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    attachments::check_files(db, &s.files)?;
    let now = Instant::now();
    if let Some(addr) = client
        && let Some(wait) = limits.address_wait(addr, now)
    {
        return Err(too_many(wait));
    }
    if limits.per_email > 0 && recent_tickets(db, &email).await? >= i64::from(limits.per_email) {
        return Err(too_many(WINDOW.as_secs()));
    }
    // By field name, as typed; an unticked box is "false".
    let custom = defs
        .iter()
        .map(|f| {
            let value = match custom.get(&f.key()) {
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::String(v)) => v.clone(),
                _ => String::new(),
            };
            (f.name.clone(), value)
        })
        .collect();
    let input = NewCustomerTicket {
        queue,
        title: s.title,
        description,
        email,
        custom,
        files: s.files,
        message_id: None,
    };
    let opened = customers::open_ticket(db, media_root, input)
        .await
        .map_err(portal_words)?;
    let (id, key) = (opened.id, opened.secret_key);
    if let Some(addr) = client {
        limits.note(addr, now);
    }
    Ok(Submitted { id, key })
}

/// The portal form's names for the ticket's fields.
fn portal_words(e: AppError) -> AppError {
    match e {
        AppError::Validation(mut errors) => {
            if let Some(m) = errors.remove("submitter_email") {
                errors.entry("email".to_owned()).or_default().extend(m);
            }
            AppError::Validation(errors)
        }
        other => other,
    }
}

/// The ticket as its submitter sees it (public followups only), when `key` is its key.
///
/// # Errors
/// `NotFound` alike for an unknown ticket and a wrong key.
pub async fn view(db: &Db, id: i64, key: &str) -> Result<SubmitterTicket, AppError> {
    customers::view(db, id, key).await
}

/// A reply by the submitter, with files; it reopens a resolved or closed ticket.
///
/// # Errors
/// `NotFound` for a wrong key; `Validation` for a blank comment; `TooLarge` for a big file.
pub async fn reply(
    db: &Db,
    media_root: &Path,
    id: i64,
    key: &str,
    comment: &str,
    files: Vec<UploadedFile>,
) -> Result<(), AppError> {
    // The key first: a wrong one is a 404 whatever else is wrong.
    customers::authorize(db, id, key).await?;
    let comment = comment.replace("\r\n", "\n");
    if comment.trim().is_empty() {
        return Err(AppError::field("comment", NOT_BLANK));
    }
    let reply = CustomerReply {
        title: String::new(),
        comment,
        files,
        message_id: None,
    };
    customers::reply(db, media_root, id, reply).await?;
    Ok(())
}

/// Closes (`close`) or reopens the ticket for its submitter.
///
/// # Errors
/// `NotFound` for a wrong key.
pub async fn set_status(db: &Db, id: i64, key: &str, close: bool) -> Result<(), AppError> {
    let status = if close {
        StatusRequest::Close
    } else {
        StatusRequest::Reopen
    };
    customers::set_status(db, id, key, status).await
}

/// A file of one of the ticket's public followups, for the holder of its key.
///
/// # Errors
/// `NotFound` for a wrong key, and for a file that is not on a public followup of the ticket.
pub async fn attachment(
    db: &Db,
    media_root: &Path,
    id: i64,
    key: &str,
    attachment: i64,
) -> Result<(Attachment, Vec<u8>), AppError> {
    customers::download(db, media_root, id, key, attachment).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_at_its_limit_waits_until_its_oldest_submission_leaves_the_hour() {
        let limits = PortalLimits::new(5, 2);
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        let start = Instant::now();
        assert_eq!(limits.address_wait(addr, start), None);
        limits.note(addr, start);
        limits.note(addr, start + Duration::from_secs(60));
        let wait = limits.address_wait(addr, start + Duration::from_secs(120));
        assert_eq!(wait, Some(3600 - 120));
        assert_eq!(
            limits.address_wait(addr, start + Duration::from_secs(3600)),
            None
        );
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert_eq!(limits.address_wait(other, start), None);
    }

    #[test]
    fn a_limit_of_zero_is_off() {
        let limits = PortalLimits::new(0, 0);
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        let now = Instant::now();
        for _ in 0..100 {
            limits.note(addr, now);
        }
        assert_eq!(limits.address_wait(addr, now), None);
    }
}
