//! Cross-site request forgery. A state-changing request (POST, PUT, PATCH, DELETE) is refused
//! with 403 when:
//! - a browser says it comes from another site: its `Origin` is present and not this site, or
//!   `Sec-Fetch-Site` is `cross-site`, whatever credentials it carries (a browser that once
//!   answered the API's Basic prompt attaches those credentials to a forged form post too);
//! - it calls a server function (`/sfn/...`, the sign-in among them) without this site's
//!   `Origin` (or else `Referer`), cookie or not: a forged sign-in would put the victim in
//!   the attacker's account;
//! - it carries the session cookie, no `Authorization`, and not this site's `Origin`/`Referer`.
//!
//! Requests without `Origin` to the REST API (curl, scripts with Basic auth) are unaffected.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

fn names_host(source: Option<&str>, host: Option<&str>) -> bool {
    match (source.and_then(host_of), host) {
        (Some(s), Some(h)) => s.eq_ignore_ascii_case(h),
        _ => false,
    }
}

/// Whether the request's Origin/Referer names the Host it was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    names_host(source, host(headers))
}

/// Whether a browser marked the request as sent from another site: an `Origin` that is not
/// this site (`null` included), or `Sec-Fetch-Site: cross-site`.
pub fn from_another_site(headers: &HeaderMap) -> bool {
    let foreign_origin = headers
        .get(header::ORIGIN)
        .is_some_and(|o| !names_host(o.to_str().ok(), host(headers)));
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    foreign_origin || cross_site
}

/// Whether an unsafe request to `path` with these headers is refused (see the module docs).
pub fn refused(path: &str, headers: &HeaderMap) -> bool {
    if from_another_site(headers) {
        return true;
    }
    if path.starts_with("/sfn/") && !same_origin(headers) {
        return true;
    }
    let has_cookie = headers.contains_key(header::COOKIE);
    let has_auth = headers.contains_key(header::AUTHORIZATION);
    has_cookie && !has_auth && !same_origin(headers)
}

pub async fn reject_cross_site(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && refused(req.uri().path(), req.headers()) {
        return AppError::Forbidden(
            "CSRF Failed: Origin checking failed - the request did not come from this site."
                .to_owned(),
        )
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn same_host_origin_passes_and_other_hosts_fail() {
        assert!(same_origin(&headers(&[
            ("host", "a:3000"),
            ("origin", "http://a:3000")
        ])));
        assert!(same_origin(&headers(&[
            ("host", "a:3000"),
            ("referer", "http://a:3000/x?y")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:3000"),
            ("origin", "http://evil:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "a:3000"),
            ("origin", "http://a:3000.evil")
        ])));
        assert!(!same_origin(&headers(&[("host", "a:3000")])));
    }

    #[test]
    fn a_foreign_origin_or_cross_site_fetch_is_refused_whatever_the_credentials() {
        let basic = ("authorization", "Basic YTpi");
        for h in [
            vec![("host", "a:3000"), ("origin", "http://evil"), basic],
            vec![("host", "a:3000"), ("origin", "null"), basic],
            vec![("host", "a:3000"), ("sec-fetch-site", "cross-site"), basic],
        ] {
            assert!(refused("/api/users", &headers(&h)), "{h:?}");
        }
        // curl with Basic auth: no Origin, not refused.
        assert!(!refused(
            "/api/users",
            &headers(&[("host", "a:3000"), basic])
        ));
        assert!(!refused(
            "/api/users",
            &headers(&[("host", "a:3000"), ("origin", "http://a:3000"), basic])
        ));
    }

    #[test]
    fn server_functions_need_this_sites_origin_or_referer_even_without_a_cookie() {
        assert!(refused("/sfn/login", &headers(&[("host", "a:3000")])));
        assert!(!refused(
            "/sfn/login",
            &headers(&[("host", "a:3000"), ("origin", "http://a:3000")])
        ));
        assert!(!refused(
            "/sfn/login",
            &headers(&[("host", "a:3000"), ("referer", "http://a:3000/login")])
        ));
    }
}
