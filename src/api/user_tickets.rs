//! `/api/user_tickets/`: any signed-in user's own tickets (by submitter email), newest first.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::error::AppError;
use app::service::tickets;

use super::pagination::ListQuery;
use super::paths;
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::USER_TICKETS, get(list_user_tickets))
}

async fn list_user_tickets(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = tickets::list_for_submitter(&state.pool, &user, query.page_request()?).await?;
    Ok(query.respond(page))
}
