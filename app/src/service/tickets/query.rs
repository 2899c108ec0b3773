//! The ticket list: the SQL for a filter and an ordering, the (cached) count, and one page of
//! rows fetched by id from a covering index.

use std::collections::HashMap;

use crate::service::db::{Backend, Db, dialect};

use super::{COLUMNS, TicketRow, build_with};
use crate::domain::page::{Page, PageRequest};
use crate::domain::ticket::{Ticket, TicketFilter};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::require_staff;

fn order_by(backend: Backend, ordering: &str) -> String {
    let by = match ordering {
        "-id" => "id desc",
        // Case-insensitive, as a person reads a list; the index is built on the same key
        // (see the migrations that add tickets_title).
        "title" => return format!("{}, id", dialect::nocase(backend, "title")),
        "-title" => return format!("{} desc, id desc", dialect::nocase(backend, "title")),
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
    };
    by.to_owned()
}

enum Bind {
    Int(i64),
    Text(String),
}

/// The values of a statement being built, numbered as they are added.
#[derive(Default)]
struct Binds(Vec<Bind>);

impl Binds {
    /// Adds `b` and answers its placeholder (`$N`).
    fn add(&mut self, b: Bind) -> String {
        self.0.push(b);
        format!("${}", self.0.len())
    }
}

fn where_clause(backend: Backend, f: &TicketFilter) -> (String, Binds) {
    let mut sql = vec!["1 = 1".to_owned()];
    let mut binds = Binds::default();
    if f.matches_nothing {
        sql.push("0 = 1".into());
    }
    if !f.statuses.is_empty() {
        let ids: Vec<i64> = f.statuses.iter().map(|s| i64::from(*s)).collect();
        let p = binds.add(Bind::Text(
            serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()),
        ));
        sql.push(format!("status in ({})", dialect::json_ints(backend, &p)));
    }
    for (col, v) in [
        ("queue", f.queue),
        ("assigned_to", f.assigned_to),
        ("priority", f.priority),
    ] {
        if let Some(v) = v {
            let p = binds.add(Bind::Int(v));
            sql.push(format!("{col} = {p}"));
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
            let p = binds.add(Bind::Int(n));
            sources.push(format!("select {p}"));
        }
        // FTS5 reads its query as a C string and PostgreSQL text holds no NUL, so such text
        // matches nothing (and is never looked for row by row).
        if let Some(t) = text.filter(|t| !t.contains('\0')) {
            let p = binds.add(Bind::Text(dialect::search_value(backend, &t)));
            sources.push(dialect::ticket_text_search(backend, &p));
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
        let p = binds.add(Bind::Text(email.clone()));
        sql.push(dialect::eq_nocase(backend, "submitter_email", &p));
    }
    (sql.join(" and "), binds)
}

/// The ids of one page of the list, in order (limit and offset bound last). A ticket whose
/// number was searched for comes first.
fn ids_sql(backend: Backend, where_sql: &str, binds: &Binds, filter: &TicketFilter) -> String {
    let first = filter
        .ticket_number()
        .map(|n| format!("(id = {n}) desc, "))
        .unwrap_or_default();
    let n = binds.0.len();
    format!(
        "select id from tickets where {where_sql} order by {first}{} limit ${} offset ${}",
        order_by(backend, filter.ordering),
        n + 1,
        n + 2
    )
}

/// How many tickets match: a count reads every matching index entry, so it grows with the
/// table; it is remembered until the next write (see `cache`).
async fn count_rows(pool: &Db, where_sql: &str, binds: &Binds) -> Result<u64, AppError> {
    let mut key = where_sql.to_owned();
    for b in &binds.0 {
        key.push('\0');
        match b {
            Bind::Int(i) => key.push_str(&i.to_string()),
            Bind::Text(s) => key.push_str(s),
        }
    }
    pool.caches()
        .ticket_counts
        .get_or_load(key, || async {
            let count_sql = format!("select count(*) from tickets where {where_sql}");
            let mut count_q = sqlx::query_scalar::<_, i64>(&count_sql);
            for b in &binds.0 {
                count_q = match b {
                    Bind::Int(i) => count_q.bind(*i),
                    Bind::Text(s) => count_q.bind(s.clone()),
                };
            }
            Ok(count_q.fetch_one(pool).await? as u64)
        })
        .await
}

pub(super) async fn page_of_rows(
    pool: &Db,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<(u64, PageRequest, Vec<TicketRow>), AppError> {
    let backend = pool.backend();
    let (where_sql, binds) = where_clause(backend, filter);
    let count = count_rows(pool, &where_sql, &binds).await?;
    let request = page.check(count)?;
    // Ids first, from a covering index; then the page's rows by id (see the migration
    // that adds tickets_id).
    let ids_sql = ids_sql(backend, &where_sql, &binds, filter);
    let mut ids_q = sqlx::query_scalar::<_, i64>(&ids_sql);
    for b in binds.0 {
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
        "select {COLUMNS} from tickets where id in ({})",
        dialect::json_ints(backend, "$1")
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

/// A page of tickets, filtered and ordered as `filter` says.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end; `Validation` for a
/// `q` too short to search (see `TicketFilter::check`).
pub async fn list(
    pool: &Db,
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
    pool: &Db,
    actor: &CurrentUser,
    filter: &TicketFilter,
    page: PageRequest,
) -> Result<Page<Ticket>, AppError> {
    list_with(pool, actor, filter, page, false).await
}

async fn list_with(
    pool: &Db,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan of a list statement, one line per step.
    async fn plan(pool: &Db, sql: &str, binds: &[Bind]) -> Vec<String> {
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

    #[tokio::test]
    async fn no_list_query_reads_the_whole_ticket_table() {
        let test_db = crate::service::db::testing::db().await;
        let pool = test_db.db.clone();
        if pool.backend() != Backend::Sqlite {
            // The plans are SQLite's; on a near-empty table PostgreSQL rightly scans anyway.
            eprintln!("skipped on PostgreSQL: reads SQLite's query plans");
            return;
        }
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
                let (where_sql, mut binds) = where_clause(Backend::Sqlite, &filter);
                let count_sql =
                    format!("explain query plan select count(*) from tickets where {where_sql}");
                let ids = format!(
                    "explain query plan {}",
                    ids_sql(Backend::Sqlite, &where_sql, &binds, &filter)
                );
                let count_plan = plan(&pool, &count_sql, &binds.0).await;
                binds.add(Bind::Int(25));
                binds.add(Bind::Int(0));
                let ids_plan = plan(&pool, &ids, &binds.0).await;
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
}
