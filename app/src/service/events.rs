//! The event log (issue 14.3): one row per committed change to a ticket, a followup or an
//! attachment, written by `record` inside the transaction of the change (an outbox), and read
//! by the change feed (`list`, `GET /api/changes/`). Webhooks and mail notifications are to
//! be made from the same rows. Every write path of the service layer calls `record` before it
//! commits; nothing else writes `events`, and this module never commits a caller's write.
//!
//! # Order and cursors
//! A consumer keeps the feed's `next` cursor and asks for what came after it; it must never
//! miss an event. On SQLite every write transaction holds the database's single write lock
//! from its first statement to its commit (`db::begin_write`, and SQLite itself for other
//! processes), so ids, assigned by `autoincrement` inside the transaction, are in commit
//! order: a reader that sees id N has seen every id below N that will ever exist.
//!
//! PostgreSQL gives no such order: two transactions take ids 7 and 8 from a sequence and 8 may
//! commit first, so a reader that has seen 8 would skip 7 for ever. That backend will need
//! either to take a transaction-scoped lock on the log before inserting (`pg_advisory_xact_lock`,
//! which serialises writers as SQLite does), or to store `pg_current_xact_id()` with each
//! event and serve only events whose transaction is older than
//! `pg_snapshot_xmin(pg_current_snapshot())`, the cursor then being that (xid, id) pair. The
//! cursor is opaque for that reason: its content may change without breaking consumers, as
//! long as old cursors are still read.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::service::db::{Db, WriteTx};

use crate::domain::Timestamp;
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::followups::parse_db_time;
use crate::service::{attachments, followups, require_staff, tickets};

/// A field's old and new value, as the audit trail (`ticket_changes`) records them.
pub type FieldChange = (String, Option<String>, Option<String>);

/// What changed, by id. `record` reads the object itself, so each event shows it exactly as
/// the API does after the change. Deletions are recorded before the row is deleted (their
/// data is the last known id and title).
#[derive(Clone, Copy)]
pub enum Change<'a> {
    TicketCreated(i64),
    /// The ticket and the fields its audit followup records.
    TicketUpdated(i64, &'a [FieldChange]),
    TicketDeleted(i64),
    FollowupCreated(i64),
    FollowupUpdated(i64),
    FollowupDeleted(i64),
    AttachmentCreated(i64),
    AttachmentDeleted(i64),
}

/// Writes the event for `change` by `actor` (a user id; `None` for the system) in the
/// caller's transaction `conn`, with the object as it now is.
///
/// # Errors
/// `NotFound` when the object does not exist (the caller then rolls back); `Internal` on a
/// database failure.
pub(crate) async fn record(
    tx: &mut WriteTx,
    actor: Option<i64>,
    change: Change<'_>,
) -> Result<(), AppError> {
    let mail = tx.mail();
    let conn: &mut AnyConnection = tx;
    let (kind, ticket, data, changes) = match change {
        Change::TicketCreated(id) => {
            let t = tickets::find_on(conn, id).await?;
            ("ticket.created", id, to_json(&t)?, None)
        }
        Change::TicketUpdated(id, fields) => {
            let t = tickets::find_on(conn, id).await?;
            let changes: BTreeMap<&str, [&Option<String>; 2]> = fields
                .iter()
                .map(|(field, old, new)| (field.as_str(), [old, new]))
                .collect();
            ("ticket.updated", id, to_json(&t)?, Some(to_json(&changes)?))
        }
        Change::TicketDeleted(id) => {
            let title: String = sqlx::query_scalar("select title from tickets where id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(AppError::NotFound)?;
            (
                "ticket.deleted",
                id,
                json!({"id": id, "title": title}),
                None,
            )
        }
        Change::FollowupCreated(id) | Change::FollowupUpdated(id) => {
            let f = followups::find_on(conn, id).await?;
            let kind = match change {
                Change::FollowupCreated(_) => "followup.created",
                _ => "followup.updated",
            };
            (kind, f.ticket, to_json(&f)?, None)
        }
        Change::FollowupDeleted(id) => {
            let (ticket, title): (i64, Option<String>) =
                sqlx::query_as("select ticket, title from followups where id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(AppError::NotFound)?;
            (
                "followup.deleted",
                ticket,
                json!({"id": id, "title": title}),
                None,
            )
        }
        Change::AttachmentCreated(id) => {
            let a = attachments::find_on(conn, id).await?;
            let ticket = ticket_of_followup(conn, a.followup).await?;
            ("attachment.created", ticket, to_json(&a)?, None)
        }
        Change::AttachmentDeleted(id) => {
            // An attachment's title is its file name.
            let (followup, title): (i64, String) =
                sqlx::query_as("select followup, filename from followup_attachments where id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or(AppError::NotFound)?;
            let ticket = ticket_of_followup(conn, followup).await?;
            (
                "attachment.deleted",
                ticket,
                json!({"id": id, "title": title}),
                None,
            )
        }
    };
    let id: i64 = sqlx::query_scalar(
        "insert into events (type, at, actor, ticket, data, changes) values ($1, $2, $3, $4, $5, $6) \
         returning id",
    )
    .bind(kind)
    .bind(Timestamp::now().to_db())
    .bind(actor)
    .bind(ticket)
    .bind(data.to_string())
    .bind(changes.map(|c| c.to_string()))
    .fetch_one(&mut *conn)
    .await?;
    // Its webhook deliveries, in the same transaction (issue 14.4).
    super::webhooks::enqueue(conn, id, kind).await?;
    // Its notifications, rendered and written to the mail outbox in the same transaction.
    super::mail::outbox::enqueue(conn, &mail, id, actor, change).await?;
    Ok(())
}

/// `record` for each attachment of followup `followup`, in id order: the files a new ticket
/// or followup brought.
pub(crate) async fn record_attachments_of(
    tx: &mut WriteTx,
    actor: Option<i64>,
    followup: i64,
) -> Result<(), AppError> {
    let ids: Vec<i64> =
        sqlx::query_scalar("select id from followup_attachments where followup = $1 order by id")
            .bind(followup)
            .fetch_all(&mut **tx)
            .await?;
    for id in ids {
        record(tx, actor, Change::AttachmentCreated(id)).await?;
    }
    Ok(())
}

/// The events of a new followup `followup` on ticket `ticket`: `followup.created`,
/// `attachment.created` for each of its files, and `ticket.updated` when it changed the
/// ticket (`changed`: the audit rows it wrote, such as a new status).
pub(crate) async fn record_followup(
    tx: &mut WriteTx,
    actor: Option<i64>,
    ticket: i64,
    followup: i64,
    changed: &[FieldChange],
) -> Result<(), AppError> {
    record(tx, actor, Change::FollowupCreated(followup)).await?;
    record_attachments_of(tx, actor, followup).await?;
    if !changed.is_empty() {
        record(tx, actor, Change::TicketUpdated(ticket, changed)).await?;
    }
    Ok(())
}

async fn ticket_of_followup(conn: &mut AnyConnection, followup: i64) -> Result<i64, AppError> {
    sqlx::query_scalar("select ticket from followups where id = $1")
        .bind(followup)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn to_json<T: Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| {
        tracing::error!(error = %e, "cannot serialise an event");
        AppError::Internal
    })
}

/// One event as the feed shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Unique and stable; increases in commit order.
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was committed, ISO 8601 UTC.
    pub at: String,
    pub actor: Option<i64>,
    pub ticket: i64,
    /// `{"field": [old, new]}`, on `ticket.updated` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Value>,
    pub data: Value,
}

/// One answer of the feed.
#[derive(Debug, Clone, Serialize)]
pub struct ChangePage {
    pub results: Vec<Event>,
    /// Where to continue: pass it as `after` next time.
    pub next: String,
    /// Whether more events were committed after `next` already.
    pub has_more: bool,
}

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;
pub const BAD_CURSOR: &str = "Not a valid cursor: pass the \"next\" value of an earlier answer, \
    or leave \"after\" out to start from the oldest event.";
pub const GONE: &str = "This cursor is older than the retained changes (see \
    HELPDESK_CHANGES_RETENTION_DAYS), so events after it are lost: resync from the list \
    endpoints (/api/tickets/, /api/followups/, /api/followups-attachments/), then read the \
    feed again without \"after\".";

/// The cursor for "after event `id`". Opaque to consumers (see the module notes).
fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

fn decode_cursor(raw: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("v1:")?
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
}

/// The page size asked for: 1 to `MAX_LIMIT`, `DEFAULT_LIMIT` when not given.
///
/// # Errors
/// `Validation` on `limit`.
pub fn parse_limit(raw: Option<&str>) -> Result<u32, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::field(
                    "limit",
                    format!("Ensure this value is a whole number from 1 to {MAX_LIMIT}."),
                )
            }),
    }
}

/// The events committed after the cursor `after` (from the oldest retained one without it),
/// at most `limit`, oldest first.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation` on `after` for a malformed cursor or on `limit`;
/// `Gone` for a cursor older than the retained events (or from another database's history).
#[tracing::instrument(skip(pool, actor))]
pub async fn list(
    pool: &Db,
    actor: &CurrentUser,
    after: Option<&str>,
    limit: Option<&str>,
) -> Result<ChangePage, AppError> {
    require_staff(actor)?;
    let limit = parse_limit(limit)?;
    let after = match after.map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(raw) => Some(decode_cursor(raw).ok_or_else(|| AppError::field("after", BAD_CURSOR))?),
    };
    // One read transaction: the purge mark and the rows come from the same snapshot.
    let mut tx = pool.begin().await?;
    let purged: i64 = sqlx::query_scalar("select through_id from events_purged where id = 1")
        .fetch_one(&mut *tx)
        .await?;
    let newest: Option<i64> = sqlx::query_scalar("select max(id) from events")
        .fetch_one(&mut *tx)
        .await?;
    let start = match after {
        // Events after it were purged unseen.
        Some(n) if n < purged => return Err(AppError::Gone(GONE.to_owned())),
        // Past anything this database has written: its history is not this one (a restored
        // backup, another instance), so the ids after it are not the events after it.
        Some(n) if n > newest.unwrap_or(0).max(purged) => {
            return Err(AppError::Gone(GONE.to_owned()));
        }
        Some(n) => n,
        None => purged,
    };
    let mut rows: Vec<Row> = sqlx::query_as(
        "select id, type, at, actor, ticket, data, changes from events where id > $1 \
         order by id limit $2",
    )
    .bind(start)
    .bind(i64::from(limit) + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = encode_cursor(rows.last().map_or(start, |r| r.0));
    let results = rows.into_iter().map(event).collect();
    Ok(ChangePage {
        results,
        next,
        has_more,
    })
}

/// An `events` row: id, type, at, actor, ticket, data, changes.
type Row = (
    i64,
    String,
    String,
    Option<i64>,
    i64,
    String,
    Option<String>,
);

fn event((id, kind, at, actor, ticket, data, changes): Row) -> Event {
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).unwrap_or_else(|e| {
            tracing::error!(error = %e, "unreadable event data in the database");
            Value::Null
        })
    };
    Event {
        id,
        kind,
        at: parse_db_time(&at).to_api(),
        actor,
        ticket,
        changes: changes.as_deref().map(parse),
        data: parse(&data),
    }
}

/// Event `id` as the feed shows it, serialised: the body of its webhook deliveries. `None`
/// when retention has deleted it.
///
/// # Errors
/// `Internal` on a database failure.
pub(crate) async fn body_of(pool: &Db, id: i64) -> Result<Option<String>, AppError> {
    let row: Option<Row> = sqlx::query_as(
        "select id, type, at, actor, ticket, data, changes from events where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(|r| to_json(&event(r)).map(|v| v.to_string()))
        .transpose()
}

/// How many events one purge transaction deletes at most, so that a long backlog does not
/// hold the write lock for long.
const PURGE_BATCH: i64 = 1000;

/// Deletes the events older than `retention_days` days (0: all events committed before now),
/// oldest first, and moves the purge mark past them so that a cursor into them answers 410.
/// Deletes whole id prefixes, so the retained events stay one unbroken range. Answers how
/// many were deleted.
///
/// # Errors
/// `Internal` (or `Unavailable`) on a database failure.
pub async fn purge(pool: &Db, retention_days: u32) -> Result<u64, AppError> {
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retention_days));
    let cutoff = Timestamp::from_utc(cutoff).to_db();
    let Some(through): Option<i64> = sqlx::query_scalar("select max(id) from events where at < $1")
        .bind(&cutoff)
        .fetch_one(pool)
        .await?
    else {
        return Ok(0);
    };
    let mut deleted = 0;
    loop {
        let mut tx = super::db::begin_write(pool).await?;
        let last: Option<i64> = sqlx::query_scalar(
            "select max(id) from (select id from events where id <= $1 order by id limit $2) as batch",
        )
        .bind(through)
        .bind(PURGE_BATCH)
        .fetch_one(&mut *tx)
        .await?;
        let Some(last) = last else {
            break;
        };
        let done = sqlx::query("delete from events where id <= $1")
            .bind(last)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update events_purged set through_id = \
             case when through_id > $1 then through_id else $1 end where id = 1",
        )
        .bind(last)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        deleted += done.rows_affected();
        if last >= through {
            break;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_id_it_was_made_from() {
        for id in [0, 1, 42, i64::MAX] {
            assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        }
    }

    #[test]
    fn a_malformed_cursor_is_refused() {
        for bad in ["", "42", "v1:42", "%%%", &URL_SAFE_NO_PAD.encode("v1:-1")] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_limit_is_a_whole_number_from_1_to_1000() {
        assert_eq!(parse_limit(None), Ok(DEFAULT_LIMIT));
        assert_eq!(parse_limit(Some("1000")), Ok(1000));
        for bad in ["0", "1001", "-1", "ten", "1.5"] {
            let e = parse_limit(Some(bad)).unwrap_err();
            assert_eq!(e.field_messages("limit").len(), 1, "{bad}");
        }
    }
}
