//! Builds the axum application (pages, server functions, REST API, sessions) and serves it.

use std::sync::Arc;

use app::service::attachments::AttachmentStore;
use app::service::db::Db;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::session_store::Store;

use crate::RunError;
use crate::config::Settings;
use crate::state::AppState;

/// The Leptos options, built here rather than read from Cargo.toml so that the binary runs
/// from the repository root without a build tool's environment.
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("helpdesk")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .hash_files(assets_are_hashed())
        .build()
}

/// Whether `scripts/build.sh` gave the assets hashed names: it then lists them in
/// `hash.txt` beside the binary, where Leptos reads them (and panics if the file is missing,
/// so a binary copied without it serves unhashed names instead).
pub fn assets_are_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|f| f.is_file())
}

/// Cache lifetimes for the site's assets: a year when their names carry a hash of their
/// content (a new build gets new names), else revalidation on every use.
async fn cache_assets(
    axum::extract::State(hashed): axum::extract::State<bool>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let asset = req.uri().path().starts_with("/pkg/");
    let mut resp = next.run(req).await;
    if asset && resp.status().is_success() {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        resp.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static(value),
        );
    }
    resp
}

/// The whole application as one service. Trailing slashes are trimmed before routing, so
/// `/api/tickets/7/` and `/api/tickets/7` reach the same handler.
pub fn build_app(
    state: AppState,
    sessions: SessionManagerLayer<Store>,
) -> tower_http::normalize_path::NormalizePath<Router> {
    let routes = generate_route_list(app::App);
    let pool = state.pool.clone();
    let media = app::server_fns::context::MediaRoot(state.settings.media_root.clone());
    let throttle = state.throttle.clone();
    // One per server: the per-address portal limit counts in memory (issue 15).
    let portal = app::service::portal::PortalLimits::new(
        state.settings.portal_tickets_per_email,
        state.settings.portal_tickets_per_address,
    );
    let max_body_bytes = state.settings.max_body_bytes;
    let mut router = Router::new();
    if state.settings.api_enabled {
        router = router.nest("/api", crate::api::router(state.clone()));
    }
    let router = router
        .route(
            "/view/{id}/attachments/{attachment}",
            axum::routing::get(crate::portal::download),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(pool.clone());
                provide_context(media.clone());
                provide_context(throttle.clone());
                provide_context(portal.clone());
                crate::security::provide_page_policy();
            },
            {
                let options = state.leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            {
                // The 404 page renders the layout too, which asks who is signed in.
                let pool = state.pool.clone();
                move || {
                    provide_context(pool.clone());
                    crate::security::provide_page_policy();
                }
            },
            app::shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.pool.clone(),
            crate::auth::pages::guard_pages,
        ))
        .layer(axum::middleware::from_fn(
            crate::auth::server_fns::guard_server_fns,
        ))
        .layer(axum::middleware::from_fn(
            crate::auth::csrf::reject_cross_site,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::session::check_session,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn(crate::auth::finish_writes))
        .layer(axum::middleware::from_fn(catch_panics))
        .layer(axum::middleware::from_fn_with_state(
            state.leptos_options.hash_files,
            cache_assets,
        ))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            max_body_bytes,
            crate::security::request_limits,
        ))
        .layer(axum::middleware::from_fn(crate::security::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.settings.trusted_proxies.clone(),
            crate::forwarded::client_address,
        ))
        .layer(tower_http::compression::CompressionLayer::new());
    let router = crate::telemetry::request_log(router).with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// A friendly error page (JSON under `/api/`) instead of a dropped connection when a handler
/// panics; the panic itself is logged, never shown.
pub async fn catch_panics(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use futures_util::FutureExt;
    let api = req.uri().path().starts_with("/api/");
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(resp) => resp,
        Err(_) => {
            // The default panic hook has already printed where it happened to stderr.
            tracing::error!("a request handler panicked");
            if api {
                app::error::AppError::Internal.into_response()
            } else {
                (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    axum::response::Html(INTERNAL_ERROR_PAGE),
                )
                    .into_response()
            }
        }
    }
}

/// The page for a failure so bad that the app could not render its own error page.
const INTERNAL_ERROR_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Something went wrong · Helpdesk</title></head>\
<body><main><section class=\"card narrow\"><h1>Something went wrong</h1>\
<p>The helpdesk could not answer this request. Please try again in a moment.</p>\
<p><a href=\"/\">Go to the dashboard</a></p></section></main></body></html>";

/// Session cookies: HttpOnly, SameSite=Lax, Secure behind HTTPS, expiring after idle time.
pub fn session_layer(store: Store, settings: &Settings) -> SessionManagerLayer<Store> {
    SessionManagerLayer::new(store)
        .with_name("helpdesk_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            settings.session_idle_seconds,
        )))
}

/// Deletes expired sessions now and then, so that the table does not grow with every visitor
/// that never comes back. A failure is logged and retried at the next round (tower-sessions'
/// own loop would stop at the first one).
async fn delete_expired_sessions(store: Store, idle_seconds: i64) {
    use tower_sessions::session_store::ExpiredDeletion;
    // Often enough for short test timeouts, at most hourly.
    let period = std::time::Duration::from_secs(idle_seconds.clamp(1, 3600) as u64);
    let mut interval = tokio::time::interval(period);
    loop {
        interval.tick().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "deleting expired sessions failed");
        }
    }
}

/// Deletes the change feed's events older than the retention: once at start-up, before the
/// first request (so a server started with a shorter retention applies it at once), then
/// every ten minutes. A failure is logged and tried again at the next round.
async fn purge_old_events(pool: Db, retention_days: u32) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
        purge_events_once(&pool, retention_days).await;
    }
}

async fn purge_events_once(pool: &Db, retention_days: u32) {
    match app::service::events::purge(pool, retention_days).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(deleted = n, retention_days, "purged old change events"),
        Err(e) => tracing::warn!(error = %e, "purging old change events failed"),
    }
}

/// Opens the database, applies migrations, binds and serves until SIGTERM or Ctrl-C; requests
/// in flight then finish before it returns.
///
/// # Errors
/// `RunError` when the database cannot be opened or the address is taken.
pub async fn serve(settings: Settings) -> Result<(), RunError> {
    let pool = app::service::db::connect_and_migrate(&settings.database_url)
        .await?
        .with_max_file_bytes(settings.max_file_bytes)
        .with_private_webhooks(settings.webhook_allow_private)
        .with_attachment_store(settings.attachment_store);
    // Only the files store writes there; with the database the media root may stay absent
    // (it is still read for files stored before the setting changed).
    if settings.attachment_store == AttachmentStore::Files {
        std::fs::create_dir_all(&settings.media_root).map_err(|e| {
            RunError::Config(format!(
                "cannot create the media folder {}: {e}",
                settings.media_root.display()
            ))
        })?;
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| RunError::Bind {
            addr: settings.addr.to_string(),
            reason: e.to_string(),
        })?;
    let local = listener.local_addr().map_err(|e| RunError::Bind {
        addr: settings.addr.to_string(),
        reason: e.to_string(),
    })?;
    // Notifications are rendered with these when written to the outbox (links, From); the
    // worker below sends them only when HELPDESK_SMTP_URL is set.
    let pool = pool.with_mail(app::service::mail::MailSettings::new(
        settings.public_url.as_deref(),
        local,
        settings.default_from.as_deref(),
        settings.smtp_url.is_some(),
    ));
    let store = Store::open(&pool);
    let sessions = session_layer(store.clone(), &settings);
    purge_events_once(&pool, settings.changes_retention_days).await;
    tokio::spawn(purge_old_events(
        pool.clone(),
        settings.changes_retention_days,
    ));
    tokio::spawn(delete_expired_sessions(
        store,
        settings.session_idle_seconds,
    ));
    // Queue mailboxes (issue 15): a bad extra CA file stops the start, rather than every poll.
    let imap_tls = app::service::mail::imap::tls_config(settings.imap_ca_file.as_deref())
        .map_err(RunError::Config)?;
    tokio::spawn(app::service::mail::imap::run(
        pool.clone(),
        settings.media_root.clone(),
        imap_tls,
    ));
    // Pending webhook deliveries are in the database: the worker resumes them after a restart.
    tokio::spawn(app::service::webhooks::send::run(
        pool.clone(),
        settings.webhook_retry_delays.0.clone(),
    ));
    // Pending notifications are in the database: the worker resumes them after a restart.
    match &settings.smtp_url {
        Some(url) => {
            let timeout = std::time::Duration::from_secs(settings.smtp_timeout);
            let mailer = app::service::mail::send::Mailer::new(&url.0, timeout)
                .map_err(|reason| RunError::Config(format!("HELPDESK_SMTP_URL: {reason}")))?;
            tokio::spawn(app::service::mail::send::run(
                pool.clone(),
                mailer,
                settings.mail_retry_delays.0.clone(),
            ));
        }
        None => tracing::warn!(
            "HELPDESK_SMTP_URL is not set: notifications are kept in the outbox, not sent"
        ),
    }
    let throttle = app::service::throttle::LoginThrottle::new(
        settings.login_max_failures,
        std::time::Duration::from_secs(settings.login_window_seconds),
    );
    let mut settings = settings;
    settings.addr = local;
    let state = AppState {
        leptos_options: leptos_options(&settings),
        pool: pool.clone(),
        settings: Arc::new(settings),
        credentials: Default::default(),
        throttle,
        idempotency_keys: Default::default(),
    };
    let app = build_app(state, sessions);
    let shutdown = shutdown_signal();
    tracing::info!("listening on http://{local}");
    // The README's "The first admin" relies on this line; after the listening line, so that
    // whoever waits for the address sees it next.
    match app::service::users::no_users_yet(&pool).await {
        Ok(true) => tracing::warn!(
            "no user yet: create the first admin with `helpdesk createsuperuser --username admin --email admin@example.com` (same DATABASE_URL), then sign in at http://{local}/login"
        ),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not check for a first user"),
    }
    // With the peer address: the sign-in throttle counts failures per client address.
    axum::serve(
        listener,
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
            std::net::SocketAddr,
        >(app),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| RunError::Command(format!("server error: {e}")))?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGTERM or Ctrl-C. The handlers are installed when this is called, not when the
/// future is first polled: a signal sent as soon as "listening" is logged must already stop
/// the server gracefully instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (term, int) = signals;
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {},
                () = wait(int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn boom() -> &'static str {
        panic!("deliberate panic in a test handler")
    }

    async fn call(path: &str) -> (u16, String) {
        let router = axum::Router::new()
            .route("/page", axum::routing::get(boom))
            .route("/api/thing", axum::routing::get(boom))
            .layer(axum::middleware::from_fn(super::catch_panics));
        let resp = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn a_panicking_page_handler_gets_the_friendly_500_page() {
        let (status, body) = call("/page").await;
        assert_eq!(status, 500);
        assert!(body.contains("Something went wrong"), "{body}");
        assert!(
            !body.contains("deliberate"),
            "the panic message leaked: {body}"
        );
    }

    #[tokio::test]
    async fn a_panicking_api_handler_gets_a_json_500() {
        let (status, body) = call("/api/thing").await;
        assert_eq!(status, 500);
        assert_eq!(body, r#"{"detail":"Internal server error."}"#);
    }
}
