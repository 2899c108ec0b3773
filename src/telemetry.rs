//! Logging: `RUST_LOG` decides, else `helpdesk=info,app=info,tower_http=warn`; and the request
//! log, one line per request, under a span that every other line of that request shares.

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("helpdesk=info,app=info,tower_http=warn"));
    // Logs go to stderr so that command output stays clean.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The header that carries a request's id, in the request and in its response.
pub const REQUEST_ID: &str = "x-request-id";

/// The span of one request: method, matched route and request id. Never the URI (its query
/// may carry a `next=` or search text), headers, cookies or the body.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &Request<B>) -> Span {
        // Routes are registered patterns (`/api/tickets/{id}`); anything the router did not
        // match (assets, the 404 page) is logged as the fallback rather than by its path.
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("fallback", MatchedPath::as_str);
        let id = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        // `?id`: quoted and escaped, so a client-chosen id cannot forge other fields.
        tracing::info_span!("request", method = %req.method(), route, id = ?id)
    }
}

/// The request's line, when its response is ready: status and latency.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestDone;

impl<B> OnResponse<B> for RequestDone {
    fn on_response(self, resp: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = resp.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "request"
        );
    }
}

/// Adds the request log to `router` (after routing, so the matched route is known): an
/// `x-request-id` taken from the request or generated (a UUID), echoed in the response, and
/// a span carrying it that every line logged while the request is handled shares.
pub fn request_log<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    let trace = TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(RequestDone)
        // A failing response gets its line from `RequestDone`; the cause is logged where
        // it happened.
        .on_failure(());
    let header = axum::http::HeaderName::from_static(REQUEST_ID);
    router
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(SetRequestIdLayer::new(header, MakeRequestUuid))
}
