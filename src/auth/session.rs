//! Who is signed in, looked up once per request (see `app::service::sessions::check`): a
//! session that no longer counts is ended first, and the user (or `None`) goes into the
//! request's extensions as `SignedIn`, where the pages' guard, the server-function guard,
//! the server functions and pages (through Leptos's copy of the request parts) and the API's
//! cookie fallback all read it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::service::sessions::SignedIn;

use crate::state::AppState;

pub async fn check_session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    // Assets never need the user; skipping them keeps a page load to one session read.
    let path = req.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.ico";
    if !asset && let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
        match app::service::sessions::check(
            &session,
            &state.pool,
            state.settings.session_max_age_seconds,
        )
        .await
        {
            Ok(user) => {
                req.extensions_mut().insert(SignedIn(user));
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

/// The user `check_session` found for this request; `None` for an anonymous one.
pub fn signed_in(req: &axum::http::Extensions) -> Option<&app::domain::user::CurrentUser> {
    req.get::<SignedIn>().and_then(|s| s.0.as_ref())
}
