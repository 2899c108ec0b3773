//! Response headers that every answer carries (Content-Security-Policy, nosniff, referrer and
//! framing rules) and the request limits checked before routing (query string length, body
//! size). Who may do what is decided in the service layer, not here.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

/// The longest query string accepted; a longer one gets 414.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Pages: scripts only from this site, or inline ones carrying this response's nonce (Leptos's
/// hydration bootstrap and its serialized resources); `wasm-unsafe-eval` lets the page compile
/// its own WebAssembly and nothing else. No plugins, no `<base>`, no framing.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Everything that is not a page (JSON, assets, redirects): nothing may run or frame it.
pub const STRICT_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Attachment downloads: as strict, and sandboxed, so that an uploaded HTML or SVG opened in a
/// tab anyway runs in an opaque origin, never in this site's.
pub const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

/// Runs in the Leptos context of every page render: sets the page policy with the nonce that
/// `leptos_axum` put on this response's inline scripts. Server functions have no nonce and
/// keep the strict policy.
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(options)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) = HeaderValue::from_str(&page_policy(&nonce))
    {
        options.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the security headers to every response; a policy set by the handler (a page, a
/// download) is kept.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(STRICT_POLICY));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: browsers send `Origin: null` on form posts under
    // `no-referrer`, which the CSRF check would then refuse.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // For browsers that predate `frame-ancestors`.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    resp
}

/// The one place the request limits are enforced, before any handler runs: a query string over
/// `MAX_QUERY_BYTES` (414), a body whose declared length is over the limit (413), and any other
/// body cut off at the limit as it is read (`Limited`; the reader then answers 413). Extractors
/// add no limit of their own: `build_app` turns axum's `DefaultBodyLimit` off.
pub async fn request_limits(
    State(max_body_bytes): State<usize>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(q) = req.uri().query()
        && q.len() > MAX_QUERY_BYTES
    {
        let mut errors = app::error::FieldErrors::new();
        errors.insert(
            "query".to_owned(),
            vec![format!(
                "Ensure the query string has no more than {MAX_QUERY_BYTES} characters (it has {}).",
                q.len()
            )],
        );
        return AppError::UriTooLong(errors).into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        return AppError::PayloadTooLarge.into_response();
    }
    let req =
        req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, max_body_bytes)));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_own_and_nonced_scripts() {
        let p = page_policy("abc");
        assert!(
            p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"),
            "{p}"
        );
        assert!(!p.contains("unsafe-inline"), "{p}");
        assert!(p.contains("frame-ancestors 'none'"), "{p}");
        assert!(DOWNLOAD_POLICY.contains("sandbox"));
    }
}
