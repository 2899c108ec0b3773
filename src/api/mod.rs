//! The REST API under `/api/`, compatible with django-helpdesk's. Each module exposes
//! `router()`; handlers only authenticate, parse, call one service function and shape JSON.

use axum::Router;
use axum::response::IntoResponse;

use app::error::AppError;

use crate::startup::AppState;

pub fn router(_state: AppState) -> Router<AppState> {
    Router::new().fallback(not_found)
}

async fn not_found() -> impl IntoResponse {
    AppError::NotFound
}
