//! `/api/mail-ignore/`: superusers manage the senders whose mail is never filed (issue 15,
//! mail in): list, add, read and delete entries.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::mail_ignore::IgnoredSender;
use app::error::AppError;
use app::service::mail::ignore;

use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::MAIL_IGNORE, get(list).post(create))
        .route(paths::MAIL_IGNORE_ENTRY, get(read).delete(remove))
}

async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = ignore::list(&state.pool, &user, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<IgnoredSender>, AppError> {
    Ok(Json(ignore::get(&state.pool, &user, id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    Ok(created(
        ignore::add(&state.pool, &user, &payload.body).await?,
    ))
}

async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Response, AppError> {
    ignore::delete(&state.pool, &user, id).await?;
    Ok(no_content())
}
