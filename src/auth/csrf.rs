//! Cross-site request forgery: a state-changing request that rides on the session cookie must
//! come from a page of this site, as its `Origin` (or else `Referer`) shows. Requests with an
//! `Authorization` header carry their own credentials and are not at risk.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Whether the request's Origin/Referer names the Host it was sent to.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        Some(s) => host_of(s).is_some_and(|h| h.eq_ignore_ascii_case(host)),
        None => false,
    }
}

pub async fn reject_cross_site(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let has_cookie = req.headers().contains_key(header::COOKIE);
    let has_auth = req.headers().contains_key(header::AUTHORIZATION);
    if unsafe_method && has_cookie && !has_auth && !same_origin(req.headers()) {
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
}
