//! Who may see which page. Anonymous visitors of a page are sent to `/login?next=<path>`;
//! signed-in users who are not staff only get "My tickets", their tickets and their settings;
//! the admin pages are for superusers.
//! The service layer checks permissions again for every read and write; this only decides
//! where a browser is sent.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths any visitor may load: the sign-in page, the public portal, assets, server functions
/// and the API (which authenticate on their own).
fn is_public(path: &str) -> bool {
    path == "/login"
        // The public portal (issue 15): its pages check the ticket's key themselves.
        || path == "/submit"
        || path.starts_with("/view/")
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with("/sfn/")
        || path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/media/")
}

/// What `next=` keeps as it is: unreserved characters and '/'.
const NEXT_PATH: &percent_encoding::AsciiSet = &crate::UNRESERVED.remove(b'/');

/// Pages a signed-in user without staff rights may open.
fn allowed_for_non_staff(path: &str) -> bool {
    path == "/my-tickets"
        || path == "/settings/password"
        || path
            .strip_prefix("/tickets/")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// Pages for superusers only.
fn superusers_only(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

pub async fn guard_pages(
    State(pool): State<app::service::db::Db>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !matches!(*req.method(), Method::GET | Method::HEAD) || is_public(&path) {
        return next.run(req).await;
    }
    let user = super::session::signed_in(req.extensions()).cloned();
    match user {
        // The admin pages manage users, queues and fields, which only superusers may change.
        Some(u) if u.is_active && superusers_only(&path) && !u.is_superuser => {
            Redirect::to(if u.is_staff { "/" } else { "/my-tickets" }).into_response()
        }
        Some(u) if u.is_active && (u.is_staff || allowed_for_non_staff(&path)) => {
            // The page shows times in the user's zone, when they chose one (issue 11).
            let mut req = req;
            match app::service::time_zones::setting(&pool, u.id).await {
                Ok(zone) if !zone.is_empty() => {
                    req.extensions_mut()
                        .insert(app::components::time::UserTimeZone(zone));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "time zone setting unread"),
            }
            next.run(req).await
        }
        Some(u) if u.is_active => Redirect::to("/my-tickets").into_response(),
        _ => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".to_owned());
            // Everything but unreserved characters and '/' is percent-encoded.
            let login = format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(&target, NEXT_PATH)
            );
            Redirect::to(&login).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_login_page_assets_and_api_are_public() {
        for p in [
            "/login",
            "/pkg/helpdesk.js",
            "/sfn/login",
            "/api/tickets",
            "/submit",
            "/view/7",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in [
            "/",
            "/tickets",
            "/tickets/1",
            "/admin/users",
            "/loginx",
            "/submitx",
            "/viewer",
        ] {
            assert!(!is_public(p), "{p}");
        }
    }

    #[test]
    fn the_admin_pages_are_for_superusers_only() {
        for p in [
            "/admin",
            "/admin/users",
            "/admin/queues/3",
            "/admin/custom-fields",
        ] {
            assert!(superusers_only(p), "{p}");
        }
        for p in ["/", "/administrator", "/tickets", "/my-tickets"] {
            assert!(!superusers_only(p), "{p}");
        }
    }

    #[test]
    fn non_staff_may_open_only_their_own_pages() {
        for p in ["/my-tickets", "/settings/password", "/tickets/12"] {
            assert!(allowed_for_non_staff(p), "{p}");
        }
        for p in [
            "/",
            "/tickets",
            "/tickets/new",
            "/tickets/1/edit",
            "/admin/users",
        ] {
            assert!(!allowed_for_non_staff(p), "{p}");
        }
    }
}
