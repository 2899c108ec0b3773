//! A queue's mailbox settings (issue 15), read and written by superusers. The password is
//! write-only: it is stored for the poller (`imap`) and never read back out here.

use std::collections::BTreeMap;

use crate::domain::mailbox::{MailboxSettings, QueueMailbox};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::db::Db;
use crate::service::require_superuser;

#[derive(sqlx::FromRow)]
struct Row {
    queue: i64,
    host: String,
    port: i64,
    security: String,
    username: String,
    has_password: i64,
    folder: String,
    after_filing: String,
    done_folder: String,
    poll_seconds: i64,
    enabled: i64,
    last_poll_at: Option<String>,
    last_error: String,
}

impl From<Row> for QueueMailbox {
    fn from(r: Row) -> Self {
        QueueMailbox {
            queue: r.queue,
            configured: true,
            host: r.host,
            port: u16::try_from(r.port).unwrap_or(0),
            security: r.security,
            username: r.username,
            has_password: r.has_password != 0,
            folder: r.folder,
            after_filing: r.after_filing,
            done_folder: r.done_folder,
            poll_seconds: u32::try_from(r.poll_seconds).unwrap_or(0),
            enabled: r.enabled != 0,
            last_poll_at: r.last_poll_at,
            last_error: r.last_error,
        }
    }
}

// Every column but the password, which only says whether there is one.
const COLUMNS: &str = "queue, host, port, security, username, \
     case when password = '' then 0 else 1 end as has_password, folder, after_filing, \
     done_folder, poll_seconds, enabled, last_poll_at, last_error";

async fn find(db: &Db, queue: i64) -> Result<Option<QueueMailbox>, AppError> {
    Ok(sqlx::query_as::<_, Row>(&format!(
        "select {COLUMNS} from queue_mailboxes where queue = $1"
    ))
    .bind(queue)
    .fetch_optional(db)
    .await?
    .map(Into::into))
}

async fn queue_exists(db: &Db, queue: i64) -> Result<(), AppError> {
    if crate::service::queues::exists(db, queue).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// A queue's mailbox, or the form's defaults when it has none.
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound` for no such queue.
pub async fn get(db: &Db, actor: &CurrentUser, queue: i64) -> Result<QueueMailbox, AppError> {
    require_superuser(actor)?;
    queue_exists(db, queue).await?;
    Ok(find(db, queue)
        .await?
        .unwrap_or_else(|| QueueMailbox::unconfigured(queue)))
}

/// Stores a queue's mailbox settings from the form's fields; an empty password keeps the
/// stored one. The mailbox is polled soon after (its schedule starts again).
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`; `Validation` naming every bad field.
#[tracing::instrument(skip(db, actor, form))]
pub async fn save(
    db: &Db,
    actor: &CurrentUser,
    queue: i64,
    form: &BTreeMap<String, String>,
) -> Result<QueueMailbox, AppError> {
    require_superuser(actor)?;
    queue_exists(db, queue).await?;
    let stored = find(db, queue).await?;
    let s = MailboxSettings::parse(form, stored.as_ref().is_some_and(|m| m.has_password))?;
    let mut tx = crate::service::db::begin_write(db).await?;
    let exists: Option<i64> =
        sqlx::query_scalar("select queue from queue_mailboxes where queue = $1")
            .bind(queue)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        sqlx::query(
            "insert into queue_mailboxes (queue, host, port, security, username, password) \
             values ($1, '', 1, 'tls', '', '')",
        )
        .bind(queue)
        .execute(&mut *tx)
        .await?;
    }
    // Changed settings are tried at once: the next poll is due now (a poll under way keeps
    // its lease through `imap::finish`, which only moves a lease it still holds).
    sqlx::query(
        "update queue_mailboxes set host = $1, port = $2, security = $3, username = $4, \
         password = coalesce($5, password), folder = $6, after_filing = $7, done_folder = $8, \
         poll_seconds = $9, enabled = $10, last_error = '', lease_until = null where queue = $11",
    )
    .bind(&s.host)
    .bind(i64::from(s.port))
    .bind(&s.security)
    .bind(&s.username)
    .bind(s.password.as_deref())
    .bind(&s.folder)
    .bind(&s.after_filing)
    .bind(&s.done_folder)
    .bind(i64::from(s.poll_seconds))
    .bind(i64::from(s.enabled))
    .bind(queue)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(queue, host = %s.host, username = %s.username, "queue mailbox saved");
    find(db, queue).await?.ok_or(AppError::Internal)
}

/// Removes a queue's mailbox (nothing is polled for it any more).
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`.
pub async fn remove(db: &Db, actor: &CurrentUser, queue: i64) -> Result<(), AppError> {
    require_superuser(actor)?;
    queue_exists(db, queue).await?;
    let mut tx = crate::service::db::begin_write(db).await?;
    sqlx::query("delete from queue_mailboxes where queue = $1")
        .bind(queue)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
