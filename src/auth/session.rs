//! Ends browser sessions that no longer count (see `app::service::sessions`) before anything
//! reads their user: the pages' guard, the API's cookie fallback and the server functions all
//! then see an anonymous visitor.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn check_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Assets never need the user; skipping them keeps a page load to one session read.
    let path = req.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.ico";
    if !asset
        && let Some(session) = req.extensions().get::<tower_sessions::Session>()
        && let Err(e) = app::service::sessions::check(
            session,
            &state.pool,
            state.settings.session_max_age_seconds,
        )
        .await
    {
        return e.into_response();
    }
    next.run(req).await
}
