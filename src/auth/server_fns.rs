//! Who may call a server function, checked before its body is read: Leptos decodes a server
//! function's arguments (a form of up to the body limit) before the function runs, so an
//! anonymous caller is refused here first. This only refuses early; each server function
//! and the service layer still decide who may do what (staff, superusers, submitters).

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::{FromServerFnError, ServerFnUrlError};

use app::error::AppError;

/// Server functions a visitor who is not signed in may call.
/// The portal's (issue 15) are for customers without an account; each checks the ticket's key.
const OPEN: &[&str] = &[
    "login",
    "logout",
    "current_user",
    "form_draft",
    "portal_choices",
    "portal_submit",
    "portal_ticket",
    "portal_reply",
    "portal_status",
];

fn needs_a_user(path: &str) -> bool {
    path.strip_prefix("/sfn/")
        .is_some_and(|name| !OPEN.contains(&name))
}

/// The answer a server function gives for `err`: a plain form post goes back to the page it
/// came from with the error in the URL (as Leptos does); a call from the app gets the status
/// and the encoded error.
fn server_fn_error(req: &Request, err: AppError) -> Response {
    let path = req.uri().path();
    let accepts_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let referer = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok());
    if accepts_html
        && let Some(url) =
            referer.and_then(|r| ServerFnUrlError::new(path, err.clone()).to_url(r).ok())
        && let Ok(location) = HeaderValue::from_str(url.as_str())
    {
        return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    }
    let status =
        StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, err.ser()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(path) {
        h.insert(leptos::server_fn::error::SERVER_FN_ERROR_HEADER, v);
    }
    resp
}

pub async fn guard_server_fns(req: Request, next: Next) -> Response {
    if needs_a_user(req.uri().path()) && super::session::signed_in(req.extensions()).is_none() {
        return server_fn_error(&req, AppError::unauthenticated());
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_sign_out_and_their_helpers_are_open() {
        for p in [
            "/sfn/login",
            "/sfn/logout",
            "/sfn/current_user",
            "/sfn/form_draft",
        ] {
            assert!(!needs_a_user(p), "{p}");
        }
        for p in [
            "/sfn/create_ticket",
            "/sfn/list_own_tickets",
            "/sfn/loginx",
            "/sfn/",
        ] {
            assert!(needs_a_user(p), "{p}");
        }
        assert!(!needs_a_user("/api/tickets"));
    }
}
