//! The customer's side of a ticket (issue 15). The people who ask for help have no account:
//! they open tickets (the portal's `/submit`, a mail to a queue), reply, close and reopen, and
//! read their ticket by its id and secret key (the link in every mail). Mail-in and the portal
//! both call these, so the rules are written once, and every write records its events (and so
//! its notifications) like any other.
//!
//! The actor of these writes is nobody (`None`): the submitter's address on the ticket says
//! who. Whether a caller may do this at all (a queue open to the public, a rate limit, a
//! mailbox's queue) is the caller's rule; holding the secret key is the customer's right to a
//! ticket, checked here by `authorize`.

use std::path::Path;

use serde_json::Value;

use crate::domain::attachment::UploadedFile;
use crate::domain::input::Body;
use crate::domain::ticket::{NewTicket, SubmitterTicket, TicketStatus};
use crate::error::{AppError, ErrorBag};
use crate::service::db::Db;
use crate::service::tickets::submitter::{self, Reply};
use crate::service::{attachments, custom_fields, events, tickets};

/// A ticket as the customer asks for it.
#[derive(Debug, Clone, Default)]
pub struct NewCustomerTicket {
    pub queue: i64,
    pub title: String,
    pub description: String,
    /// The submitter's address: required, since it is the only way to reach them.
    pub email: String,
    /// Custom field values by field name, as typed. Staff-only fields are not read.
    pub custom: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
    /// The Message-ID of the mail it came in, kept on the first followup so replies thread.
    pub message_id: Option<String>,
}

/// An opened ticket: its number and the key of its link `/view/{id}?key={secret_key}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub id: i64,
    pub secret_key: String,
}

/// A reply from the customer.
#[derive(Debug, Clone, Default)]
pub struct CustomerReply {
    /// The followup's title; "Comment" when empty.
    pub title: String,
    pub comment: String,
    pub files: Vec<UploadedFile>,
    pub message_id: Option<String>,
}

/// Opens a ticket for a customer: status Open, assigned to the queue's default owner, the
/// first followup public and by nobody. Validation is the API's (the same field names and
/// messages), with `submitter_email` required and staff-only custom fields ignored.
///
/// # Errors
/// `Validation` naming every bad field; nothing is written then.
#[tracing::instrument(skip_all, fields(queue = new.queue))]
pub async fn open_ticket(
    db: &Db,
    media_root: &Path,
    new: NewCustomerTicket,
) -> Result<Opened, AppError> {
    let defs: Vec<_> = custom_fields::all_cached(db)
        .await?
        .iter()
        .filter(|d| !d.staff_only)
        .cloned()
        .collect();
    let mut body = Body::new();
    body.insert("queue".into(), Value::from(new.queue));
    body.insert("title".into(), Value::from(new.title));
    body.insert("description".into(), Value::from(new.description));
    body.insert("submitter_email".into(), Value::from(new.email.trim()));
    for (name, value) in new.custom {
        if defs.iter().any(|d| d.name == name) {
            let key = format!("{}{name}", crate::domain::ticket::CUSTOM_PREFIX);
            body.insert(key, Value::from(value));
        }
    }
    let blank_email = new.email.trim().is_empty();
    let parsed = NewTicket::parse(&body, &defs);
    let owner: Option<Option<i64>> =
        sqlx::query_scalar("select default_owner from queues where id = $1")
            .bind(new.queue)
            .fetch_optional(db)
            .await?;
    let mut missing = ErrorBag::new();
    if blank_email {
        missing.add("submitter_email", crate::domain::NOT_BLANK);
    }
    if owner.is_none() {
        missing.add("queue", crate::domain::invalid_pk(new.queue));
    }
    let mut ticket = ErrorBag::combine(parsed, missing)?;
    ticket.assigned_to = owner.flatten();
    attachments::check_files(db, &new.files)?;
    let id = tickets::create::open(
        db,
        media_root,
        ticket,
        None,
        &new.files,
        new.message_id.as_deref(),
    )
    .await?;
    let secret_key: String = sqlx::query_scalar("select secret_key from tickets where id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    Ok(Opened { id, secret_key })
}

/// `NotFound` unless ticket `id` exists and `key` is its secret key. The comparison takes the
/// same time wherever the key differs, and an unknown ticket answers exactly like a wrong
/// key, so the answer reveals nothing.
///
/// # Errors
/// `NotFound`; `Internal` on a database failure.
pub async fn authorize(db: &Db, id: i64, key: &str) -> Result<(), AppError> {
    let secret: Option<String> = sqlx::query_scalar("select secret_key from tickets where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    match secret {
        Some(s) if constant_time_eq(s.as_bytes(), key.as_bytes()) => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Equal bytes, compared without stopping at the first difference. The length is no secret
/// (every key has 32 hex digits).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The ticket as its customer sees it: public followups and their files only.
///
/// # Errors
/// `NotFound` for an unknown ticket or a wrong key.
pub async fn view(db: &Db, id: i64, key: &str) -> Result<SubmitterTicket, AppError> {
    authorize(db, id, key).await?;
    submitter::view_as_customer(db, id).await
}

/// A public reply by the customer on ticket `id`, with files; it reopens a resolved or closed
/// ticket. The caller has checked the customer's right to the ticket (`authorize`, or a mail
/// threaded to it). The new followup's id.
///
/// # Errors
/// `NotFound` for an unknown ticket; `Validation` for a blank or too long comment or bad
/// files.
#[tracing::instrument(skip(db, media_root, reply))]
pub async fn reply(
    db: &Db,
    media_root: &Path,
    id: i64,
    reply: CustomerReply,
) -> Result<i64, AppError> {
    let comment = reply.comment.trim();
    check_comment(comment, !reply.files.is_empty())?;
    attachments::check_files(db, &reply.files)?;
    let title = if reply.title.trim().is_empty() {
        "Comment"
    } else {
        reply.title.trim()
    };
    let title: String = title.chars().take(200).collect();
    submitter::public_reply(
        db,
        media_root,
        id,
        None,
        Reply {
            title: &title,
            comment,
            files: &reply.files,
            message_id: reply.message_id.as_deref(),
        },
    )
    .await
}

/// A comment must say something, unless files came with it (a mail with only an
/// attachment), and fit the text limit.
fn check_comment(comment: &str, has_files: bool) -> Result<(), AppError> {
    if comment.is_empty() && !has_files {
        return Err(AppError::field("comment", crate::domain::NOT_BLANK));
    }
    if comment.chars().count() > crate::domain::MAX_TEXT_CHARS {
        return Err(AppError::field(
            "comment",
            format!(
                "Ensure this field has no more than {} characters.",
                crate::domain::MAX_TEXT_CHARS
            ),
        ));
    }
    Ok(())
}

/// What the customer may do to the ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusRequest {
    /// Done with it, whatever its status.
    Close,
    /// Not done after all: only a resolved or closed ticket.
    Reopen,
}

/// Closes or reopens ticket `id` for its customer, as a public followup by nobody. Asking for
/// the status it already has changes nothing and writes nothing.
///
/// # Errors
/// `NotFound` for an unknown ticket or a wrong key; `Validation` (`status`) for reopening a
/// ticket that is not finished.
#[tracing::instrument(skip(db, key))]
pub async fn set_status(
    db: &Db,
    id: i64,
    key: &str,
    request: StatusRequest,
) -> Result<(), AppError> {
    authorize(db, id, key).await?;
    let now = crate::domain::Timestamp::now().to_db();
    let mut tx = crate::service::db::begin_write(db).await?;
    let current: TicketStatus = sqlx::query_scalar("select status from tickets where id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let finished = matches!(current, TicketStatus::Resolved | TicketStatus::Closed);
    let (new, title) = match request {
        StatusRequest::Close if current == TicketStatus::Closed => return Ok(()),
        StatusRequest::Close => (TicketStatus::Closed, "Closed by the submitter"),
        StatusRequest::Reopen if !finished => {
            return Err(AppError::field(
                "status",
                "Only a resolved or closed ticket can be reopened.",
            ));
        }
        StatusRequest::Reopen => (TicketStatus::Reopened, "Reopened by the submitter"),
    };
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, \"user\", new_status) \
         values ($1, $2, $3, '', 1, null, $4) returning id",
    )
    .bind(id)
    .bind(&now)
    .bind(title)
    .bind(new)
    .fetch_one(&mut *tx)
    .await?;
    let change = submitter::set_status(&mut tx, id, followup, current, new).await?;
    tickets::touch(&mut tx, id, &now).await?;
    events::record_followup(&mut tx, None, id, followup, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// The bytes of attachment `attachment` for whoever holds ticket `id`'s key: only a file of
/// one of the ticket's public followups.
///
/// # Errors
/// `NotFound` for anything else, alike.
pub async fn download(
    db: &Db,
    media_root: &Path,
    id: i64,
    key: &str,
    attachment: i64,
) -> Result<(crate::domain::attachment::Attachment, Vec<u8>), AppError> {
    authorize(db, id, key).await?;
    let visible: Option<i64> = sqlx::query_scalar(
        "select a.id from followup_attachments a join followups f on f.id = a.followup \
         where a.id = $1 and f.ticket = $2 and f.public = 1",
    )
    .bind(attachment)
    .bind(id)
    .fetch_optional(db)
    .await?;
    if visible.is_none() {
        return Err(AppError::NotFound);
    }
    attachments::read(db, media_root, attachment).await
}

#[cfg(test)]
mod tests;
