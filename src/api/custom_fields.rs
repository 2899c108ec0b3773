//! `/api/custom_fields/`: staff read the definitions, superusers write them.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::custom_field::{CustomField, CustomFieldInput};
use app::domain::input::WriteMode;
use app::error::AppError;
use app::service::custom_fields;

use super::conditional::IfMatchHeader;
use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            paths::CUSTOM_FIELDS,
            get(list_custom_fields).post(create_custom_field),
        )
        .route(
            paths::CUSTOM_FIELD,
            get(get_custom_field)
                .put(replace_custom_field)
                .patch(update_custom_field)
                .delete(delete_custom_field),
        )
}

async fn list_custom_fields(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = custom_fields::list(&state.pool, &user, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn get_custom_field(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<CustomField>, AppError> {
    Ok(Json(custom_fields::get(&state.pool, &user, id).await?))
}

async fn create_custom_field(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let input = CustomFieldInput::from_json(&payload.body, WriteMode::Create);
    Ok(created(
        custom_fields::create(&state.pool, &user, input).await?,
    ))
}

async fn replace_custom_field(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<CustomField>, AppError> {
    let input = CustomFieldInput::from_json(&payload.body, WriteMode::Replace);
    let m = if_match.as_ref();
    Ok(Json(
        custom_fields::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn update_custom_field(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
    payload: Payload,
) -> Result<Json<CustomField>, AppError> {
    let input = CustomFieldInput::from_json(&payload.body, WriteMode::Update);
    let m = if_match.as_ref();
    Ok(Json(
        custom_fields::update_if_match(&state.pool, &user, id, input, m).await?,
    ))
}

async fn delete_custom_field(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
) -> Result<Response, AppError> {
    custom_fields::delete_if_match(&state.pool, &user, id, if_match.as_ref()).await?;
    Ok(no_content())
}
