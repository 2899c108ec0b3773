//! The public portal's one route outside Leptos (issue 15): downloading a file of a ticket's
//! public followup with the ticket's secret key, `/view/{id}/attachments/{attachment}?key=`.
//! A wrong key, another ticket's file or an internal followup's all answer 404 alike.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use app::error::AppError;

use crate::state::AppState;

#[derive(Deserialize)]
pub struct KeyQuery {
    #[serde(default)]
    key: String,
}

pub async fn download(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(String, String)>,
    Query(q): Query<KeyQuery>,
) -> Response {
    let (Ok(id), Ok(attachment)) = (id.parse::<i64>(), attachment.parse::<i64>()) else {
        return AppError::NotFound.into_response();
    };
    match app::service::portal::attachment(
        &state.pool,
        &state.settings.media_root,
        id,
        &q.key,
        attachment,
    )
    .await
    {
        Ok((att, bytes)) => crate::api::attachments::file_response(&att, bytes),
        Err(e) => e.into_response(),
    }
}
