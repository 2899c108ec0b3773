//! Server functions: each gets the pool and the current user, parses input, calls one
//! service function and shapes the result. No rule lives here.

pub mod admin;
pub mod auth;
pub mod forms;
pub mod mail;
pub mod mail_ignore;
pub mod portal;
pub mod settings;
pub mod tickets;
pub mod users;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod context {
    //! What server functions take from the request.

    use crate::service::db::Db;

    use crate::domain::user::CurrentUser;
    use crate::error::AppError;

    /// The pool handed to server functions by `leptos_routes_with_context`.
    pub fn pool() -> Result<Db, AppError> {
        leptos::prelude::use_context::<Db>().ok_or_else(|| {
            tracing::error!("no database pool in the server-function context");
            AppError::Internal
        })
    }

    pub async fn session() -> Result<tower_sessions::Session, AppError> {
        leptos_axum::extract::<tower_sessions::Session>()
            .await
            .map_err(|_| {
                tracing::error!("no session layer in front of the server functions");
                AppError::Internal
            })
    }

    /// Where attachment files are stored, handed to server functions with the pool.
    #[derive(Clone, Debug)]
    pub struct MediaRoot(pub std::path::PathBuf);

    pub fn media_root() -> Result<std::path::PathBuf, AppError> {
        leptos::prelude::use_context::<MediaRoot>()
            .map(|m| m.0)
            .ok_or_else(|| {
                tracing::error!("no media root in the server-function context");
                AppError::Internal
            })
    }

    /// The sign-in throttle, handed to server functions with the pool.
    pub fn throttle() -> Result<crate::service::throttle::LoginThrottle, AppError> {
        leptos::prelude::use_context::<crate::service::throttle::LoginThrottle>().ok_or_else(|| {
            tracing::error!("no sign-in throttle in the server-function context");
            AppError::Internal
        })
    }

    /// The client's address: the socket's, or a trusted proxy's `X-Forwarded-For` (see the
    /// server's `forwarded`).
    pub fn client_addr() -> Option<std::net::IpAddr> {
        leptos::prelude::use_context::<http::request::Parts>().and_then(|p| {
            p.extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        })
    }

    /// The signed-in user, if any (inactive users count as signed out): looked up once per
    /// request by the server's session middleware, read here from the request's parts.
    pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
        Ok(leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| {
                p.extensions
                    .get::<crate::service::sessions::SignedIn>()
                    .cloned()
            })
            .and_then(|s| s.0))
    }

    /// Whether this call is a plain form post (the browser navigates), not a call from the
    /// wasm.
    pub fn plain_form() -> bool {
        leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Gives a failed call the error's HTTP status, unless it is a plain form post (which
    /// leptos answers with a redirect back to the form, the error in the URL).
    pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(e) = &result
            && !plain_form()
            && let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        {
            opts.set_status(
                http::StatusCode::from_u16(e.status_code())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
            if let AppError::TooManyRequests { retry_after, .. } = e
                && let Ok(v) = http::HeaderValue::from_str(&retry_after.to_string())
            {
                opts.insert_header(http::header::RETRY_AFTER, v);
            }
        }
        result
    }

    /// The signed-in user, or `Unauthorized`.
    pub async fn require_user() -> Result<CurrentUser, AppError> {
        current_user().await?.ok_or_else(AppError::unauthenticated)
    }
}
