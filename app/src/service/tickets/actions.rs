//! The ticket page's quick actions: typed changes, each applied as `update` applies one.

use crate::service::db::Db;

use super::update::{Expect, apply};
use super::{find_row, missing_refs};
use crate::domain::ticket::{QuickAction, Ticket};
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorBag};
use crate::service::require_staff;

/// Applies a quick action to ticket `id`, with its audit trail.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFound`; `Validation` for an over-long resolution or a
/// merge target that is no ticket (or breaks the merge rules).
#[tracing::instrument(skip(pool, actor))]
pub async fn quick_action(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    action: QuickAction,
) -> Result<Ticket, AppError> {
    require_staff(actor)?;
    find_row(pool, id).await?;
    let parsed = action.patch();
    let refs = parsed.as_ref().map(|p| p.refs()).unwrap_or_default();
    let patch = ErrorBag::combine(parsed, missing_refs(pool, refs).await?)?;
    apply(pool, actor, id, patch, Expect::Nothing).await
}
