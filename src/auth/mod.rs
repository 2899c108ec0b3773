//! The two front doors: HTTP Basic auth (and the session cookie) for the REST API, and the
//! cross-site request check for everything that uses the cookie.

pub mod basic;
pub mod csrf;
pub mod pages;
pub mod server_fns;
pub mod session;

/// Runs state-changing requests to the end even when the client goes away.
///
/// A dropped request future can leave a write transaction open on a pooled connection until
/// that connection happens to be used again, and every other writer then waits on SQLite's
/// lock (seen under load: a benchmark that stopped its clients mid-POST stalled the next
/// writes for seconds). Reads are left cancellable.
pub async fn finish_writes(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // The task keeps the request's span, so its log lines carry the request id.
    let task = tracing::Instrument::in_current_span(next.run(req));
    match tokio::spawn(task).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            axum::response::IntoResponse::into_response(app::error::AppError::Internal)
        }
    }
}
