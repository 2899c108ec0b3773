//! `GET /api/changes/`: the change feed (issue 14.3), staff only. Every committed change to a
//! ticket, a followup or an attachment, oldest first, from the cursor `after` on; the service
//! (`app::service::events`) owns the events, the cursors and the retention.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use app::error::AppError;
use app::service::events::{self, ChangePage};

use super::pagination::ListQuery;
use super::paths;
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::CHANGES, get(list_changes))
}

async fn list_changes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<ChangePage>, AppError> {
    let page = events::list(&state.pool, &user, query.get("after"), query.get("limit")).await?;
    Ok(Json(page))
}
