//! Queues: listing, creating, changing and deleting them. Reading needs staff, writing a
//! superuser (issue 3).

use crate::service::db::Db;

use crate::domain::input::WriteMode;
use crate::domain::invalid_pk;
use crate::domain::page::{Page, PageRequest};
use crate::domain::queue::{NewQueue, Queue, QueueInput, QueuePatch, QueueRefs};
use crate::error::{AppError, ErrorBag};
use crate::service::preconditions::IfMatch;
use crate::service::{require_staff, require_superuser};

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    title: String,
    slug: String,
    email_address: Option<String>,
    allow_public_submission: i64,
    default_owner: Option<i64>,
    new_ticket_cc: Option<String>,
    updated_ticket_cc: Option<String>,
}

impl From<QueueRow> for Queue {
    fn from(r: QueueRow) -> Self {
        Queue {
            id: r.id,
            title: r.title,
            slug: r.slug,
            email_address: r.email_address,
            allow_public_submission: r.allow_public_submission != 0,
            default_owner: r.default_owner,
            new_ticket_cc: r.new_ticket_cc,
            updated_ticket_cc: r.updated_ticket_cc,
        }
    }
}

const COLUMNS: &str = "id, title, slug, email_address, allow_public_submission, default_owner, \
    new_ticket_cc, updated_ticket_cc";
pub const SLUG_TAKEN: &str = "queue with this slug already exists.";

/// A page of queues, by id.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end.
pub async fn list(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    page: PageRequest,
) -> Result<Page<Queue>, AppError> {
    require_staff(actor)?;
    let (count, request, rows) =
        super::db::page_by_id::<QueueRow>(pool, "queues", COLUMNS, None, page).await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

async fn find(pool: &Db, id: i64) -> Result<Queue, AppError> {
    sqlx::query_as::<_, QueueRow>(&format!("select {COLUMNS} from queues where id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .map(Into::into)
        .ok_or(AppError::NotFound)
}

/// Every queue, by title (for pickers; callers check permissions).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn all(pool: &Db) -> Result<Vec<Queue>, AppError> {
    // Every ticket form and list asks; exact, see `cache`.
    pool.caches()
        .queues
        .get_or_load((), || async {
            Ok(sqlx::query_as::<_, QueueRow>(&format!(
                "select {COLUMNS} from queues order by title, id"
            ))
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
        })
        .await
}

/// Whether a queue exists (for validating a ticket's `queue`).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn exists(pool: &Db, id: i64) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar::<_, i64>("select id from queues where id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

/// One queue.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
) -> Result<Queue, AppError> {
    require_staff(actor)?;
    find(pool, id).await
}

/// The database's checks of a queue object (slug free, owner exists), as field errors.
async fn check(pool: &Db, refs: &QueueRefs, id: Option<i64>) -> Result<ErrorBag, AppError> {
    let mut errors = ErrorBag::new();
    if let Some(slug) = &refs.slug {
        let other: Option<i64> =
            sqlx::query_scalar("select id from queues where slug = $1 and id is distinct from $2")
                .bind(slug.as_ref())
                .bind(id)
                .fetch_optional(pool)
                .await?;
        if other.is_some() {
            errors.add("slug", SLUG_TAKEN);
        }
    }
    if let Some(owner) = refs.default_owner
        && !super::users::user_exists(pool, owner).await?
    {
        errors.add("default_owner", invalid_pk(owner));
    }
    Ok(errors)
}

/// Creates a queue.
///
/// # Errors
/// `Forbidden` unless superuser; `Validation` with every bad field.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn create(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    input: QueueInput,
) -> Result<Queue, AppError> {
    require_superuser(actor)?;
    let parsed = NewQueue::parse(&input.body);
    let checked = check(pool, &QueueRefs::read(&input.body), None).await?;
    let new = ErrorBag::combine(parsed, checked)?;
    // A write transaction, which also records an Idempotency-Key with it (`idempotency`).
    let mut tx = super::db::begin_write(pool).await?;
    let row = sqlx::query_as::<_, QueueRow>(&format!(
        "insert into queues (title, slug, email_address, allow_public_submission, default_owner, \
         new_ticket_cc, updated_ticket_cc) values ($1, $2, $3, $4, $5, $6, $7) returning {COLUMNS}"
    ))
    .bind(new.title)
    .bind(new.slug.as_ref())
    .bind(new.email_address.map(|e| e.into_inner()))
    .bind(i64::from(new.allow_public_submission))
    .bind(new.default_owner)
    .bind(new.new_ticket_cc)
    .bind(new.updated_ticket_cc)
    .fetch_one(&mut *tx)
    .await
    .map_err(slug_race)?;
    super::idempotency::created("queues", row.id);
    tx.commit().await?;
    Ok(row.into())
}

fn slug_race(e: sqlx::Error) -> AppError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AppError::field("slug", SLUG_TAKEN)
        }
        other => other.into(),
    }
}

/// Changes a queue (PUT or PATCH, as `input.mode` says).
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`; `Validation`.
pub async fn update(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
    input: QueueInput,
) -> Result<Queue, AppError> {
    update_if_match(pool, actor, id, input, None).await
}

/// `update`, only if the queue's current ETag matches `if_match` (when given). With one, the
/// old values are read and compared inside a write transaction.
///
/// # Errors
/// As `update`; `PreconditionFailed` with the current ETag; nothing is written then.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn update_if_match(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
    input: QueueInput,
    if_match: Option<&IfMatch>,
) -> Result<Queue, AppError> {
    require_superuser(actor)?;
    find(pool, id).await?;
    debug_assert!(input.mode != WriteMode::Create);
    let parsed = QueuePatch::parse(&input.body, input.mode);
    let checked = check(pool, &QueueRefs::read(&input.body), Some(id)).await?;
    let patch = ErrorBag::combine(parsed, checked)?;
    let mut tx = super::db::begin_write(pool).await?;
    let old = find(pool, id).await?;
    super::preconditions::check(if_match, std::future::ready(Ok(&old))).await?;
    let row = sqlx::query_as::<_, QueueRow>(&format!(
        "update queues set title = $1, slug = $2, email_address = $3, allow_public_submission = $4, \
         default_owner = $5, new_ticket_cc = $6, updated_ticket_cc = $7 where id = $8 \
         returning {COLUMNS}"
    ))
    .bind(patch.title.unwrap_or(old.title))
    .bind(patch.slug.map_or(old.slug, |s| s.into_inner()))
    .bind(match patch.email_address {
        Some(e) => e.map(|e| e.into_inner()),
        None => old.email_address,
    })
    .bind(i64::from(
        patch
            .allow_public_submission
            .unwrap_or(old.allow_public_submission),
    ))
    .bind(patch.default_owner.unwrap_or(old.default_owner))
    .bind(patch.new_ticket_cc.unwrap_or(old.new_ticket_cc))
    .bind(patch.updated_ticket_cc.unwrap_or(old.updated_ticket_cc))
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .map_err(slug_race)?;
    tx.commit().await?;
    Ok(row.into())
}

pub const HAS_TICKETS: &str =
    "This queue still has tickets; move or delete them before deleting the queue.";

/// Deletes a queue that has no tickets.
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`; `BadRequest` when tickets are filed in it.
pub async fn delete(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    delete_if_match(pool, actor, id, None).await
}

/// `delete`, only if the queue's current ETag matches `if_match` (when given), checked
/// inside the write.
///
/// # Errors
/// As `delete`; `PreconditionFailed` with the current ETag; nothing is deleted then.
#[tracing::instrument(skip(pool, actor))]
pub async fn delete_if_match(
    pool: &Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
    if_match: Option<&IfMatch>,
) -> Result<(), AppError> {
    require_superuser(actor)?;
    find(pool, id).await?;
    let mut tx = super::db::begin_write(pool).await?;
    super::preconditions::check(if_match, find(pool, id)).await?;
    let tickets: i64 = sqlx::query_scalar("select count(*) from tickets where queue = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    if tickets > 0 {
        return Err(AppError::BadRequest(HAS_TICKETS.to_owned()));
    }
    let result = sqlx::query("delete from queues where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await;
    match result {
        Ok(_) => Ok(tx.commit().await?),
        // A ticket filed between the count and the delete: the foreign key refuses.
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
            Err(AppError::BadRequest(HAS_TICKETS.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}
