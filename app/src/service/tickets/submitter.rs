//! Tickets as their submitter sees them: the "My tickets" list, one ticket with its public
//! followups, and the submitter's own comments.

use std::collections::HashMap;
use std::path::Path;

use crate::service::db::{Db, dialect};

use super::query::page_of_rows;
use super::{find_row, touch};
use crate::domain::Timestamp;
use crate::domain::attachment::UploadedFile;
use crate::domain::page::{Page, PageRequest};
use crate::domain::ticket::{
    PublicQueue, PublicTicket, SubmitterAttachment, SubmitterFollowUp, SubmitterTicket,
    TicketFilter, TicketStatus,
};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::followups;
use crate::service::followups::parse_db_time;

/// The tickets `actor` submitted (by email), newest first, in the public shape. Any
/// authenticated user may ask; a user without an email has none.
///
/// # Errors
/// `NotFoundDetail` for a page past the end.
pub async fn list_for_submitter(
    pool: &Db,
    actor: &CurrentUser,
    page: PageRequest,
) -> Result<Page<PublicTicket>, AppError> {
    let filter = TicketFilter {
        ordering: "-created",
        matches_nothing: actor.email.trim().is_empty(),
        submitter_email: Some(actor.email.trim().to_owned()),
        ..TicketFilter::default()
    };
    let (count, request, rows) = page_of_rows(pool, &filter, page).await?;
    let queue_ids: Vec<i64> = rows.iter().map(|r| r.queue).collect();
    let queues: HashMap<i64, (String, String)> =
        sqlx::query_as::<_, (i64, String, String)>(&format!(
            "select id, title, slug from queues where id in ({})",
            dialect::json_ints(pool.backend(), "$1")
        ))
        .bind(serde_json::to_string(&queue_ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|(id, title, slug)| (id, (title, slug)))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let (title, slug) = queues.get(&r.queue).cloned().unwrap_or_default();
            PublicTicket {
                ticket: format!("{} [{}-{}]", r.id, slug, r.id),
                id: r.id,
                title: r.title,
                queue: PublicQueue { id: r.queue, title },
                status: r.status,
                created: parse_db_time(&r.created),
                due_date: r.due_date.as_deref().map(parse_db_time),
                submitter: r.submitter_email,
                secret_key: r.secret_key,
            }
        })
        .collect();
    Ok(Page {
        count,
        request,
        items,
    })
}

/// A ticket as its submitter sees it (`SubmitterTicket`: the public followups and their
/// files, nothing staff-only): only when `actor`'s email is the submitter's. Any signed-in
/// user may ask.
///
/// # Errors
/// `NotFound` for another person's ticket (so as not to reveal that it exists).
pub async fn get_for_submitter(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
) -> Result<SubmitterTicket, AppError> {
    let row = find_row(pool, id).await?;
    let submitter = row.submitter_email.as_deref().unwrap_or_default();
    if !crate::domain::email::same_email(&actor.email, submitter) {
        return Err(AppError::NotFound);
    }
    submitter_view(pool, row, actor).await
}

/// A ticket as whoever holds its secret key sees it (the customer portal): as its submitter
/// does, the customer's own followups (no author) said to be by "You".
///
/// # Errors
/// `NotFound` for an unknown ticket.
pub(crate) async fn view_as_customer(pool: &Db, id: i64) -> Result<SubmitterTicket, AppError> {
    let row = find_row(pool, id).await?;
    // Nobody: "You" goes to no user id, and agents are named.
    let viewer = CurrentUser {
        id: 0,
        username: String::new(),
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        is_staff: false,
        is_superuser: false,
        is_active: false,
    };
    let mut ticket = submitter_view(pool, row, &viewer).await?;
    for f in &mut ticket.followups {
        if f.author.is_none() && f.by_customer {
            f.author = Some("You".to_owned());
        }
    }
    Ok(ticket)
}

async fn submitter_view(
    pool: &Db,
    row: super::TicketRow,
    actor: &CurrentUser,
) -> Result<SubmitterTicket, AppError> {
    let id = row.id;
    let queue: String = sqlx::query_scalar("select title from queues where id = $1")
        .bind(row.queue)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default();
    let public: Vec<_> = followups::for_tickets(&mut *pool.acquire().await?, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.public)
        .collect();
    // Names, not user ids, reach the submitter's browser (issue 10.12).
    let authors = followups::author_names(pool, actor, &public).await?;
    let followups = public
        .into_iter()
        .map(|f| SubmitterFollowUp {
            id: f.id,
            author: f.user.and_then(|u| authors.get(&u).cloned()),
            by_customer: f.user.is_none(),
            title: f.title,
            comment: f.comment,
            date: f.date,
            new_status: f.new_status,
            attachments: f
                .followupattachment_set
                .into_iter()
                .map(|a| SubmitterAttachment {
                    id: a.id,
                    filename: a.filename,
                    size: a.size,
                })
                .collect(),
        })
        .collect();
    Ok(SubmitterTicket {
        id: row.id,
        title: row.title,
        queue,
        status: row.status,
        created: parse_db_time(&row.created),
        resolution: row.resolution,
        followups,
    })
}

/// A public comment by the ticket's submitter (the "My tickets" page).
///
/// # Errors
/// `NotFound` for another person's ticket; `Validation` for a blank comment.
#[tracing::instrument(skip(pool, actor, comment))]
pub async fn comment_as_submitter(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    comment: &str,
) -> Result<(), AppError> {
    get_for_submitter(pool, actor, id).await?;
    let comment = comment.trim();
    if comment.is_empty() {
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
    // No files: the media root is never used.
    let reply = Reply {
        title: "Comment",
        comment,
        files: &[],
        message_id: None,
    };
    public_reply(pool, Path::new(""), id, Some(actor.id), reply).await?;
    Ok(())
}

/// A public reply from the submitter's side (`by`: their user id, or `None` for a customer
/// without an account).
pub(crate) struct Reply<'a> {
    pub title: &'a str,
    pub comment: &'a str,
    pub files: &'a [UploadedFile],
    /// The Message-ID of the mail it came in.
    pub message_id: Option<&'a str>,
}

/// Writes `reply` on ticket `id` as a public followup by `by`, with its files, in one write;
/// a reply on a finished (resolved or closed) ticket reopens it. The followup's id.
pub(crate) async fn public_reply(
    pool: &Db,
    media_root: &Path,
    id: i64,
    by: Option<i64>,
    reply: Reply<'_>,
) -> Result<i64, AppError> {
    let mut written = Vec::new();
    let result = write_reply(pool, media_root, id, by, &reply, &mut written).await;
    if result.is_err() {
        crate::service::attachments::remove_files(media_root, &written).await;
    }
    result
}

async fn write_reply(
    pool: &Db,
    media_root: &Path,
    id: i64,
    by: Option<i64>,
    reply: &Reply<'_>,
    written: &mut Vec<std::path::PathBuf>,
) -> Result<i64, AppError> {
    let now = Timestamp::now().to_db();
    let mut tx = crate::service::db::begin_write(pool).await?;
    // A reply from the customer on a finished ticket is work again (issue 11.4): it reopens,
    // recorded as a status change on this reply. Read inside the write, so a concurrent
    // resolve is seen.
    let (status, slug, secret): (TicketStatus, String, String) = sqlx::query_as(
        "select t.status, q.slug, t.secret_key from tickets t join queues q on q.id = t.queue \
         where t.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let finished = matches!(status, TicketStatus::Resolved | TicketStatus::Closed);
    let reopened = finished.then_some(TicketStatus::Reopened);
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, \"user\", new_status, \
         message_id) values ($1, $2, $3, $4, 1, $5, $6, $7) returning id",
    )
    .bind(id)
    .bind(&now)
    .bind(reply.title)
    .bind(reply.comment)
    .bind(by)
    .bind(reopened)
    .bind(reply.message_id)
    .fetch_one(&mut *tx)
    .await?;
    let mut changed = Vec::new();
    if let Some(new) = reopened {
        changed.push(set_status(&mut tx, id, followup, status, new).await?);
    }
    let folder = crate::service::attachments::ticket_folder(&slug, id, &secret);
    crate::service::attachments::store(
        &mut tx,
        pool,
        media_root,
        &folder,
        followup,
        reply.files,
        written,
    )
    .await?;
    touch(&mut tx, id, &now).await?;
    crate::service::events::record_followup(&mut tx, by, id, followup, &changed).await?;
    tx.commit().await?;
    Ok(followup)
}

/// Sets ticket `id`'s status from `old` to `new`, recorded as a change on `followup`.
pub(crate) async fn set_status(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    followup: i64,
    old: TicketStatus,
    new: TicketStatus,
) -> Result<crate::service::events::FieldChange, AppError> {
    sqlx::query("update tickets set status = $1 where id = $2")
        .bind(new)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let change = (
        "status".to_owned(),
        Some(i64::from(old).to_string()),
        Some(i64::from(new).to_string()),
    );
    sqlx::query(
        "insert into ticket_changes (followup, field, old_value, new_value) \
         values ($1, $2, $3, $4)",
    )
    .bind(followup)
    .bind(&change.0)
    .bind(&change.1)
    .bind(&change.2)
    .execute(&mut *conn)
    .await?;
    Ok(change)
}
