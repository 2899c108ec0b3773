//! Tickets: the row type and reading one ticket, with the jobs in their own files: listing
//! with filters (`query`), creating (`create`), changing with the audit trail (`update`), the
//! submitter's view (`submitter`), bulk actions (`bulk`) and the dashboard counts
//! (`dashboard`). Everything a write does happens in one transaction, after every field has
//! been checked.

mod actions;
mod bulk;
pub(crate) mod create;
mod dashboard;
mod query;
pub(crate) mod submitter;
mod update;

pub use actions::quick_action;
pub use bulk::{BulkAction, MAX_BULK_TICKETS, bulk};
pub use create::create;
pub use dashboard::counts;
pub use query::{list, list_summaries};
pub use submitter::{comment_as_submitter, get_for_submitter, list_for_submitter};
pub use update::{patch, update, update_checked, update_if_match};

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::service::db::{Db, dialect};
use serde_json::Value;

use crate::domain::invalid_pk;
use crate::domain::ticket::{
    Priority, Ticket, TicketChange, TicketChoices, TicketDetail, TicketRefs, TicketStatus,
};
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorBag};
use crate::service::followups::parse_db_time;
use crate::service::{attachments, custom_fields, followups, queues, require_staff, users};

#[derive(sqlx::FromRow, Clone)]
struct TicketRow {
    id: i64,
    title: String,
    queue: i64,
    created: String,
    modified: String,
    submitter_email: Option<String>,
    assigned_to: Option<i64>,
    status: TicketStatus,
    on_hold: i64,
    description: String,
    resolution: Option<String>,
    priority: Priority,
    due_date: Option<String>,
    secret_key: String,
    merged_to: Option<i64>,
    version: i64,
}

const COLUMNS: &str = "id, title, queue, created, modified, submitter_email, assigned_to, \
    status, on_hold, description, resolution, priority, due_date, secret_key, merged_to, version";

/// Ticket objects for rows: followups, attachments and custom values are loaded for all the
/// rows at once (one query each), not per ticket.
async fn build(pool: &Db, rows: Vec<TicketRow>) -> Result<Vec<Ticket>, AppError> {
    build_with(pool, rows, true).await
}

/// `build`, leaving `followup_set` empty unless `with_followups`.
async fn build_with(
    pool: &Db,
    rows: Vec<TicketRow>,
    with_followups: bool,
) -> Result<Vec<Ticket>, AppError> {
    let defs = custom_fields::all_cached(pool).await?;
    let mut conn = pool.acquire().await?;
    build_on(&mut conn, &defs, rows, with_followups).await
}

/// `build_with` on one connection, with the custom field definitions given.
async fn build_on(
    conn: &mut sqlx::AnyConnection,
    defs: &[crate::domain::custom_field::CustomField],
    rows: Vec<TicketRow>,
    with_followups: bool,
) -> Result<Vec<Ticket>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut values: HashMap<(i64, i64), Option<String>> = HashMap::new();
    if !ids.is_empty() && !defs.is_empty() {
        let found: Vec<(i64, i64, Option<String>)> = sqlx::query_as(&format!(
            "select ticket, field, value from ticket_custom_field_values where ticket in ({})",
            dialect::json_ints(dialect::of(conn), "$1")
        ))
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut *conn)
        .await?;
        for (t, f, v) in found {
            values.insert((t, f), v);
        }
    }
    let mut fups = if with_followups {
        followups::for_tickets(conn, &ids).await?
    } else {
        HashMap::new()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let custom: BTreeMap<String, Value> = defs
                .iter()
                .map(|d| {
                    let stored = values.get(&(r.id, d.id)).cloned().flatten();
                    (d.key(), d.value_to_json(stored.as_deref()))
                })
                .collect();
            Ticket {
                id: r.id,
                queue: r.queue,
                title: r.title,
                description: r.description,
                resolution: r.resolution,
                submitter_email: r.submitter_email,
                assigned_to: r.assigned_to,
                status: r.status,
                on_hold: r.on_hold != 0,
                priority: r.priority,
                due_date: r.due_date.as_deref().map(parse_db_time),
                merged_to: r.merged_to,
                created: parse_db_time(&r.created),
                modified: parse_db_time(&r.modified),
                followup_set: fups.remove(&r.id).unwrap_or_default(),
                custom,
            }
        })
        .collect())
}

async fn find_row(pool: &Db, id: i64) -> Result<TicketRow, AppError> {
    sqlx::query_as::<_, TicketRow>(&format!("select {COLUMNS} from tickets where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)
}

async fn find(pool: &Db, id: i64) -> Result<Ticket, AppError> {
    let row = find_row(pool, id).await?;
    build(pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// One ticket as the API shows it, read on `conn`: inside a write transaction, what that
/// write has made of it (the change feed's snapshot). The custom field definitions are read
/// on `conn` too, uncached.
pub(crate) async fn find_on(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Ticket, AppError> {
    let row =
        sqlx::query_as::<_, TicketRow>(&format!("select {COLUMNS} from tickets where id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)?;
    let defs = custom_fields::all(&mut *conn).await?;
    build_on(conn, &defs, vec![row], true)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// One ticket.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(pool: &Db, actor: &CurrentUser, id: i64) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    find(pool, id).await
}

/// Field errors for the rows `refs` names that do not exist.
async fn missing_refs(pool: &Db, refs: TicketRefs) -> Result<ErrorBag, AppError> {
    let mut errors = ErrorBag::new();
    if let Some(q) = refs.queue
        && !queues::exists(pool, q).await?
    {
        errors.add("queue", invalid_pk(q));
    }
    if let Some(u) = refs.assigned_to
        && !users::user_exists(pool, u).await?
    {
        errors.add("assigned_to", invalid_pk(u));
    }
    if let Some(t) = refs.merged_to {
        let found: Option<i64> = sqlx::query_scalar("select id from tickets where id = $1")
            .bind(t)
            .fetch_optional(pool)
            .await?;
        if found.is_none() {
            errors.add("merged_to", invalid_pk(t));
        }
    }
    Ok(errors)
}

/// One ticket with its recorded changes (field, old value, new value per followup), for the
/// ticket page.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn detail(pool: &Db, actor: &CurrentUser, id: i64) -> Result<TicketDetail, AppError> {
    require_staff(actor)?;
    let row = find_row(pool, id).await?;
    let version = row.version;
    let ticket = build(pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let changes = sqlx::query_as::<_, (i64, String, Option<String>, Option<String>)>(
        "select c.followup, c.field, c.old_value, c.new_value from ticket_changes c \
         join followups f on f.id = c.followup where f.ticket = $1 order by c.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(followup, field, old_value, new_value)| TicketChange {
        followup,
        field,
        old_value,
        new_value,
    })
    .collect();
    let cc = super::merges::cc_list(pool, id).await?;
    let authors = super::followups::author_names(pool, actor, &ticket.followup_set).await?;
    let mail_failures = super::mail::outbox::failed_for_ticket(pool, id)
        .await?
        .into_iter()
        .map(|m| crate::domain::ticket::MailFailure {
            followup: m.followup,
            recipient: m.recipient,
            subject: m.subject,
            code: m.smtp_code,
            error: m.last_error,
            at: m
                .last_attempt_at
                .as_deref()
                .and_then(crate::domain::Timestamp::from_db),
        })
        .collect();
    Ok(TicketDetail {
        ticket,
        changes,
        version,
        cc,
        authors,
        mail_failures,
    })
}

/// Marks activity on ticket `id` at `now` (a db timestamp), inside the caller's write: every
/// followup, by anyone, moves `modified` (issue 11.5), so "recently changed first" and "Last
/// activity" see replies too, and bumps the ticket's version (issue 11.1).
pub(crate) async fn touch(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "update tickets set modified = case when modified > $1 then modified else $1 end, \
         version = version + 1 where id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bumps the version of ticket `id` inside the caller's write: its content changed (a file or
/// a followup edited), so a form or an ETag based on it is stale (issue 11.1).
pub(crate) async fn bump_version(conn: &mut sqlx::AnyConnection, id: i64) -> Result<(), AppError> {
    sqlx::query("update tickets set version = version + 1 where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The queues, active staff and custom field definitions that ticket forms and list filters
/// offer.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn choices(pool: &Db, actor: &CurrentUser) -> Result<TicketChoices, AppError> {
    require_staff(actor)?;
    Ok(TicketChoices {
        queues: queues::all(pool).await?,
        staff: users::list_staff(pool, actor).await?,
        custom_fields: custom_fields::all_cached(pool).await?,
    })
}

/// Deletes a ticket with its followups, changes, custom values and attachment files.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn delete(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
) -> Result<(), AppError> {
    delete_if_match(pool, actor, media_root, id, None).await
}

/// `delete`, only if the ticket's current ETag matches `if_match` (when given), checked
/// inside the write.
///
/// # Errors
/// As `delete`; `PreconditionFailed` with the current ETag; nothing is deleted then.
#[tracing::instrument(skip(pool, actor, media_root))]
pub async fn delete_if_match(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
    if_match: Option<&super::preconditions::IfMatch>,
) -> Result<(), AppError> {
    require_staff(actor)?;
    let mut tx = super::db::begin_write(pool).await?;
    super::preconditions::check(if_match, find(pool, id)).await?;
    let files = attachments::files_where(
        &mut tx,
        media_root,
        "followup in (select id from followups where ticket = $1)",
        id,
    )
    .await?;
    // Its followups and attachments go with it: one event for the lot.
    super::events::record(
        &mut tx,
        Some(actor.id),
        super::events::Change::TicketDeleted(id),
    )
    .await?;
    let done = sqlx::query("delete from tickets where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    attachments::remove_files(media_root, &files).await;
    Ok(())
}

#[cfg(test)]
mod tests;
