//! The REST API under `/api/`, compatible with django-helpdesk's (issue 3). Each module
//! exposes `router()`; handlers only authenticate, parse, call one service function and shape
//! JSON. Paths are registered without the trailing slash: `startup::build_app` trims it
//! before routing, so both forms reach the same handler.

pub mod attachments;
pub mod changes;
pub mod conditional;
pub mod custom_fields;
pub mod followups;
pub mod idempotency;
pub mod mail_ignore;
pub mod openapi;
pub mod pagination;
pub mod payload;
pub mod queues;
pub mod tickets;
pub mod user_tickets;
pub mod users;
pub mod webhooks;

use axum::Router;
use axum::extract::{FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

use crate::state::AppState;

/// Every route of the API, relative to `/api`. The routers register these constants and
/// nothing else, and the OpenAPI document must list each of them (checked by a test).
pub mod paths {
    pub const QUEUES: &str = "/queues";
    pub const QUEUE: &str = "/queues/{id}";
    pub const TICKETS: &str = "/tickets";
    pub const TICKET: &str = "/tickets/{id}";
    pub const CUSTOM_FIELDS: &str = "/custom_fields";
    pub const CUSTOM_FIELD: &str = "/custom_fields/{id}";
    pub const FOLLOWUPS: &str = "/followups";
    pub const FOLLOWUP: &str = "/followups/{id}";
    pub const ATTACHMENTS: &str = "/followups-attachments";
    pub const ATTACHMENT: &str = "/followups-attachments/{id}";
    pub const ATTACHMENT_DOWNLOAD: &str = "/followups-attachments/{id}/download";
    pub const USERS: &str = "/users";
    pub const USER_TICKETS: &str = "/user_tickets";
    pub const OPENAPI: &str = "/openapi.json";
    pub const WEBHOOKS: &str = "/webhooks";
    pub const WEBHOOK: &str = "/webhooks/{id}";
    pub const WEBHOOK_ROTATE: &str = "/webhooks/{id}/rotate-secret";
    pub const WEBHOOK_DELIVERIES: &str = "/webhooks/{id}/deliveries";
    pub const WEBHOOK_REDELIVER: &str = "/webhooks/{id}/deliveries/{delivery}/redeliver";
    pub const CHANGES: &str = "/changes";
    pub const MAIL_IGNORE: &str = "/mail-ignore";
    pub const MAIL_IGNORE_ENTRY: &str = "/mail-ignore/{id}";

    /// Name and path of every constant above, for the route check.
    pub const ALL: &[(&str, &str)] = &[
        ("QUEUES", QUEUES),
        ("QUEUE", QUEUE),
        ("TICKETS", TICKETS),
        ("TICKET", TICKET),
        ("CUSTOM_FIELDS", CUSTOM_FIELDS),
        ("CUSTOM_FIELD", CUSTOM_FIELD),
        ("FOLLOWUPS", FOLLOWUPS),
        ("FOLLOWUP", FOLLOWUP),
        ("ATTACHMENTS", ATTACHMENTS),
        ("ATTACHMENT", ATTACHMENT),
        ("ATTACHMENT_DOWNLOAD", ATTACHMENT_DOWNLOAD),
        ("USERS", USERS),
        ("USER_TICKETS", USER_TICKETS),
        ("OPENAPI", OPENAPI),
        ("WEBHOOKS", WEBHOOKS),
        ("WEBHOOK", WEBHOOK),
        ("WEBHOOK_ROTATE", WEBHOOK_ROTATE),
        ("WEBHOOK_DELIVERIES", WEBHOOK_DELIVERIES),
        ("WEBHOOK_REDELIVER", WEBHOOK_REDELIVER),
        ("CHANGES", CHANGES),
        ("MAIL_IGNORE", MAIL_IGNORE),
        ("MAIL_IGNORE_ENTRY", MAIL_IGNORE_ENTRY),
    ];
}

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(queues::router())
        .merge(tickets::router())
        .merge(custom_fields::router())
        .merge(followups::router())
        .merge(attachments::router())
        .merge(users::router())
        .merge(user_tickets::router())
        .merge(webhooks::router())
        .merge(openapi::router())
        .merge(changes::router())
        .merge(mail_ignore::router())
        .fallback(not_found)
        // Inner to `idempotency`, so that a stored answer keeps its ETag.
        .layer(axum::middleware::from_fn(conditional::etags))
        // The body it reads is capped by `security::request_limits`, outside the router.
        .layer(axum::middleware::from_fn_with_state(
            state,
            idempotency::idempotency,
        ))
        .layer(axum::middleware::from_fn(method_not_allowed_as_json))
}

async fn not_found() -> impl IntoResponse {
    AppError::NotFound
}

/// axum answers an unsupported method with an empty 405; DRF names the method in JSON.
async fn method_not_allowed_as_json(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let resp = next.run(req).await;
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED {
        return resp;
    }
    let allow = resp.headers().get(axum::http::header::ALLOW).cloned();
    let mut out = (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(serde_json::json!({ "detail": format!("Method \"{method}\" not allowed.") })),
    )
        .into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(axum::http::header::ALLOW, allow);
    }
    out
}

/// The `{id}` of a path: a positive integer, else 404 "Not found." (never a 400 or 500).
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Id(id)),
            _ => Err(AppError::NotFound),
        }
    }
}

/// A staff caller, checked before the handler's body extractor runs: every endpoint that
/// reads a body (JSON, a form, a multipart upload) is for staff, so anyone else is refused
/// before a byte of it is read. The service checks again (and superuser rights).
pub struct ApiStaff(pub app::domain::user::CurrentUser);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let crate::auth::basic::ApiUser(user) =
            crate::auth::basic::ApiUser::from_request_parts(parts, state).await?;
        app::service::require_staff(&user)?;
        Ok(ApiStaff(user))
    }
}

/// 201 with a JSON body.
pub fn created<T: serde::Serialize>(value: T) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

/// 204, no body.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
