//! `/api/followups/`: staff list (`?ticket=ID`), read, add (JSON or multipart with repeated
//! `attachments` files), change and delete followups.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::input::WriteMode;
use app::domain::ticket::{FollowUp, FollowUpInput};
use app::error::AppError;
use app::service::followups;

use super::conditional::IfMatchHeader;
use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::FOLLOWUPS, get(list_followups).post(create_followup))
        .route(
            paths::FOLLOWUP,
            get(get_followup)
                .put(replace_followup)
                .patch(update_followup)
                .delete(delete_followup),
        )
}

async fn list_followups(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let ticket = query.id_filter("ticket");
    let page = followups::list(&state.pool, &user, ticket, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn get_followup(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<FollowUp>, AppError> {
    Ok(Json(followups::get(&state.pool, &user, id).await?))
}

async fn create_followup(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let input = FollowUpInput::from_json(&payload.body, WriteMode::Create);
    let files = payload
        .files
        .into_iter()
        .filter(|f| f.field == "attachments" || f.field == "attachment")
        .collect();
    let followup =
        followups::create(&state.pool, &user, &state.settings.media_root, input, files).await?;
    Ok(created(followup))
}

async fn replace_followup(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<FollowUp>, AppError> {
    let input = FollowUpInput::from_json(&payload.body, WriteMode::Replace);
    let m = if_match.as_ref();
    Ok(Json(
        followups::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn update_followup(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<FollowUp>, AppError> {
    let input = FollowUpInput::from_json(&payload.body, WriteMode::Update);
    let m = if_match.as_ref();
    Ok(Json(
        followups::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn delete_followup(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
) -> Result<Response, AppError> {
    let media = &state.settings.media_root;
    followups::delete_if_match(&state.pool, &user, media, id, if_match.as_ref()).await?;
    Ok(no_content())
}
