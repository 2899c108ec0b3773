//! `/api/queues/`: staff read, superusers write.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::input::WriteMode;
use app::domain::queue::{Queue, QueueInput};
use app::error::AppError;
use app::service::queues;

use super::conditional::IfMatchHeader;
use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::QUEUES, get(list_queues).post(create_queue))
        .route(
            paths::QUEUE,
            get(get_queue)
                .put(replace_queue)
                .patch(update_queue)
                .delete(delete_queue),
        )
}

async fn list_queues(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = queues::list(&state.pool, &user, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn get_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<Queue>, AppError> {
    Ok(Json(queues::get(&state.pool, &user, id).await?))
}

async fn create_queue(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let input = QueueInput::from_json(&payload.body, WriteMode::Create);
    Ok(created(queues::create(&state.pool, &user, input).await?))
}

async fn replace_queue(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<Queue>, AppError> {
    let input = QueueInput::from_json(&payload.body, WriteMode::Replace);
    let m = if_match.as_ref();
    Ok(Json(
        queues::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn update_queue(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<Queue>, AppError> {
    let input = QueueInput::from_json(&payload.body, WriteMode::Update);
    let m = if_match.as_ref();
    Ok(Json(
        queues::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn delete_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
) -> Result<Response, AppError> {
    queues::delete_if_match(&state.pool, &user, id, if_match.as_ref()).await?;
    Ok(no_content())
}
