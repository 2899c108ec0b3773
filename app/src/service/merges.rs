//! The rules of merging one ticket into another (issue 11.3), applied inside the write of the
//! ticket change that sets `merged_to`, so the API, the edit form and the quick action all
//! obey them. A merge must leave exactly one live ticket: it refuses the ticket itself, a
//! ticket that is already merged, and a target that is merged (which is how a loop would
//! start). It leaves a followup on the target naming the merged ticket (the merged ticket's
//! own followup is the change's) and copies the merged ticket's submitter to the target's CC
//! list. This module must not commit: the caller's transaction does.

use sqlx::AnyConnection;

use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::db::dialect;

/// Refuses a merge of ticket `id` (now merged into `current`, if anywhere) into `target`.
///
/// # Errors
/// `Validation` on `merged_to` saying why.
pub(crate) async fn check(
    conn: &mut AnyConnection,
    id: i64,
    current: Option<i64>,
    target: i64,
) -> Result<(), AppError> {
    let refuse = |m: String| Err(AppError::field("merged_to", m));
    if target == id {
        return refuse("A ticket cannot be merged into itself.".to_owned());
    }
    if let Some(into) = current {
        return refuse(format!(
            "This ticket is already merged into #{into}; it cannot be merged again."
        ));
    }
    let target_into: Option<i64> =
        sqlx::query_scalar("select merged_to from tickets where id = $1")
            .bind(target)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    match target_into {
        Some(back) if back == id => refuse(format!(
            "Ticket #{target} is merged into this ticket; merging back would make a loop."
        )),
        Some(into) => refuse(format!(
            "Ticket #{target} is itself merged into #{into}; merge into #{into} instead."
        )),
        None => Ok(()),
    }
}

/// What a merge of `id` into `target` adds beside the change itself: a public followup on the
/// target naming the merged ticket, and the merged ticket's submitter on the target's CC list.
pub(crate) async fn link(
    tx: &mut crate::service::db::WriteTx,
    actor: &CurrentUser,
    id: i64,
    submitter: Option<&str>,
    target: i64,
    now: &str,
) -> Result<(), AppError> {
    let conn: &mut AnyConnection = tx;
    let title: String = sqlx::query_scalar("select title from tickets where id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let followup: i64 = sqlx::query_scalar(
        "insert into followups (ticket, date, title, comment, public, \"user\") \
         values ($1, $2, $3, $4, 0, $5) returning id",
    )
    .bind(target)
    .bind(now)
    .bind(format!("Ticket #{id} merged into this ticket"))
    .bind(format!("#{id} {title} was merged into this ticket."))
    .bind(actor.id)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(email) = submitter.map(str::trim).filter(|e| !e.is_empty()) {
        // Not when it is the target's own submitter: they hear of it anyway.
        sqlx::query(&format!(
            "insert into ticket_cc (ticket, email) select $1, $2 where not exists \
             (select 1 from tickets where id = $1 and {}) on conflict do nothing",
            dialect::eq_nocase(dialect::of(conn), "submitter_email", "$2")
        ))
        .bind(target)
        .bind(email)
        .execute(&mut *conn)
        .await?;
    }
    super::tickets::touch(conn, target, now).await?;
    let change = super::events::Change::FollowupCreated(followup);
    super::events::record(tx, Some(actor.id), change).await
}

/// The addresses copied on ticket `id`, in the order they were added.
pub(crate) async fn cc_list(
    pool: &crate::service::db::Db,
    id: i64,
) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("select email from ticket_cc where ticket = $1 order by id")
            .bind(id)
            .fetch_all(pool)
            .await?,
    )
}
