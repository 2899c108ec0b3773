//! `/api/webhooks/`: superusers manage webhook endpoints, see their deliveries, redeliver one
//! and rotate an endpoint's secret (issue 14.4).

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use app::domain::input::WriteMode;
use app::domain::webhook::{Delivery, Webhook, WebhookWithSecret};
use app::error::AppError;
use app::service::webhooks;

use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::WEBHOOKS, get(list).post(create))
        .route(
            paths::WEBHOOK,
            get(read).put(replace).patch(change).delete(remove),
        )
        .route(paths::WEBHOOK_ROTATE, post(rotate))
        .route(paths::WEBHOOK_DELIVERIES, get(deliveries))
        .route(paths::WEBHOOK_REDELIVER, post(redeliver))
}

async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = webhooks::list(&state.pool, &user, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<Webhook>, AppError> {
    Ok(Json(webhooks::get(&state.pool, &user, id).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    Ok(created(
        webhooks::create(&state.pool, &user, &payload.body).await?,
    ))
}

async fn replace(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    payload: Payload,
) -> Result<Json<Webhook>, AppError> {
    let w = webhooks::update(&state.pool, &user, id, &payload.body, WriteMode::Replace).await?;
    Ok(Json(w))
}

async fn change(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
    payload: Payload,
) -> Result<Json<Webhook>, AppError> {
    let w = webhooks::update(&state.pool, &user, id, &payload.body, WriteMode::Update).await?;
    Ok(Json(w))
}

async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Response, AppError> {
    webhooks::delete(&state.pool, &user, id).await?;
    Ok(no_content())
}

async fn rotate(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Id(id): Id,
) -> Result<Json<WebhookWithSecret>, AppError> {
    Ok(Json(webhooks::rotate_secret(&state.pool, &user, id).await?))
}

async fn deliveries(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let page = webhooks::deliveries(&state.pool, &user, id, query.page_request()?).await?;
    Ok(query.respond(page))
}

/// `{id}` and `{delivery}` of a redelivery path; anything but positive integers is a 404.
async fn redeliver(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    Path((id, delivery)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let parse = |s: &str| {
        s.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(AppError::NotFound)
    };
    let d: Delivery =
        webhooks::redeliver(&state.pool, &user, parse(&id)?, parse(&delivery)?).await?;
    Ok(created(d))
}
