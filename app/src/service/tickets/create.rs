//! Opening a ticket: the row, its custom values and the first followup with the attachments,
//! in one write.

use std::path::Path;

use crate::service::db::Db;

use super::{find, missing_refs};
use crate::domain::Timestamp;
use crate::domain::attachment::UploadedFile;
use crate::domain::ticket::{NewTicket, Ticket, TicketInput, TicketRefs, TicketStatus};
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorBag};
use crate::service::events::{self, Change};
use crate::service::{attachments, custom_fields, require_staff, users};

fn new_secret_key() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens a ticket on behalf of `actor`: status OPEN, a first followup "Ticket Opened" (or
/// "Ticket Opened & Assigned to <username>") carrying the description and the attachments.
/// `status`, `resolution`, `on_hold` and `merged_to` are checked but not applied, as in
/// django-helpdesk.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation` with every bad field; nothing is written then.
#[tracing::instrument(skip(pool, actor, media_root, input, files))]
pub async fn create(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    input: TicketInput,
    files: Vec<UploadedFile>,
) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    let defs = custom_fields::all_cached(pool).await?;
    let parsed = NewTicket::parse(&input.body, &defs);
    let missing = missing_refs(pool, TicketRefs::read(&input.body)).await?;
    let new = ErrorBag::combine(parsed, missing)?;
    attachments::check_files(pool, &files)?;
    let id = open(pool, media_root, new, Some(actor.id), &files, None).await?;
    find(pool, id).await
}

/// Writes a parsed new ticket `new` by `by` (`None`: the customer, who has no account), with
/// its first followup (whose Message-ID is `message_id` when it came by mail) and its files,
/// in one write. The ticket's id, or nothing written.
pub(crate) async fn open(
    pool: &Db,
    media_root: &Path,
    new: NewTicket,
    by: Option<i64>,
    files: &[UploadedFile],
    message_id: Option<&str>,
) -> Result<i64, AppError> {
    let assigned_to = new.assigned_to;
    let assignee = match assigned_to {
        Some(u) => Some(users::get_user(pool, u).await?.username),
        None => None,
    };
    let slug: String = sqlx::query_scalar("select slug from queues where id = $1")
        .bind(new.queue)
        .fetch_one(pool)
        .await?;
    let now = Timestamp::now().to_db();
    let secret = new_secret_key();
    let description = new.description;
    let mut written = Vec::new();
    let result: Result<i64, AppError> = async {
        let mut tx = crate::service::db::begin_write(pool).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into tickets (title, queue, created, modified, submitter_email, assigned_to, \
             status, on_hold, description, resolution, priority, due_date, secret_key, merged_to) \
             values ($1, $2, $3, $4, $5, $6, $7, 0, $8, null, $9, $10, $11, null) returning id",
        )
        .bind(new.title.as_ref())
        .bind(new.queue)
        .bind(&now)
        .bind(&now)
        .bind(new.submitter_email.map(|e| e.into_inner()))
        .bind(assigned_to)
        .bind(TicketStatus::Open)
        .bind(&description)
        .bind(new.priority)
        .bind(new.due_date.map(|d| d.to_db()))
        .bind(&secret)
        .fetch_one(&mut *tx)
        .await?;
        for c in &new.custom {
            sqlx::query(
                "insert into ticket_custom_field_values (ticket, field, value) values ($1, $2, $3)",
            )
            .bind(id)
            .bind(c.field)
            .bind(&c.value)
            .execute(&mut *tx)
            .await?;
        }
        let title = match &assignee {
            Some(name) => format!("Ticket Opened & Assigned to {name}"),
            None => "Ticket Opened".to_owned(),
        };
        let followup: i64 = sqlx::query_scalar(
            "insert into followups (ticket, date, title, comment, public, \"user\", message_id) \
             values ($1, $2, $3, $4, 1, $5, $6) returning id",
        )
        .bind(id)
        .bind(&now)
        .bind(title)
        .bind(&description)
        .bind(by)
        .bind(message_id)
        .fetch_one(&mut *tx)
        .await?;
        let folder = attachments::ticket_folder(&slug, id, &secret);
        attachments::store(
            &mut tx,
            pool,
            media_root,
            &folder,
            followup,
            files,
            &mut written,
        )
        .await?;
        events::record(&mut tx, by, Change::TicketCreated(id)).await?;
        events::record(&mut tx, by, Change::FollowupCreated(followup)).await?;
        events::record_attachments_of(&mut tx, by, followup).await?;
        crate::service::idempotency::created("tickets", id);
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => Ok(id),
        Err(e) => {
            attachments::remove_files(media_root, &written).await;
            Err(e)
        }
    }
}
