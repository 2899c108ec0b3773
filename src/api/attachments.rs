//! `/api/followups-attachments/`: staff list (`?followup=ID`), read, add (multipart with
//! `followup` and `file`), delete, and download the bytes of followup attachments.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use app::domain::attachment::{Attachment, AttachmentInput};
use app::error::AppError;
use app::service::attachments;

use super::conditional::IfMatchHeader;
use super::pagination::ListQuery;
use super::payload::Payload;
use super::{ApiStaff, Id, created, no_content, paths};
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            paths::ATTACHMENTS,
            get(list_attachments).post(create_attachment),
        )
        .route(
            paths::ATTACHMENT,
            get(get_attachment).delete(delete_attachment),
        )
        .route(paths::ATTACHMENT_DOWNLOAD, get(download_attachment))
}

async fn list_attachments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    query: ListQuery,
) -> Result<Json<Value>, AppError> {
    let followup = query.id_filter("followup");
    let page = attachments::list(&state.pool, &user, followup, query.page_request()?).await?;
    Ok(query.respond(page))
}

async fn get_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Json<Attachment>, AppError> {
    Ok(Json(attachments::get(&state.pool, &user, id).await?))
}

async fn create_attachment(
    State(state): State<AppState>,
    ApiStaff(user): ApiStaff,
    payload: Payload,
) -> Result<Response, AppError> {
    let input = AttachmentInput::from_parts(&payload.body, payload.files);
    let attachment =
        attachments::create(&state.pool, &user, &state.settings.media_root, input).await?;
    Ok(created(attachment))
}

async fn delete_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
    IfMatchHeader(if_match): IfMatchHeader,
) -> Result<Response, AppError> {
    let media = &state.settings.media_root;
    attachments::delete_if_match(&state.pool, &user, media, id, if_match.as_ref()).await?;
    Ok(no_content())
}

fn encode_filename(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, crate::UNRESERVED).to_string()
}

/// Types a browser never runs script from, passed through as the uploader gave them.
const INERT_TYPES: &[&str] = &[
    "text/plain",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/zip",
];

/// The Content-Type a download is served with: the stored type is the uploader's to choose
/// (`text/html`, `image/svg+xml`), so it is used only when it is one of `INERT_TYPES` (without
/// parameters), and anything else is `application/octet-stream`.
fn download_type(stored: &str) -> &'static str {
    let essence = stored.split(';').next().unwrap_or("").trim();
    INERT_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(essence))
        .copied()
        .unwrap_or("application/octet-stream")
}

/// The bytes themselves, to be saved (`attachment`), never rendered as a page of this site:
/// an inert type or `application/octet-stream`, `nosniff`, a sandboxing policy for a browser
/// that opens the file anyway, and never stored by a cache.
async fn download_attachment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Id(id): Id,
) -> Result<Response, AppError> {
    let (att, bytes) =
        attachments::download(&state.pool, &user, &state.settings.media_root, id).await?;
    Ok(file_response(&att, bytes))
}

/// An attachment's bytes as a download (see `download_attachment`); the public portal's
/// downloads are answered the same way.
pub(crate) fn file_response(att: &Attachment, bytes: Vec<u8>) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(download_type(&att.mime_type)),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::security::DOWNLOAD_POLICY),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        encode_filename(&att.filename)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A file of a ticket is for the people allowed to see it: not for shared caches, and not
    // left on the disk of a shared computer.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inert_types_are_served_as_uploaded() {
        for (stored, served) in [
            ("text/plain", "text/plain"),
            ("TEXT/PLAIN; charset=utf-8", "text/plain"),
            ("image/png", "image/png"),
            ("text/html", "application/octet-stream"),
            ("image/svg+xml", "application/octet-stream"),
            ("application/xhtml+xml", "application/octet-stream"),
            ("text/plain, text/html", "application/octet-stream"),
            ("", "application/octet-stream"),
        ] {
            assert_eq!(download_type(stored), served, "{stored}");
        }
    }
}
