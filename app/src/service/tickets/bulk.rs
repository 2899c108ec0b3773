//! Bulk actions on the ticket list: each selected ticket gets its own update (with its audit
//! trail) or delete.

use std::path::Path;

use crate::service::db::Db;

use super::{delete, patch};
use crate::domain::ticket::{TicketPatch, TicketStatus};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::require_staff;

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
    pool: &Db,
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
                let change = TicketPatch {
                    assigned_to: Some(user),
                    ..TicketPatch::default()
                };
                patch(pool, actor, id, change).await?;
            }
            BulkAction::SetStatus(status) => {
                let change = TicketPatch {
                    status: Some(status),
                    ..TicketPatch::default()
                };
                patch(pool, actor, id, change).await?;
            }
        }
    }
    Ok(ids.len())
}

/// The most tickets one bulk action changes: each is a write of its own, so a larger
/// selection would hold the database for long.
pub const MAX_BULK_TICKETS: usize = 100;
