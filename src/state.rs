//! `AppState`: what every handler and middleware shares. Its own module, below the router
//! (`startup`), the REST API and the auth middleware, which all import it.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use app::service::db::Db;

use crate::config::Settings;

/// Shared by every handler; server functions get the pool through context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The database handle (pool, write queue, caches); server functions get it as context.
    pub pool: Db,
    pub settings: Arc<Settings>,
    /// Basic-auth headers verified recently (see `app::service::credentials`).
    pub credentials: app::service::credentials::CredentialCache,
    /// Failed sign-ins by username and address (see `app::service::throttle`).
    pub throttle: app::service::throttle::LoginThrottle,
    /// Idempotency keys whose request this server is processing (see `api::idempotency`).
    pub idempotency_keys: crate::api::idempotency::KeysInFlight,
}
