//! `/api/users/`: staff create users; only superusers create staff or superusers.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use app::error::AppError;
use app::service::users::{self, NewUser};

use super::payload::Payload;
use super::{created, paths};
use crate::auth::basic::ApiUser;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::USERS, post(create_user))
}

async fn create_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    payload: Payload,
) -> Result<Response, AppError> {
    let new = NewUser::from_json(&payload.body)?;
    Ok(created(users::create_user(&state.pool, &user, new).await?))
}
