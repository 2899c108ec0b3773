//! The dashboard's numbers.

use crate::service::db::Db;

use crate::domain::ticket::{TicketCounts, TicketStatus};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::require_staff;

/// The dashboard's numbers: tickets per status, active tickets assigned to `actor`, and
/// active tickets assigned to nobody.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn counts(pool: &Db, actor: &CurrentUser) -> Result<TicketCounts, AppError> {
    require_staff(actor)?;
    let rows: Vec<(TicketStatus, i64)> =
        sqlx::query_as("select status, count(*) from tickets group by status")
            .fetch_all(pool)
            .await?;
    let by_status = TicketStatus::ALL
        .into_iter()
        .map(|s| {
            let n = rows.iter().find(|(st, _)| *st == s).map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect();
    let (mine_active, unassigned_active): (i64, i64) = sqlx::query_as(
        "select coalesce(sum(case when assigned_to = $1 then 1 else 0 end), 0), \
         coalesce(sum(case when assigned_to is null then 1 else 0 end), 0) \
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
