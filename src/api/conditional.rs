//! Conditional requests (RFC 9110 §13, issue 14.1): the `ETag` of single-resource answers,
//! `If-None-Match` → 304 on their GET, and the `If-Match` header for writes. The ETag is the
//! hash of the JSON body (`app::service::preconditions`), so it is computed here from the
//! answer; a write compares `If-Match` with the same hash inside its transaction.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;
use app::service::preconditions::{IfMatch, etag_of_bytes, none_match_hits};

/// The resources with a detail view `/{resource}/{id}` whose answers carry an ETag.
const DETAIL_RESOURCES: &[&str] = &[
    "tickets",
    "followups",
    "followups-attachments",
    "queues",
    "custom_fields",
];

/// Whether `path` (with or without the `/api` prefix) is one resource's detail view.
fn is_detail(path: &str) -> bool {
    let mut segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.first() == Some(&"api") {
        segments.remove(0);
    }
    matches!(segments.as_slice(),
        [resource, id] if DETAIL_RESOURCES.contains(resource)
            && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Adds `ETag` to the successful JSON answers of detail views (GET, PUT, PATCH) and of
/// creations (201), and answers a GET whose `If-None-Match` matches with 304. Other answers
/// pass untouched, so a client sending no conditional header sees only the new header.
pub async fn etags(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let detail = is_detail(req.uri().path());
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let resp = next.run(req).await;
    let tagged = match resp.status() {
        StatusCode::OK => detail && matches!(method, Method::GET | Method::PUT | Method::PATCH),
        StatusCode::CREATED => method == Method::POST,
        _ => false,
    };
    if !tagged {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        tracing::error!("could not read an answer's body to tag it");
        return AppError::Internal.into_response();
    };
    let etag = etag_of_bytes(&bytes);
    let Ok(value) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if method == Method::GET
        && if_none_match
            .as_deref()
            .is_some_and(|v| none_match_hits(v, &etag))
    {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(header::ETAG, value);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, value);
    Response::from_parts(parts, Body::from(bytes))
}

/// The `If-Match` header of a request, when it has one.
pub struct IfMatchHeader(pub Option<IfMatch>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatchHeader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        // Several header lines are one comma-separated list (RFC 9110 §5.3).
        let mut lines = Vec::new();
        for v in parts.headers.get_all(header::IF_MATCH) {
            lines.push(v.to_str().map_err(|_| {
                AppError::BadRequest("The If-Match header is not valid ASCII.".to_owned())
            })?);
        }
        if lines.is_empty() {
            return Ok(IfMatchHeader(None));
        }
        Ok(IfMatchHeader(Some(IfMatch::parse(&lines.join(",")))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_detail_views_are_tagged() {
        for (path, detail) in [
            ("/api/tickets/7/", true),
            ("/tickets/7", true),
            ("/followups-attachments/3", true),
            ("/followups-attachments/3/download", false),
            ("/tickets", false),
            ("/users/1", false),
            ("/tickets/x", false),
        ] {
            assert_eq!(is_detail(path), detail, "{path}");
        }
    }
}
