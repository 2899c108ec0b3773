//! Followups: the comments and status changes on a ticket, with their attachments. A
//! followup's `new_status` changes the ticket's status, recorded in the audit trail.

use std::collections::HashMap;
use std::path::Path;

use sqlx::AnyConnection;

use crate::service::db::{Db, dialect};

use crate::domain::attachment::UploadedFile;
use crate::domain::input::WriteMode;
use crate::domain::page::{Page, PageRequest};
use crate::domain::ticket::{
    FollowUp, FollowUpInput, FollowUpPatch, NewFollowUp, TicketStatus, format_duration,
};
use crate::domain::user::CurrentUser;
use crate::domain::{Timestamp, invalid_pk};
use crate::error::{AppError, ErrorBag};
use crate::service::preconditions::IfMatch;
use crate::service::{attachments, require_staff};

#[derive(sqlx::FromRow)]
struct FollowUpRow {
    id: i64,
    ticket: i64,
    date: String,
    title: Option<String>,
    comment: Option<String>,
    public: i64,
    user: Option<i64>,
    new_status: Option<TicketStatus>,
    time_spent: Option<i64>,
    message_id: Option<String>,
}

const COLUMNS: &str =
    "id, ticket, date, title, comment, public, \"user\", new_status, time_spent, message_id";

pub(crate) fn parse_db_time(s: &str) -> Timestamp {
    Timestamp::from_db(s).unwrap_or_else(|| {
        tracing::error!(value = s, "unreadable timestamp in the database");
        Timestamp::from_utc(chrono::DateTime::UNIX_EPOCH)
    })
}

async fn build(
    conn: &mut AnyConnection,
    rows: Vec<FollowUpRow>,
) -> Result<Vec<FollowUp>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut files = attachments::for_followups(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| FollowUp {
            id: r.id,
            ticket: r.ticket,
            user: r.user,
            title: r.title,
            comment: r.comment,
            public: r.public != 0,
            new_status: r.new_status,
            time_spent: r.time_spent.map(format_duration),
            date: parse_db_time(&r.date),
            message_id: r.message_id,
            followupattachment_set: files.remove(&r.id).unwrap_or_default(),
        })
        .collect())
}

/// The followups of the given tickets, each list ordered by date: two queries in all. On a
/// connection, so that a write transaction can read what it has written.
pub(crate) async fn for_tickets(
    conn: &mut AnyConnection,
    ticket_ids: &[i64],
) -> Result<HashMap<i64, Vec<FollowUp>>, AppError> {
    let mut out: HashMap<i64, Vec<FollowUp>> = HashMap::new();
    if ticket_ids.is_empty() {
        return Ok(out);
    }
    let rows = sqlx::query_as::<_, FollowUpRow>(&format!(
        "select {COLUMNS} from followups where ticket in ({}) order by ticket, date, id",
        dialect::json_ints(dialect::of(conn), "$1")
    ))
    .bind(serde_json::to_string(ticket_ids).unwrap_or_else(|_| "[]".into()))
    .fetch_all(&mut *conn)
    .await?;
    for f in build(conn, rows).await? {
        out.entry(f.ticket).or_default().push(f);
    }
    Ok(out)
}

/// A page of followups, optionally of one ticket, by id.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end.
pub async fn list(
    pool: &Db,
    actor: &CurrentUser,
    ticket: Option<i64>,
    page: PageRequest,
) -> Result<Page<FollowUp>, AppError> {
    require_staff(actor)?;
    let (count, request, rows) = super::db::page_by_id::<FollowUpRow>(
        pool,
        "followups",
        COLUMNS,
        Some(("ticket", ticket)),
        page,
    )
    .await?;
    Ok(Page {
        count,
        request,
        items: build(&mut *pool.acquire().await?, rows).await?,
    })
}

async fn find(pool: &Db, id: i64) -> Result<FollowUp, AppError> {
    find_on(&mut *pool.acquire().await?, id).await
}

/// One followup as the API shows it, read on `conn` (inside a write: the change feed).
pub(crate) async fn find_on(conn: &mut AnyConnection, id: i64) -> Result<FollowUp, AppError> {
    let row =
        sqlx::query_as::<_, FollowUpRow>(&format!("select {COLUMNS} from followups where id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(AppError::NotFound)?;
    build(conn, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// One followup.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(pool: &Db, actor: &CurrentUser, id: i64) -> Result<FollowUp, AppError> {
    require_staff(actor)?;
    find(pool, id).await
}

/// Adds a followup by `actor` to a ticket, with its files; a `new_status` different from the
/// ticket's changes it and is recorded as a change on this followup. One transaction.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation` (missing or unknown ticket, bad fields).
#[tracing::instrument(skip(pool, actor, media_root, input, files))]
pub async fn create(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    input: FollowUpInput,
    files: Vec<UploadedFile>,
) -> Result<FollowUp, AppError> {
    require_staff(actor)?;
    #[derive(sqlx::FromRow)]
    struct TicketInfo {
        slug: String,
        secret_key: String,
    }
    let info = |tid: i64| {
        sqlx::query_as::<_, TicketInfo>(
            "select q.slug, t.secret_key from tickets t join queues q on q.id = t.queue \
             where t.id = $1",
        )
        .bind(tid)
        .fetch_optional(pool)
    };
    let parsed = NewFollowUp::parse(&input.body);
    let mut missing = ErrorBag::new();
    if let Some(tid) = NewFollowUp::ticket_ref(&input.body)
        && info(tid).await?.is_none()
    {
        missing.add("ticket", invalid_pk(tid));
    }
    let new = ErrorBag::combine(parsed, missing)?;
    attachments::check_files(pool, &files)?;
    let tid = new.ticket;
    // Deleted since the check: the same answer as an unknown ticket.
    let info = info(tid)
        .await?
        .ok_or_else(|| AppError::field("ticket", invalid_pk(tid)))?;
    let now = Timestamp::now().to_db();
    let new_status = new.new_status;
    let mut written = Vec::new();
    let result: Result<i64, AppError> = async {
        let mut tx = super::db::begin_write(pool).await?;
        // The status as it is now, inside the transaction: the audit trail records the
        // change from the current value, whatever was written since the check above.
        let current: Option<TicketStatus> =
            sqlx::query_scalar("select status from tickets where id = $1")
                .bind(tid)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            return Err(AppError::field("ticket", invalid_pk(tid)));
        };
        let id: i64 = sqlx::query_scalar(
            "insert into followups (ticket, date, title, comment, public, \"user\", new_status, \
             time_spent) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(tid)
        .bind(&now)
        .bind(new.title)
        .bind(new.comment)
        .bind(i64::from(new.public))
        .bind(actor.id)
        .bind(new_status)
        .bind(new.time_spent)
        .fetch_one(&mut *tx)
        .await?;
        // Every followup is activity on its ticket (issue 11.5).
        super::tickets::touch(&mut tx, tid, &now).await?;
        let mut changed = Vec::new();
        if let Some(status) = new_status
            && status != current
        {
            sqlx::query("update tickets set status = $1 where id = $2")
                .bind(status)
                .bind(tid)
                .execute(&mut *tx)
                .await?;
            let change = (
                "status".to_owned(),
                Some(i64::from(current).to_string()),
                Some(i64::from(status).to_string()),
            );
            sqlx::query(
                "insert into ticket_changes (followup, field, old_value, new_value) \
                 values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&change.0)
            .bind(&change.1)
            .bind(&change.2)
            .execute(&mut *tx)
            .await?;
            changed.push(change);
        }
        let folder = attachments::ticket_folder(&info.slug, tid, &info.secret_key);
        attachments::store(&mut tx, pool, media_root, &folder, id, &files, &mut written).await?;
        super::events::record_followup(&mut tx, Some(actor.id), tid, id, &changed).await?;
        super::idempotency::created("followups", id);
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => find(pool, id).await,
        Err(e) => {
            attachments::remove_files(media_root, &written).await;
            Err(e)
        }
    }
}

/// Changes a followup's title, comment, public flag or time spent (PUT or PATCH).
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound`; `Validation`.
pub async fn update(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: FollowUpInput,
) -> Result<FollowUp, AppError> {
    update_if_match(pool, actor, id, input, None).await
}

/// `update`, only if the followup's current ETag matches `if_match` (when given). The old
/// values are read, and the precondition checked, inside the write.
///
/// # Errors
/// As `update`; `PreconditionFailed` with the current ETag; nothing is written then.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn update_if_match(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: FollowUpInput,
    if_match: Option<&IfMatch>,
) -> Result<FollowUp, AppError> {
    require_staff(actor)?;
    debug_assert!(input.mode != WriteMode::Create);
    find(pool, id).await?;
    let patch = FollowUpPatch::parse(&input.body)?;
    let mut tx = super::db::begin_write(pool).await?;
    // Read inside the write (the lock held): exactly what this write changes, checked against
    // the request's If-Match, and the old values its event and audit compare with.
    let old = find_on(&mut tx, id).await?;
    super::preconditions::check(if_match, std::future::ready(Ok(&old))).await?;
    let old_seconds: Option<i64> =
        sqlx::query_scalar("select time_spent from followups where id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "update followups set title = $1, comment = $2, public = $3, time_spent = $4 where id = $5",
    )
    .bind(patch.title.unwrap_or(old.title))
    .bind(patch.comment.unwrap_or(old.comment))
    .bind(i64::from(patch.public.unwrap_or(old.public)))
    .bind(patch.time_spent.unwrap_or(old_seconds))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // The ticket's content changed: a form drawn before is stale (issue 11.1).
    super::tickets::bump_version(&mut tx, old.ticket).await?;
    let change = super::events::Change::FollowupUpdated(id);
    super::events::record(&mut tx, Some(actor.id), change).await?;
    let _turn = tx.commit_keeping_turn().await?;
    find(pool, id).await
}

/// Deletes a followup, its changes and its attachments (rows and files).
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

/// `delete`, only if the followup's current ETag matches `if_match` (when given), checked
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
    if_match: Option<&IfMatch>,
) -> Result<(), AppError> {
    require_staff(actor)?;
    let mut tx = super::db::begin_write(pool).await?;
    super::preconditions::check(if_match, find(pool, id)).await?;
    let files = attachments::files_where(&mut tx, media_root, "followup = $1", id).await?;
    sqlx::query(
        "update tickets set version = version + 1 \
         where id = (select ticket from followups where id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // Its attachments go with it: one event for the lot.
    let change = super::events::Change::FollowupDeleted(id);
    super::events::record(&mut tx, Some(actor.id), change).await?;
    let done = sqlx::query("delete from followups where id = $1")
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

/// The names to show for the authors of `followups`, by user id, as `actor` may see them:
/// staff see each person's name (or username); anyone else sees "You" for themselves and the
/// names of agents only (another customer's name is none of their business).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn author_names(
    pool: &Db,
    actor: &CurrentUser,
    followups: &[FollowUp],
) -> Result<std::collections::BTreeMap<i64, String>, AppError> {
    let mut names = std::collections::BTreeMap::new();
    for id in followups.iter().filter_map(|f| f.user) {
        if names.contains_key(&id) {
            continue;
        }
        if id == actor.id && !actor.is_staff {
            names.insert(id, "You".to_owned());
            continue;
        }
        // A deleted author leaves no name; the page says "Someone".
        if let Some((u, _)) = crate::service::users::get_user_and_hash(pool, id).await?
            && (actor.is_staff || u.is_staff)
        {
            names.insert(id, u.display_name());
        }
    }
    Ok(names)
}
