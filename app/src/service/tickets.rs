//! Tickets: listing with filters, creating (with the "Ticket Opened" followup and an optional
//! attachment), changing (with the audit trail on a followup) and deleting (with the files).
//! Everything a write does happens in one transaction, after every field has been checked.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;
use sqlx::SqlitePool;

use crate::domain::attachment::UploadedFile;
use crate::domain::custom_field::CustomField;
use crate::domain::input::WriteMode;
use crate::domain::page::{Page, PageRequest};
use crate::domain::ticket::{
    Priority, PublicQueue, PublicTicket, SubmitterAttachment, SubmitterFollowUp, SubmitterTicket,
    Ticket, TicketChange, TicketChoices, TicketCounts, TicketDetail, TicketFilter, TicketInput,
    TicketStatus,
};
use crate::domain::user::CurrentUser;
use crate::domain::{REQUIRED, Timestamp, invalid_pk};
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
    status: i64,
    on_hold: bool,
    description: String,
    resolution: Option<String>,
    priority: i64,
    due_date: Option<String>,
    secret_key: String,
    merged_to: Option<i64>,
    version: i64,
}

const COLUMNS: &str = "id, title, queue, created, modified, submitter_email, assigned_to, \
    status, on_hold, description, resolution, priority, due_date, secret_key, merged_to, version";

fn order_by(ordering: &str) -> &'static str {
    match ordering {
        "-id" => "id desc",
        // Case-insensitive, as a person reads a list; the index is built with the same
        // collation (see the migration that adds tickets_title).
        "title" => "title collate nocase, id",
        "-title" => "title collate nocase desc, id desc",
        "queue" => "queue, id",
        "-queue" => "queue desc, id desc",
        "status" => "status, id",
        "-status" => "status desc, id desc",
        "created" => "created, id",
        "-created" => "created desc, id desc",
        "priority" => "priority, id",
        "-priority" => "priority desc, id desc",
        "due_date" => "due_date is null, due_date, id",
        "-due_date" => "due_date is null, due_date desc, id desc",
        "modified" => "modified, id",
        "-modified" => "modified desc, id desc",
        _ => "id",
    }
}

enum Bind {
    Int(i64),
    Text(String),
}

fn where_clause(f: &TicketFilter) -> (String, Vec<Bind>) {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut binds = Vec::new();
    if f.matches_nothing {
        sql.push("0 = 1".into());
    }
    if !f.statuses.is_empty() {
        sql.push("status in (select value from json_each(?))".into());
        let ids: Vec<i64> = f.statuses.iter().map(|s| i64::from(*s)).collect();
        binds.push(Bind::Text(
            serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
        ));
    }
    for (col, v) in [
        ("queue", f.queue),
        ("assigned_to", f.assigned_to),
        ("priority", f.priority),
    ] {
        if let Some(v) = v {
            sql.push(format!("{col} = ?"));
            binds.push(Bind::Int(v));
        }
    }
    if f.unassigned {
        sql.push("assigned_to is null".into());
    }
    // Text is looked up in the trigram indexes of tickets (title, description, submitter
    // email) and of custom field values; a ticket number matches that ticket. `check`
    // refuses any other `q` (too short to search without reading every ticket).
    let number = f.ticket_number();
    let text = f.search_text();
    if number.is_some() || text.is_some() {
        let mut sources = Vec::new();
        if let Some(n) = number {
            sources.push("select ?".to_owned());
            binds.push(Bind::Int(n));
        }
        // FTS5 reads its query as a C string, so a NUL would cut it short: such text
        // matches nothing (and is never looked for row by row).
        if let Some(t) = text.filter(|t| !t.contains('\0')) {
            // A quoted phrase matches as a substring, case-insensitively.
            let phrase = format!("\"{}\"", t.replace('"', "\"\""));
            sources.push("select rowid from tickets_fts where tickets_fts match ?".to_owned());
            sources.push(
                "select ticket from ticket_custom_field_values where id in \
                 (select rowid from ticket_custom_values_fts where ticket_custom_values_fts match ?)"
                    .to_owned(),
            );
            binds.push(Bind::Text(phrase.clone()));
            binds.push(Bind::Text(phrase));
        }
        if sources.is_empty() {
            sql.push("0 = 1".into());
        } else {
            sql.push(format!("id in ({})", sources.join(" union ")));
        }
    } else if f.q.is_some() {
        sql.push("0 = 1".into());
    }
    if let Some(email) = &f.submitter_email {
        // Case-insensitive (issue 11.10); served by tickets_submitter_email_nocase_created.
        sql.push("submitter_email = ? collate nocase".into());
        binds.push(Bind::Text(email.clone()));
    }
    (sql.join(" and "), binds)
}

/// The ids of one page of the list, in order (limit and offset bound last). A ticket whose
/// number was searched for comes first.
fn ids_sql(where_sql: &str, filter: &TicketFilter) -> String {
    let first = filter
        .ticket_number()
        .map(|n| format!("id = {n} desc, "))
        .unwrap_or_default();
    format!(
        "select id from tickets where {where_sql} order by {first}{} limit ? offset ?",
        order_by(filter.ordering)
    )
}

/// How many tickets match: a count reads every matching index entry, so it grows with the
/// table; it is remembered until the next write (see `cache`).
async fn count_rows(pool: &SqlitePool, where_sql: &str, binds: &[Bind]) -> Result<u64, AppError> {
    static COUNTS: super::cache::VersionedCache<String, u64> =
        super::cache::VersionedCache::new(256);
    let mut key = super::cache::database_key(pool);
    key.push('\0');
    key.push_str(where_sql);
    for b in binds {
        key.push('\0');
        match b {
            Bind::Int(i) => key.push_str(&i.to_string()),
            Bind::Text(s) => key.push_str(s),
        }
    }
    COUNTS
        .get_or_load(key, || async {
            let count_sql = format!("select count(*) from tickets where {where_sql}");
            let mut count_q = sqlx::query_scalar::<_, i64>(&count_sql);
            for b in binds {
                count_q = match b {
                    Bind::Int(i) => count_q.bind(*i),
                    Bind::Text(s) => count_q.bind(s.clone()),
                };
            }
            Ok(count_q.fetch_one(pool).await? as u64)
        })
        .await
}

async fn page_of_rows(
    pool: &SqlitePool,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<(u64, PageRequest, Vec<TicketRow>), AppError> {
    let (where_sql, binds) = where_clause(filter);
    let count = count_rows(pool, &where_sql, &binds).await?;
    let request = page.check(count)?;
    // Ids first, from a covering index; then the page's rows by id (see the migration
    // that adds tickets_id).
    let ids_sql = ids_sql(&where_sql, filter);
    let mut ids_q = sqlx::query_scalar::<_, i64>(&ids_sql);
    for b in binds {
        ids_q = match b {
            Bind::Int(i) => ids_q.bind(i),
            Bind::Text(s) => ids_q.bind(s),
        };
    }
    let ids = ids_q
        .bind(request.limit())
        .bind(request.offset())
        .fetch_all(pool)
        .await?;
    let mut by_id: HashMap<i64, TicketRow> = sqlx::query_as::<_, TicketRow>(&format!(
        "select {COLUMNS} from tickets where id in (select value from json_each(?))"
    ))
    .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r))
    .collect();
    let rows = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok((count, request, rows))
}

/// Ticket objects for rows: followups, attachments and custom values are loaded for all the
/// rows at once (one query each), not per ticket.
async fn build(pool: &SqlitePool, rows: Vec<TicketRow>) -> Result<Vec<Ticket>, AppError> {
    build_with(pool, rows, true).await
}

/// `build`, leaving `followup_set` empty unless `with_followups`.
async fn build_with(
    pool: &SqlitePool,
    rows: Vec<TicketRow>,
    with_followups: bool,
) -> Result<Vec<Ticket>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let defs = custom_fields::all_cached(pool).await?;
    let mut values: HashMap<(i64, i64), Option<String>> = HashMap::new();
    if !ids.is_empty() && !defs.is_empty() {
        let found: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "select ticket, field, value from ticket_custom_field_values \
             where ticket in (select value from json_each(?))",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(pool)
        .await?;
        for (t, f, v) in found {
            values.insert((t, f), v);
        }
    }
    let mut fups = if with_followups {
        followups::for_tickets(pool, &ids).await?
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
                status: TicketStatus::from_i64(r.status).unwrap_or(TicketStatus::Open),
                on_hold: r.on_hold,
                priority: Priority::from_i64(r.priority).unwrap_or_default(),
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

async fn find_row(pool: &SqlitePool, id: i64) -> Result<TicketRow, AppError> {
    sqlx::query_as::<_, TicketRow>(&format!("select {COLUMNS} from tickets where id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)
}

async fn find(pool: &SqlitePool, id: i64) -> Result<Ticket, AppError> {
    let row = find_row(pool, id).await?;
    build(pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// A page of tickets, filtered and ordered as `filter` says.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end; `Validation` for a
/// `q` too short to search (see `TicketFilter::check`).
pub async fn list(
    pool: &SqlitePool,
    actor: &CurrentUser,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<Page<Ticket>, AppError> {
    list_with(pool, actor, filter, page, true).await
}

/// `list` without the followups: what the web list and the dashboard show.
///
/// # Errors
/// As `list`.
pub async fn list_summaries(
    pool: &SqlitePool,
    actor: &CurrentUser,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<Page<Ticket>, AppError> {
    list_with(pool, actor, filter, page, false).await
}

async fn list_with(
    pool: &SqlitePool,
    actor: &CurrentUser,
    filter: &TicketFilter,
    page: PageRequest,
    with_followups: bool,
) -> Result<Page<Ticket>, AppError> {
    require_staff(actor)?;
    filter.check()?;
    let (count, request, rows) = page_of_rows(pool, filter, page).await?;
    Ok(Page {
        count,
        request,
        items: build_with(pool, rows, with_followups).await?,
    })
}

/// The tickets `actor` submitted (by email), newest first, in the public shape. Any
/// authenticated user may ask; a user without an email has none.
///
/// # Errors
/// `NotFoundDetail` for a page past the end.
pub async fn list_for_submitter(
    pool: &SqlitePool,
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
    let queues: HashMap<i64, (String, String)> = sqlx::query_as::<_, (i64, String, String)>(
        "select id, title, slug from queues where id in (select value from json_each(?))",
    )
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
                status: TicketStatus::from_i64(r.status).unwrap_or(TicketStatus::Open),
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

/// One ticket.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(pool: &SqlitePool, actor: &CurrentUser, id: i64) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    find(pool, id).await
}

/// Checks references and custom values against the database, adding to `errors`. Returns
/// the custom values to store (field id, key, canonical text).
async fn check(
    pool: &SqlitePool,
    input: &TicketInput,
    errors: &mut ErrorBag,
    defs: &[CustomField],
) -> Result<Vec<(i64, String, Option<String>)>, AppError> {
    if let Some(q) = input.queue
        && !queues::exists(pool, q).await?
    {
        errors.add("queue", invalid_pk(q));
    }
    if let Some(Some(u)) = input.assigned_to
        && !users::user_exists(pool, u).await?
    {
        errors.add("assigned_to", invalid_pk(u));
    }
    if let Some(Some(t)) = input.merged_to {
        let found: Option<i64> = sqlx::query_scalar("select id from tickets where id = ?")
            .bind(t)
            .fetch_optional(pool)
            .await?;
        if found.is_none() {
            errors.add("merged_to", invalid_pk(t));
        }
    }
    let mut values = Vec::new();
    for d in defs {
        let key = d.key();
        match input.custom.get(&key) {
            Some(raw) => {
                if let Some(v) = errors.take(&key, d.validate_value(raw)) {
                    values.push((d.id, key, v));
                }
            }
            None if d.required && input.mode == WriteMode::Create => errors.add(&key, REQUIRED),
            None => {}
        }
    }
    Ok(values)
}

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
    pool: &SqlitePool,
    actor: &CurrentUser,
    media_root: &Path,
    mut input: TicketInput,
    files: Vec<UploadedFile>,
) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    let mut errors = std::mem::take(&mut input.errors);
    let defs = custom_fields::all_cached(pool).await?;
    let custom = check(pool, &input, &mut errors, &defs).await?;
    errors.into_result()?;
    attachments::check_files(&files)?;
    let (Some(queue), Some(title)) = (input.queue, input.title) else {
        return Err(AppError::field("title", REQUIRED));
    };
    let assigned_to = input.assigned_to.flatten();
    let assignee = match assigned_to {
        Some(u) => Some(users::get_user(pool, u).await?.username),
        None => None,
    };
    let slug: String = sqlx::query_scalar("select slug from queues where id = ?")
        .bind(queue)
        .fetch_one(pool)
        .await?;
    let now = Timestamp::now().to_db();
    let secret = new_secret_key();
    let description = input.description.unwrap_or_default();
    let mut written = Vec::new();
    let result: Result<i64, AppError> = async {
        let mut tx = super::db::begin_write(pool).await?;
        let id: i64 = sqlx::query_scalar(
            "insert into tickets (title, queue, created, modified, submitter_email, assigned_to, \
             status, on_hold, description, resolution, priority, due_date, secret_key, merged_to) \
             values (?, ?, ?, ?, ?, ?, 1, 0, ?, null, ?, ?, ?, null) returning id",
        )
        .bind(title.as_ref())
        .bind(queue)
        .bind(&now)
        .bind(&now)
        .bind(input.submitter_email.flatten().map(|e| e.into_inner()))
        .bind(assigned_to)
        .bind(&description)
        .bind(i64::from(input.priority.unwrap_or_default()))
        .bind(input.due_date.flatten().map(|d| d.to_db()))
        .bind(&secret)
        .fetch_one(&mut *tx)
        .await?;
        for (field, _, value) in &custom {
            sqlx::query(
                "insert into ticket_custom_field_values (ticket, field, value) values (?, ?, ?)",
            )
            .bind(id)
            .bind(field)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        let title = match &assignee {
            Some(name) => format!("Ticket Opened & Assigned to {name}"),
            None => "Ticket Opened".to_owned(),
        };
        let followup: i64 = sqlx::query_scalar(
            "insert into followups (ticket, date, title, comment, public, user) \
             values (?, ?, ?, ?, 1, ?) returning id",
        )
        .bind(id)
        .bind(&now)
        .bind(title)
        .bind(&description)
        .bind(actor.id)
        .fetch_one(&mut *tx)
        .await?;
        let folder = attachments::ticket_folder(&slug, id, &secret);
        attachments::store(&mut tx, media_root, &folder, followup, &files, &mut written).await?;
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

fn opt<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// Changes a ticket (PUT or PATCH: a field left out is left unchanged). Every changed field
/// is recorded, old and new value, on a new followup by `actor`.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound`; `Validation` with every bad field.
pub async fn update(
    pool: &SqlitePool,
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
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    mut input: TicketInput,
    expected_version: Option<i64>,
) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    find_row(pool, id).await?;
    let mut errors = std::mem::take(&mut input.errors);
    let defs = custom_fields::all_cached(pool).await?;
    let custom = check(pool, &input, &mut errors, &defs).await?;
    errors.into_result()?;

    // The old values are read inside the write transaction: read before it, two concurrent
    // changes would each write back the other's stale fields (a lost update) and record
    // changes from values that were no longer current.
    let mut tx = super::db::begin_write(pool).await?;
    let old =
        sqlx::query_as::<_, TicketRow>(&format!("select {COLUMNS} from tickets where id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    if let Some(expected) = expected_version
        && expected != old.version
    {
        drop(tx);
        return Err(conflict(pool, id, old.version).await);
    }
    let mut new = old.clone();
    if let Some(q) = input.queue {
        new.queue = q;
    }
    if let Some(t) = input.title {
        new.title = t.into_inner();
    }
    if let Some(d) = input.description {
        new.description = d;
    }
    if let Some(r) = input.resolution {
        new.resolution = r;
    }
    if let Some(e) = input.submitter_email {
        new.submitter_email = e.map(|e| e.into_inner());
    }
    if let Some(a) = input.assigned_to {
        new.assigned_to = a;
    }
    if let Some(s) = input.status {
        new.status = s.into();
    }
    if let Some(h) = input.on_hold {
        new.on_hold = h;
    }
    if let Some(p) = input.priority {
        new.priority = p.into();
    }
    if let Some(d) = input.due_date {
        new.due_date = d.map(|d| d.to_db());
    }
    if let Some(m) = input.merged_to {
        new.merged_to = m;
    }
    // A new merge obeys the merge rules (issue 11.3); taking a merge back is always allowed.
    let merging = match new.merged_to {
        Some(target) if new.merged_to != old.merged_to => {
            super::merges::check(&mut tx, id, old.merged_to, target).await?;
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
        Some(old.status.to_string()),
        Some(new.status.to_string()),
    );
    diff(
        "on_hold",
        Some(old.on_hold.to_string()),
        Some(new.on_hold.to_string()),
    );
    diff(
        "priority",
        Some(old.priority.to_string()),
        Some(new.priority.to_string()),
    );
    diff(
        "due_date",
        old.due_date.as_deref().map(|d| parse_db_time(d).to_api()),
        new.due_date.as_deref().map(|d| parse_db_time(d).to_api()),
    );
    diff("merged_to", opt(&old.merged_to), opt(&new.merged_to));
    let stored: HashMap<i64, Option<String>> = sqlx::query_as::<_, (i64, Option<String>)>(
        "select field, value from ticket_custom_field_values where ticket = ?",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    for (field, key, value) in &custom {
        diff(key, stored.get(field).cloned().flatten(), value.clone());
    }
    if changes.is_empty() {
        drop(tx);
        return find(pool, id).await;
    }

    let now = Timestamp::now().to_db();
    let status_changed = new.status != old.status;
    let title = match (merging, status_changed, TicketStatus::from_i64(new.status)) {
        (Some(target), _, _) => format!("Merged into #{target}"),
        (None, true, Some(s)) if s != TicketStatus::Open => s.label().to_owned(),
        _ => "Updated".to_owned(),
    };
    sqlx::query(
        "update tickets set title = ?, queue = ?, modified = ?, submitter_email = ?, \
         assigned_to = ?, status = ?, on_hold = ?, description = ?, resolution = ?, \
         priority = ?, due_date = ?, merged_to = ?, version = version + 1 where id = ?",
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
    for (field, _, value) in &custom {
        sqlx::query(
            "insert into ticket_custom_field_values (ticket, field, value) values (?, ?, ?) \
             on conflict (ticket, field) do update set value = excluded.value",
        )
        .bind(id)
        .bind(field)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, user, new_status) \
         values (?, ?, ?, '', 0, ?, ?) returning id",
    )
    .bind(id)
    .bind(&now)
    .bind(title)
    .bind(actor.id)
    .bind(status_changed.then_some(new.status))
    .fetch_one(&mut *tx)
    .await?;
    for (field, a, b) in changes {
        sqlx::query(
            "insert into ticket_changes (followup, field, old_value, new_value) values (?, ?, ?, ?)",
        )
        .bind(followup)
        .bind(field)
        .bind(a)
        .bind(b)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(target) = merging {
        let submitter = new.submitter_email.as_deref();
        super::merges::link(&mut tx, actor, id, submitter, target, &now).await?;
    }
    // The answer shows this change, not one committed by another request just after it.
    let _turn = tx.commit_keeping_turn().await?;
    find(pool, id).await
}

/// The conflict error for ticket `id`, now at `version`: who wrote its latest followup (every
/// change is one), and when.
async fn conflict(pool: &SqlitePool, id: i64, version: i64) -> AppError {
    let last: Result<Option<(Option<i64>, String)>, sqlx::Error> = sqlx::query_as(
        "select user, date from followups where ticket = ? order by date desc, id desc limit 1",
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

/// One ticket with its recorded changes (field, old value, new value per followup), for the
/// ticket page.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn detail(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
) -> Result<TicketDetail, AppError> {
    require_staff(actor)?;
    let row = find_row(pool, id).await?;
    let version = row.version;
    let ticket = build(pool, vec![row])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let changes = sqlx::query_as::<_, (i64, String, Option<String>, Option<String>)>(
        "select c.followup, c.field, c.old_value, c.new_value from ticket_changes c \
         join followups f on f.id = c.followup where f.ticket = ? order by c.id",
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
    Ok(TicketDetail {
        ticket,
        changes,
        version,
        cc,
        authors,
    })
}

/// A ticket as its submitter sees it (`SubmitterTicket`: the public followups and their
/// files, nothing staff-only): only when `actor`'s email is the submitter's. Any signed-in
/// user may ask.
///
/// # Errors
/// `NotFound` for another person's ticket (so as not to reveal that it exists).
pub async fn get_for_submitter(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
) -> Result<SubmitterTicket, AppError> {
    let row = find_row(pool, id).await?;
    let submitter = row.submitter_email.as_deref().unwrap_or_default();
    if !crate::domain::email::same_email(&actor.email, submitter) {
        return Err(AppError::NotFound);
    }
    let queue: String = sqlx::query_scalar("select title from queues where id = ?")
        .bind(row.queue)
        .fetch_optional(pool)
        .await?
        .unwrap_or_default();
    let public: Vec<_> = followups::for_tickets(pool, &[id])
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
        status: TicketStatus::from_i64(row.status).unwrap_or(TicketStatus::Open),
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
    pool: &SqlitePool,
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
    let now = Timestamp::now().to_db();
    let mut tx = super::db::begin_write(pool).await?;
    // A reply from the customer on a finished ticket is work again (issue 11.4): it reopens,
    // recorded as a status change on this comment. Read inside the write, so a concurrent
    // resolve is seen.
    let status: i64 = sqlx::query_scalar("select status from tickets where id = ?")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let finished = matches!(
        TicketStatus::from_i64(status),
        Some(TicketStatus::Resolved | TicketStatus::Closed)
    );
    let reopened = finished.then_some(i64::from(TicketStatus::Reopened));
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, user, new_status) \
         values (?, ?, 'Comment', ?, 1, ?, ?) returning id",
    )
    .bind(id)
    .bind(&now)
    .bind(comment)
    .bind(actor.id)
    .bind(reopened)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(new) = reopened {
        sqlx::query("update tickets set status = ? where id = ?")
            .bind(new)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "insert into ticket_changes (followup, field, old_value, new_value) \
             values (?, 'status', ?, ?)",
        )
        .bind(followup)
        .bind(status.to_string())
        .bind(new.to_string())
        .execute(&mut *tx)
        .await?;
    }
    touch(&mut tx, id, &now).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks activity on ticket `id` at `now` (a db timestamp), inside the caller's write: every
/// followup, by anyone, moves `modified` (issue 11.5), so "recently changed first" and "Last
/// activity" see replies too, and bumps the ticket's version (issue 11.1).
pub(crate) async fn touch(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "update tickets set modified = max(modified, ?), version = version + 1 where id = ?",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Bumps the version of ticket `id` inside the caller's write: its content changed (a file or
/// a followup edited), so a form or an ETag based on it is stale (issue 11.1).
pub(crate) async fn bump_version(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
) -> Result<(), AppError> {
    sqlx::query("update tickets set version = version + 1 where id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a bulk action on the ticket list does to each selected ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// Assign to a user, or to nobody.
    Assign(Option<i64>),
    SetStatus(TicketStatus),
    Delete,
}

/// Applies one action to several tickets, each as its own update (with its audit trail) or
/// delete. Stops at the first failure; the tickets before it stay changed.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound` for an unknown ticket; `Validation` for an unknown
/// assignee or more than `MAX_BULK_TICKETS` tickets (`sel`).
#[tracing::instrument(skip(pool, actor, media_root, ids))]
pub async fn bulk(
    pool: &SqlitePool,
    actor: &CurrentUser,
    media_root: &Path,
    ids: &[i64],
    action: BulkAction,
) -> Result<usize, AppError> {
    require_staff(actor)?;
    if ids.len() > MAX_BULK_TICKETS {
        return Err(AppError::field(
            "sel",
            format!(
                "Select no more than {MAX_BULK_TICKETS} tickets at once (got {}).",
                ids.len()
            ),
        ));
    }
    for &id in ids {
        match action {
            BulkAction::Delete => delete(pool, actor, media_root, id).await?,
            BulkAction::Assign(user) => {
                let body = serde_json::json!({ "assigned_to": user });
                let input =
                    TicketInput::from_json(body.as_object().expect("an object"), WriteMode::Update);
                update(pool, actor, id, input).await?;
            }
            BulkAction::SetStatus(status) => {
                let body = serde_json::json!({ "status": i64::from(status) });
                let input =
                    TicketInput::from_json(body.as_object().expect("an object"), WriteMode::Update);
                update(pool, actor, id, input).await?;
            }
        }
    }
    Ok(ids.len())
}

/// The most tickets one bulk action changes: each is a write of its own, so a larger
/// selection would hold the database for long.
pub const MAX_BULK_TICKETS: usize = 100;

/// The queues, active staff and custom field definitions that ticket forms and list filters
/// offer.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn choices(pool: &SqlitePool, actor: &CurrentUser) -> Result<TicketChoices, AppError> {
    require_staff(actor)?;
    Ok(TicketChoices {
        queues: queues::all(pool).await?,
        staff: users::list_staff(pool, actor).await?,
        custom_fields: custom_fields::all_cached(pool).await?,
    })
}

/// The dashboard's numbers: tickets per status, active tickets assigned to `actor`, and
/// active tickets assigned to nobody.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn counts(pool: &SqlitePool, actor: &CurrentUser) -> Result<TicketCounts, AppError> {
    require_staff(actor)?;
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("select status, count(*) from tickets group by status")
            .fetch_all(pool)
            .await?;
    let by_status = TicketStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows
                .iter()
                .find(|(st, _)| *st == i64::from(s))
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect();
    let (mine_active, unassigned_active): (i64, i64) = sqlx::query_as(
        "select coalesce(sum(assigned_to = ?), 0), coalesce(sum(assigned_to is null), 0) \
         from tickets where status in (1, 2)",
    )
    .bind(actor.id)
    .fetch_one(pool)
    .await?;
    Ok(TicketCounts {
        by_status,
        mine_active,
        unassigned_active,
    })
}

/// Deletes a ticket with its followups, changes, custom values and attachment files.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
#[tracing::instrument(skip(pool, actor, media_root))]
pub async fn delete(
    pool: &SqlitePool,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
) -> Result<(), AppError> {
    require_staff(actor)?;
    let mut tx = super::db::begin_write(pool).await?;
    let files = attachments::files_where(
        &mut tx,
        media_root,
        "followup in (select id from followups where ticket = ?)",
        id,
    )
    .await?;
    let done = sqlx::query("delete from tickets where id = ?")
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
mod tests {
    use super::*;
    use crate::domain::queue::QueueInput;
    use serde_json::json;

    /// The plan of a list statement, one line per step.
    async fn plan(pool: &SqlitePool, sql: &str, binds: &[Bind]) -> Vec<String> {
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(sql);
        for b in binds {
            q = match b {
                Bind::Int(i) => q.bind(*i),
                Bind::Text(s) => q.bind(s.clone()),
            };
        }
        q.fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn no_list_query_reads_the_whole_ticket_table(pool: SqlitePool) {
        let filters: Vec<Vec<(&str, &str)>> = vec![
            vec![],
            vec![("status", "1,2")],
            vec![("queue", "1")],
            vec![("assigned_to", "1")],
            vec![("priority", "2")],
            vec![("q", "printer")],
            vec![("status", "1"), ("q", "printer")],
            vec![("status", "1"), ("queue", "1"), ("priority", "3")],
            vec![("q", "301")],
            vec![("q", "#7")],
        ];
        for pairs in &filters {
            for ordering in crate::domain::ticket::ORDERINGS {
                let mut query: Vec<(String, String)> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect();
                query.push(("ordering".into(), ordering.into()));
                let filter = TicketFilter::from_query(&query);
                let (where_sql, mut binds) = where_clause(&filter);
                let count_sql =
                    format!("explain query plan select count(*) from tickets where {where_sql}");
                let ids = format!("explain query plan {}", ids_sql(&where_sql, &filter));
                let count_plan = plan(&pool, &count_sql, &binds).await;
                binds.push(Bind::Int(25));
                binds.push(Bind::Int(0));
                let ids_plan = plan(&pool, &ids, &binds).await;
                for step in count_plan.iter().chain(&ids_plan) {
                    assert_ne!(
                        step, "SCAN tickets",
                        "a full table scan for {pairs:?} ordered by {ordering}: {ids_plan:?} / {count_plan:?}"
                    );
                }
                if pairs.is_empty() {
                    assert!(
                        !ids_plan.iter().any(|s| s.contains("TEMP B-TREE")),
                        "the unfiltered list sorts the whole table for {ordering}: {ids_plan:?}"
                    );
                }
            }
        }
    }

    async fn setup(pool: &SqlitePool) -> (CurrentUser, i64) {
        let admin = users::create_superuser(pool, "admin", "", "s3cret-pass".into())
            .await
            .unwrap();
        let body = json!({"title": "IT", "slug": "it"});
        let q = queues::create(
            pool,
            &admin,
            QueueInput::from_json(body.as_object().unwrap(), WriteMode::Create),
        )
        .await
        .unwrap();
        (admin, q.id)
    }

    fn input(body: Value, mode: WriteMode) -> TicketInput {
        TicketInput::from_json(body.as_object().unwrap(), mode)
    }

    async fn rows(pool: &SqlitePool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn creating_a_ticket_opens_it_with_a_first_followup(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let body = json!({"queue": q, "title": "T", "description": "D", "status": 4});
        let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
        assert_eq!(t.status, TicketStatus::Open);
        assert_eq!(t.followup_set.len(), 1);
        assert_eq!(t.followup_set[0].title.as_deref(), Some("Ticket Opened"));
        assert_eq!(t.followup_set[0].comment.as_deref(), Some("D"));
        assert_eq!(t.followup_set[0].user, Some(admin.id));
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_failed_validation_writes_nothing_and_reports_every_field(pool: SqlitePool) {
        let (admin, _) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let body = json!({"queue": 99, "title": "", "assigned_to": 42});
        let err = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap_err();
        for f in ["queue", "title", "assigned_to"] {
            assert_eq!(err.field_messages(f).len(), 1, "{f}");
        }
        assert_eq!(rows(&pool, "tickets").await, 0);
        assert_eq!(rows(&pool, "followups").await, 0);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn non_staff_are_refused_before_their_input_is_looked_at(pool: SqlitePool) {
        let (mut admin, _) = setup(&pool).await;
        admin.is_staff = false;
        admin.is_superuser = false;
        let dir = std::env::temp_dir();
        let err = create(
            &pool,
            &admin,
            &dir,
            input(json!({}), WriteMode::Create),
            vec![],
        )
        .await
        .unwrap_err();
        assert_eq!(err.status_code(), 403);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn an_update_records_each_changed_field_on_one_followup(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let t = create(
            &pool,
            &admin,
            &dir,
            input(json!({"queue": q, "title": "T"}), WriteMode::Create),
            vec![],
        )
        .await
        .unwrap();
        let body = json!({"status": 3, "priority": 1, "title": "T"});
        let u = update(&pool, &admin, t.id, input(body, WriteMode::Update))
            .await
            .unwrap();
        assert_eq!(u.status, TicketStatus::Resolved);
        assert_eq!(u.followup_set.len(), 2);
        assert_eq!(u.followup_set[1].title.as_deref(), Some("Resolved"));
        assert_eq!(u.followup_set[1].new_status, Some(TicketStatus::Resolved));
        let changes: Vec<(String, String, String)> =
            sqlx::query_as("select field, old_value, new_value from ticket_changes order by field")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            changes,
            vec![
                ("priority".into(), "3".into(), "1".into()),
                ("status".into(), "1".into(), "3".into()),
            ]
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_page_of_tickets_carries_each_tickets_followups(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        for i in 0..3 {
            let body = json!({"queue": q, "title": format!("T{i}")});
            create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
                .await
                .unwrap();
        }
        let filter = TicketFilter::from_query(&[("ordering".into(), "-id".into())]);
        let page = PageRequest::parse(None, Some("2")).unwrap();
        let p = list(&pool, &admin, &filter, page).await.unwrap();
        assert_eq!(p.count, 3);
        let titles: Vec<&str> = p.items.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, vec!["T2", "T1"]);
        assert!(
            p.items
                .iter()
                .all(|t| t.followup_set.len() == 1 && t.followup_set[0].ticket == t.id)
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn detail_lists_the_changes_and_counts_follow_the_statuses(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let mut ids = Vec::new();
        for i in 0..3 {
            let body = json!({"queue": q, "title": format!("T{i}")});
            let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
                .await
                .unwrap();
            ids.push(t.id);
        }
        let body = json!({"status": 3, "assigned_to": admin.id});
        update(&pool, &admin, ids[0], input(body, WriteMode::Update))
            .await
            .unwrap();
        let body = json!({"assigned_to": admin.id});
        update(&pool, &admin, ids[1], input(body, WriteMode::Update))
            .await
            .unwrap();
        let d = detail(&pool, &admin, ids[0]).await.unwrap();
        let fields: Vec<&str> = d.changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["assigned_to", "status"]);
        assert!(
            d.changes
                .iter()
                .all(|c| c.followup == d.ticket.followup_set[1].id)
        );
        let c = counts(&pool, &admin).await.unwrap();
        assert_eq!(c.by_status[0], (TicketStatus::Open, 2));
        assert_eq!(c.by_status[2], (TicketStatus::Resolved, 1));
        assert_eq!((c.mine_active, c.unassigned_active), (1, 1));
        let filter = TicketFilter {
            unassigned: true,
            ordering: "id",
            ..TicketFilter::default()
        };
        let page = list(&pool, &admin, &filter, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, ids[2]);
        let mut agent = admin.clone();
        agent.is_staff = false;
        agent.is_superuser = false;
        assert_eq!(counts(&pool, &agent).await.unwrap_err().status_code(), 403);
        assert_eq!(choices(&pool, &agent).await.unwrap_err().status_code(), 403);
        assert_eq!(
            detail(&pool, &agent, ids[0])
                .await
                .unwrap_err()
                .status_code(),
            403
        );
        let ch = choices(&pool, &admin).await.unwrap();
        assert_eq!(ch.queues.len(), 1);
        assert_eq!(ch.staff.len(), 1);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_submitter_reads_and_comments_only_on_their_own_tickets(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let body = json!({"queue": q, "title": "Mine", "submitter_email": "c@example.com"});
        let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
        let fu = json!({"ticket": t.id, "comment": "secret", "public": false});
        followups::create(
            &pool,
            &admin,
            &dir,
            crate::domain::ticket::FollowUpInput::from_json(
                fu.as_object().unwrap(),
                WriteMode::Create,
            ),
            vec![],
        )
        .await
        .unwrap();
        let mut customer =
            users::create_superuser(&pool, "customer", "c@example.com", "s3cret-pass".into())
                .await
                .unwrap();
        customer.is_staff = false;
        customer.is_superuser = false;
        let seen = get_for_submitter(&pool, &customer, t.id).await.unwrap();
        assert_eq!(seen.followups.len(), 1, "the internal note is hidden");
        comment_as_submitter(&pool, &customer, t.id, "  thanks  ")
            .await
            .unwrap();
        let seen = get_for_submitter(&pool, &customer, t.id).await.unwrap();
        assert_eq!(seen.followups[1].comment.as_deref(), Some("thanks"));
        let err = comment_as_submitter(&pool, &customer, t.id, " ")
            .await
            .unwrap_err();
        assert_eq!(err.field_messages("comment").len(), 1);
        customer.email = "other@example.com".into();
        let err = get_for_submitter(&pool, &customer, t.id).await.unwrap_err();
        assert_eq!(err, AppError::NotFound);
        let err = comment_as_submitter(&pool, &customer, t.id, "hi")
            .await
            .unwrap_err();
        assert_eq!(err, AppError::NotFound);
    }

    async fn version(pool: &SqlitePool, admin: &CurrentUser, id: i64) -> i64 {
        detail(pool, admin, id).await.unwrap().version
    }

    fn moved(seen: &mut i64, now: i64, what: &str) {
        assert!(now > *seen, "{what} did not move the version");
        *seen = now;
    }

    /// Issue 11.1: every write that changes a ticket or what hangs on it moves its version, and
    /// a change based on an older version is refused with nothing written.
    #[sqlx::test(migrations = "../migrations")]
    async fn every_write_moves_the_version_and_a_stale_one_is_refused(pool: SqlitePool) {
        use crate::domain::attachment::{AttachmentInput, UploadedFile};
        use crate::domain::ticket::FollowUpInput;
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir().join(format!("helpdesk-version-{}", std::process::id()));
        let dir = dir.as_path();
        let body = json!({"queue": q, "title": "T"});
        let t = create(&pool, &admin, dir, input(body, WriteMode::Create), vec![])
            .await
            .unwrap();
        let mut seen = version(&pool, &admin, t.id).await;
        let fu = json!({"ticket": t.id, "comment": "c", "public": true});
        let f = followups::create(
            &pool,
            &admin,
            dir,
            FollowUpInput::from_json(fu.as_object().unwrap(), WriteMode::Create),
            vec![],
        )
        .await
        .unwrap();
        moved(&mut seen, version(&pool, &admin, t.id).await, "a followup");
        let file = UploadedFile {
            field: "file".into(),
            filename: "a.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"abc".to_vec(),
        };
        let a = attachments::create(
            &pool,
            &admin,
            dir,
            AttachmentInput {
                followup: Some(f.id),
                file: Some(file),
                errors: ErrorBag::new(),
            },
        )
        .await
        .unwrap();
        moved(
            &mut seen,
            version(&pool, &admin, t.id).await,
            "an added file",
        );
        attachments::delete(&pool, &admin, dir, a.id).await.unwrap();
        moved(
            &mut seen,
            version(&pool, &admin, t.id).await,
            "a deleted file",
        );
        let edit = json!({"comment": "d"});
        followups::update(
            &pool,
            &admin,
            f.id,
            FollowUpInput::from_json(edit.as_object().unwrap(), WriteMode::Update),
        )
        .await
        .unwrap();
        moved(
            &mut seen,
            version(&pool, &admin, t.id).await,
            "an edited followup",
        );
        followups::delete(&pool, &admin, dir, f.id).await.unwrap();
        moved(
            &mut seen,
            version(&pool, &admin, t.id).await,
            "a deleted followup",
        );

        let stale = seen - 1;
        let body = json!({"title": "Stale"});
        let err = update_checked(
            &pool,
            &admin,
            t.id,
            input(body, WriteMode::Update),
            Some(stale),
        )
        .await
        .unwrap_err();
        assert_eq!(err.status_code(), 409);
        assert!(
            err.to_string()
                .starts_with("This ticket was changed by admin at "),
            "{err}"
        );
        assert_eq!(get(&pool, &admin, t.id).await.unwrap().title, "T");
        let body = json!({"title": "Fresh"});
        update_checked(
            &pool,
            &admin,
            t.id,
            input(body, WriteMode::Update),
            Some(seen),
        )
        .await
        .unwrap();
        moved(&mut seen, version(&pool, &admin, t.id).await, "a change");
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn a_bulk_action_changes_or_deletes_every_selected_ticket(pool: SqlitePool) {
        let (admin, q) = setup(&pool).await;
        let dir = std::env::temp_dir();
        let mut ids = Vec::new();
        for i in 0..3 {
            let body = json!({"queue": q, "title": format!("T{i}")});
            let t = create(&pool, &admin, &dir, input(body, WriteMode::Create), vec![])
                .await
                .unwrap();
            ids.push(t.id);
        }
        let n = bulk(
            &pool,
            &admin,
            &dir,
            &ids[..2],
            BulkAction::Assign(Some(admin.id)),
        )
        .await
        .unwrap();
        assert_eq!(n, 2);
        bulk(
            &pool,
            &admin,
            &dir,
            &ids[..1],
            BulkAction::SetStatus(TicketStatus::Closed),
        )
        .await
        .unwrap();
        let t0 = get(&pool, &admin, ids[0]).await.unwrap();
        assert_eq!(
            (t0.assigned_to, t0.status),
            (Some(admin.id), TicketStatus::Closed)
        );
        assert_eq!(
            t0.followup_set.len(),
            3,
            "each change is on the audit trail"
        );
        assert_eq!(get(&pool, &admin, ids[2]).await.unwrap().assigned_to, None);
        bulk(&pool, &admin, &dir, &ids[1..], BulkAction::Delete)
            .await
            .unwrap();
        assert_eq!(rows(&pool, "tickets").await, 1);
        let mut agent = admin.clone();
        agent.is_staff = false;
        let err = bulk(&pool, &agent, &dir, &ids[..1], BulkAction::Delete)
            .await
            .unwrap_err();
        assert_eq!(err.status_code(), 403);
    }
}
