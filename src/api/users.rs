//! `/api/users/`: staff create users; only superusers create staff or superusers.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use app::error::AppError;
use app::service::users;

use super::payload::Payload;
use super::{ApiStaff, created, paths};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::USERS, post(create_user))
}

async fn create_user(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let new = users::create_user_from_json(&state.pool, &user, &payload.body).await?;
    Ok(created(new))
}
