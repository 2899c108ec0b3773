//! The one error type of the helpdesk. Service functions return it; the REST API renders it as
//! JSON with a status code (`src/api`), server functions carry it to the browser as is.
//! It never holds internal text: `Internal` has a fixed message and the cause is logged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name -> messages, as Django REST framework reports validation errors.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// No or bad credentials (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Unknown id or path (404).
    #[error("Not found.")]
    NotFound,
    /// A 404 with its own detail, such as "Invalid page.".
    #[error("{0}")]
    NotFoundDetail(String),
    /// 410: what the request points at existed once and is gone for good, such as a change
    /// feed cursor older than the retained events.
    #[error("{0}")]
    Gone(String),
    /// One or more fields are invalid (400 with one key per field).
    #[error("{}", first_message(.0))]
    Validation(FieldErrors),
    /// The body as a whole is unusable, e.g. malformed JSON (400 with `detail`).
    #[error("{0}")]
    BadRequest(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 413.
    #[error("Request body is too large.")]
    PayloadTooLarge,
    /// The database stayed busy (another process held its lock) after the retries (503).
    #[error("The database is busy; try again.")]
    Unavailable,
    /// 413 naming the part that is too large (a file), with one key per field.
    #[error("{}", first_message(.0))]
    TooLarge(FieldErrors),
    /// 414: the query string is too long (one key per field, as `Validation`).
    #[error("{}", first_message(.0))]
    UriTooLong(FieldErrors),
    /// 429: too many failed sign-ins; try again after `retry_after` seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// 409: the ticket changed since the form or request was based on it (issue 11.1).
    #[error("This ticket was changed by {} at {}.", .0.by, .0.at.to_display())]
    Conflict(Box<crate::domain::ticket::EditConflict>),
    /// 412: an `If-Match` precondition failed; carries the resource's current ETag.
    #[error("The resource has changed since it was read.")]
    PreconditionFailed { etag: String },
    /// 422: an `Idempotency-Key` was used before with another request.
    #[error("This Idempotency-Key was used with a different request.")]
    IdempotencyKeyReused,
    /// 409: the first request with this `Idempotency-Key` has not finished yet.
    #[error("A request with this Idempotency-Key is still being processed.")]
    IdempotencyKeyInFlight,
    /// Anything else; the cause has been logged where it happened (500).
    #[error("Internal server error.")]
    Internal,
    /// A transport problem reported by the server-function machinery.
    #[error("{0}")]
    ServerFn(String),
}

fn first_message(errors: &FieldErrors) -> String {
    errors
        .iter()
        .next()
        .and_then(|(field, msgs)| msgs.first().map(|m| format!("{field}: {m}")))
        .unwrap_or_else(|| "Invalid input.".to_owned())
}

impl AppError {
    /// A validation error on one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.into(), vec![message.into()]);
        AppError::Validation(errors)
    }

    pub fn unauthenticated() -> Self {
        AppError::Unauthorized("Authentication credentials were not provided.".to_owned())
    }

    pub fn forbidden() -> Self {
        AppError::Forbidden("You do not have permission to perform this action.".to_owned())
    }

    /// The messages for one field, when this is a validation error.
    pub fn field_messages(&self, field: &str) -> Vec<String> {
        match self {
            AppError::Validation(errors)
            | AppError::TooLarge(errors)
            | AppError::UriTooLong(errors) => errors.get(field).cloned().unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// HTTP status code for this error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound | AppError::NotFoundDetail(_) => 404,
            AppError::Gone(_) => 410,
            AppError::Validation(_) | AppError::BadRequest(_) => 400,
            AppError::UnsupportedMediaType(_) => 415,
            AppError::PayloadTooLarge | AppError::TooLarge(_) => 413,
            AppError::UriTooLong(_) => 414,
            AppError::TooManyRequests { .. } => 429,
            AppError::Conflict(_) | AppError::IdempotencyKeyInFlight => 409,
            AppError::PreconditionFailed { .. } => 412,
            AppError::IdempotencyKeyReused => 422,
            AppError::Unavailable => 503,
            AppError::Internal | AppError::ServerFn(_) => 500,
        }
    }
}

/// Collects field errors while a whole input is checked, so that every bad field is reported
/// at once, as Django REST framework does.
#[derive(Debug, Default)]
pub struct ErrorBag(FieldErrors);

impl ErrorBag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    /// Keeps the value of `result`, or records its error under `field`.
    pub fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(msg) => {
                self.add(field, msg);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }

    /// `Ok` when nothing was recorded, else the bag itself: the end of a parser that reports
    /// every bad field.
    ///
    /// # Errors
    /// The bag, when it holds an error.
    pub fn check(self) -> Result<(), ErrorBag> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The parsed value when neither the parser nor the service's checks of the same input
    /// (`checked`: rows that do not exist, names taken) found an error; else every error of
    /// both at once, as DRF reports them.
    ///
    /// # Errors
    /// `Validation` with the errors of both.
    pub fn combine<T>(parsed: Result<T, ErrorBag>, checked: ErrorBag) -> Result<T, AppError> {
        match parsed {
            Ok(value) => checked.into_result().map(|()| value),
            Err(mut errors) => {
                for (field, messages) in checked.0 {
                    errors.0.entry(field).or_default().extend(messages);
                }
                Err(errors.into())
            }
        }
    }
}

impl From<ErrorBag> for AppError {
    fn from(errors: ErrorBag) -> Self {
        AppError::Validation(errors.0)
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            // Arguments that cannot be read are the caller's mistake: 400, not the 500 that
            // server_fn answers for every error it raises itself.
            E::Args(_) | E::MissingArg(_) => {
                #[cfg(feature = "ssr")]
                if let Some(options) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    options.set_status(http::StatusCode::BAD_REQUEST);
                }
                AppError::BadRequest("The request's arguments are missing or malformed.".to_owned())
            }
            other => AppError::ServerFn(other.to_string()),
        }
    }
}

/// True for SQLite's "database is busy / locked" results, which a retry can cure. Here, with
/// the error type, so that mapping an error needs nothing from the service layer.
#[cfg(feature = "ssr")]
pub fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        // PostgreSQL: a serialization failure, a deadlock, a lock not available.
        sqlx::Error::Database(d) if d.try_downcast_ref::<PgError>().is_some() => {
            matches!(d.code().as_deref(), Some("40001" | "40P01" | "55P03"))
        }
        // SQLITE_BUSY (5), SQLITE_LOCKED (6) and their extended codes (low byte).
        sqlx::Error::Database(d) => d
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
        _ => false,
    }
}

#[cfg(feature = "ssr")]
type PgError = sqlx::postgres::PgDatabaseError;

/// PostgreSQL refuses text with a NUL character (SQLite stores it): the request's fault.
#[cfg(feature = "ssr")]
fn is_nul_in_text(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d)
        if d.try_downcast_ref::<PgError>().is_some()
            && matches!(d.code().as_deref(), Some("22021" | "22P05")))
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            // Not a fault of the server: someone else held the lock too long.
            other if is_busy(&other) => {
                tracing::warn!(error = %other, "database busy");
                AppError::Unavailable
            }
            other if is_nul_in_text(&other) => {
                AppError::BadRequest("Text must not contain the NUL character (\\u0000).".into())
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{StatusCode, header};
        let status =
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match &self {
            AppError::Validation(errors)
            | AppError::TooLarge(errors)
            | AppError::UriTooLong(errors) => serde_json::to_value(errors).unwrap_or_default(),
            other => serde_json::json!({ "detail": other.to_string() }),
        };
        let mut resp = (status, axum::Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after, .. } = &self
            && let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, AppError::Unavailable) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        if let AppError::PreconditionFailed { etag } = &self
            && let Ok(v) = header::HeaderValue::from_str(etag)
        {
            resp.headers_mut().insert(header::ETAG, v);
        }
        if matches!(self, AppError::Unauthorized(_)) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"helpdesk\""),
            );
        }
        resp
    }
}
