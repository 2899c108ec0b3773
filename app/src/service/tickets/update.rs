//! Changing a ticket: every changed field is recorded (old and new value) on a followup, and
//! `update_checked` refuses a change based on a stale version.

use std::collections::HashMap;

use crate::service::db::Db;

use super::{COLUMNS, TicketRow, find, find_row, missing_refs};
use crate::domain::Timestamp;
use crate::domain::ticket::{Ticket, TicketInput, TicketPatch, TicketRefs, TicketStatus};
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorBag};
use crate::service::events::{self, Change};
use crate::service::followups::parse_db_time;
use crate::service::preconditions::{self, IfMatch};
use crate::service::{custom_fields, require_staff, users};

fn opt<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// Changes a ticket (PUT or PATCH: a field left out is left unchanged). Every changed field
/// is recorded, old and new value, on a new followup by `actor`.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound`; `Validation` with every bad field.
pub async fn update(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: TicketInput,
) -> Result<Ticket, AppError> {
    update_checked(pool, actor, id, input, None).await
}

/// `update`, only if the ticket is still at `expected_version` (when given): the version the
/// form or the request was based on. Checked inside the write, so no change slips between.
///
/// # Errors
/// As `update`; `Conflict` (naming who changed the ticket last, and when) when the ticket's
/// version is no longer `expected_version`; nothing is written then.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn update_checked(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: TicketInput,
    expected_version: Option<i64>,
) -> Result<Ticket, AppError> {
    let patch = parse_patch(pool, actor, id, input).await?;
    let expect = expected_version.map_or(Expect::Nothing, Expect::Version);
    apply(pool, actor, id, patch, expect).await
}

/// `update`, only if the ticket's current ETag matches `if_match` (the API's `If-Match`),
/// checked inside the write as `update_checked` checks the version.
///
/// # Errors
/// As `update`; `PreconditionFailed` with the current ETag when it does not match; nothing
/// is written then.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn update_if_match(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: TicketInput,
    if_match: &IfMatch,
) -> Result<Ticket, AppError> {
    let patch = parse_patch(pool, actor, id, input).await?;
    apply(pool, actor, id, patch, Expect::Tag(if_match)).await
}

/// The change `input` asks of ticket `id`, every field checked.
async fn parse_patch(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: TicketInput,
) -> Result<TicketPatch, AppError> {
    require_staff(actor)?;
    find_row(pool, id).await?;
    let defs = custom_fields::all_cached(pool).await?;
    let parsed = TicketPatch::parse(&input.body, input.mode, &defs);
    let missing = missing_refs(pool, TicketRefs::read(&input.body)).await?;
    ErrorBag::combine(parsed, missing)
}

/// What a change expects the ticket to be at, checked inside its write.
pub(super) enum Expect<'a> {
    Nothing,
    /// The version a form was drawn from (a stale one is a `Conflict`).
    Version(i64),
    /// The API's `If-Match` (a mismatch is `PreconditionFailed`).
    Tag(&'a IfMatch),
}

/// Applies a change built in the server rather than parsed from a request (the quick and
/// bulk actions), as `update` does.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound`; `Validation` for a row it names that does not
/// exist.
#[tracing::instrument(skip(pool, actor, patch))]
pub async fn patch(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    patch: TicketPatch,
) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    find_row(pool, id).await?;
    let missing = missing_refs(pool, patch.refs()).await?;
    let patch = ErrorBag::combine(Ok(patch), missing)?;
    apply(pool, actor, id, patch, Expect::Nothing).await
}

/// Writes `patch` to ticket `id` with its audit trail, if the ticket is still as `expect`
/// says.
pub(super) async fn apply(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    patch: TicketPatch,
    expect: Expect<'_>,
) -> Result<Ticket, AppError> {
    // The old values are read inside the write transaction: read before it, two concurrent
    // changes would each write back the other's stale fields (a lost update) and record
    // changes from values that were no longer current.
    let mut tx = crate::service::db::begin_write(pool).await?;
    let old =
        sqlx::query_as::<_, TicketRow>(&format!("select {COLUMNS} from tickets where id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    match expect {
        Expect::Version(expected) if expected != old.version => {
            drop(tx);
            return Err(conflict(pool, id, old.version).await);
        }
        // The representation read through the pool is this transaction's: we hold the lock.
        Expect::Tag(if_match) => preconditions::check(Some(if_match), find(pool, id)).await?,
        _ => {}
    }
    let mut new = old.clone();
    if let Some(q) = patch.queue {
        new.queue = q;
    }
    if let Some(t) = patch.title {
        new.title = t.into_inner();
    }
    if let Some(d) = patch.description {
        new.description = d;
    }
    if let Some(r) = patch.resolution {
        new.resolution = r;
    }
    if let Some(e) = patch.submitter_email {
        new.submitter_email = e.map(|e| e.into_inner());
    }
    if let Some(a) = patch.assigned_to {
        new.assigned_to = a;
    }
    if let Some(s) = patch.status {
        new.status = s;
    }
    if let Some(h) = patch.on_hold {
        new.on_hold = i64::from(h);
    }
    if let Some(p) = patch.priority {
        new.priority = p;
    }
    if let Some(d) = patch.due_date {
        new.due_date = d.map(|d| d.to_db());
    }
    if let Some(m) = patch.merged_to {
        new.merged_to = m;
    }
    // A new merge obeys the merge rules (issue 11.3); taking a merge back is always allowed.
    let merging = match new.merged_to {
        Some(target) if new.merged_to != old.merged_to => {
            crate::service::merges::check(&mut tx, id, old.merged_to, target).await?;
            Some(target)
        }
        _ => None,
    };

    let mut changes: Vec<(String, Option<String>, Option<String>)> = Vec::new();
    let mut diff = |field: &str, a: Option<String>, b: Option<String>| {
        if a != b {
            changes.push((field.to_owned(), a, b));
        }
    };
    diff(
        "queue",
        Some(old.queue.to_string()),
        Some(new.queue.to_string()),
    );
    diff("title", Some(old.title.clone()), Some(new.title.clone()));
    diff(
        "description",
        Some(old.description.clone()),
        Some(new.description.clone()),
    );
    diff("resolution", old.resolution.clone(), new.resolution.clone());
    diff(
        "submitter_email",
        old.submitter_email.clone(),
        new.submitter_email.clone(),
    );
    diff("assigned_to", opt(&old.assigned_to), opt(&new.assigned_to));
    diff(
        "status",
        Some(i64::from(old.status).to_string()),
        Some(i64::from(new.status).to_string()),
    );
    diff(
        "on_hold",
        Some((old.on_hold != 0).to_string()),
        Some((new.on_hold != 0).to_string()),
    );
    diff(
        "priority",
        Some(i64::from(old.priority).to_string()),
        Some(i64::from(new.priority).to_string()),
    );
    diff(
        "due_date",
        old.due_date.as_deref().map(|d| parse_db_time(d).to_api()),
        new.due_date.as_deref().map(|d| parse_db_time(d).to_api()),
    );
    diff("merged_to", opt(&old.merged_to), opt(&new.merged_to));
    let stored: HashMap<i64, Option<String>> = sqlx::query_as::<_, (i64, Option<String>)>(
        "select field, value from ticket_custom_field_values where ticket = $1",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for c in &patch.custom {
        diff(
            &c.key,
            stored.get(&c.field).cloned().flatten(),
            c.value.clone(),
        );
    }
    if changes.is_empty() {
        drop(tx);
        return find(pool, id).await;
    }

    let now = Timestamp::now().to_db();
    let status_changed = new.status != old.status;
    let title = match (merging, status_changed, new.status) {
        (Some(target), _, _) => format!("Merged into #{target}"),
        (None, true, s) if s != TicketStatus::Open => s.label().to_owned(),
        _ => "Updated".to_owned(),
    };
    sqlx::query(
        "update tickets set title = $1, queue = $2, modified = $3, submitter_email = $4, \
         assigned_to = $5, status = $6, on_hold = $7, description = $8, resolution = $9, \
         priority = $10, due_date = $11, merged_to = $12, version = version + 1 where id = $13",
    )
    .bind(&new.title)
    .bind(new.queue)
    .bind(&now)
    .bind(&new.submitter_email)
    .bind(new.assigned_to)
    .bind(new.status)
    .bind(new.on_hold)
    .bind(&new.description)
    .bind(&new.resolution)
    .bind(new.priority)
    .bind(&new.due_date)
    .bind(new.merged_to)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for c in &patch.custom {
        sqlx::query(
            "insert into ticket_custom_field_values (ticket, field, value) values ($1, $2, $3) \
             on conflict (ticket, field) do update set value = excluded.value",
        )
        .bind(id)
        .bind(c.field)
        .bind(&c.value)
        .execute(&mut *tx)
        .await?;
    }
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, \"user\", new_status) \
         values ($1, $2, $3, '', 0, $4, $5) returning id",
    )
    .bind(id)
    .bind(&now)
    .bind(title)
    .bind(actor.id)
    .bind(status_changed.then_some(new.status))
    .fetch_one(&mut *tx)
    .await?;
    for (field, a, b) in &changes {
        sqlx::query(
            "insert into ticket_changes (followup, field, old_value, new_value) values ($1, $2, $3, $4)",
        )
        .bind(followup)
        .bind(field)
        .bind(a)
        .bind(b)
        .execute(&mut *tx)
        .await?;
    }
    let by = Some(actor.id);
    events::record(&mut tx, by, Change::TicketUpdated(id, &changes)).await?;
    events::record(&mut tx, by, Change::FollowupCreated(followup)).await?;
    if let Some(target) = merging {
        let submitter = new.submitter_email.as_deref();
        crate::service::merges::link(&mut tx, actor, id, submitter, target, &now).await?;
    }
    // The answer shows this change, not one committed by another request just after it.
    let _turn = tx.commit_keeping_turn().await?;
    find(pool, id).await
}

/// The conflict error for ticket `id`, now at `version`: who wrote its latest followup (every
/// change is one), and when.
async fn conflict(pool: &Db, id: i64, version: i64) -> AppError {
    let last: Result<Option<(Option<i64>, String)>, sqlx::Error> = sqlx::query_as(
        "select \"user\", date from followups where ticket = $1 order by date desc, id desc limit 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await;
    let (user, date) = match last {
        Ok(Some((user, date))) => (user, parse_db_time(&date)),
        Ok(None) => (None, Timestamp::now()),
        Err(e) => return e.into(),
    };
    let by = match user {
        Some(u) => users::get_user(pool, u)
            .await
            .map_or_else(|_| "someone".to_owned(), |u| u.display_name()),
        None => "someone".to_owned(),
    };
    AppError::Conflict(Box::new(crate::domain::ticket::EditConflict {
        by,
        at: date,
        version,
        changed: Vec::new(),
        yours: std::collections::BTreeMap::new(),
    }))
}
