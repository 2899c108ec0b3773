//! Signing in and out.

use leptos::prelude::*;

use crate::domain::user::User;
use crate::error::AppError;

/// Who is signed in, for the navigation and the pages.
#[server(prefix = "/sfn", endpoint = "current_user")]
pub async fn get_current_user() -> Result<Option<User>, AppError> {
    super::context::current_user().await
}

/// Checks the credentials, renews the session id and remembers the user. Works as a plain
/// form post too: it then redirects to `next` (a local path only).
#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    super::context::respond(login_inner(username, password, next).await)
}

#[cfg(feature = "ssr")]
async fn login_inner(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::context::{SESSION_USER_ID, client_addr, pool, session, throttle};
    let pool = pool()?;
    let username = username.trim();
    let user = throttle()?
        .attempt(
            username,
            client_addr(),
            crate::service::users::authenticate(&pool, username, &password),
        )
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized("Please enter a correct username and password.".to_owned())
        })?;
    let session = session().await?;
    // A new id at sign-in defeats session fixation.
    session.cycle_id().await.map_err(|e| {
        tracing::error!(error = %e, "session cycle failed");
        AppError::Internal
    })?;
    session
        .insert(SESSION_USER_ID, user.id)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session insert failed");
            AppError::Internal
        })?;
    crate::service::users::touch_last_login(&pool, user.id).await?;
    leptos_axum::redirect(&safe_next(next.as_deref(), &user));
    Ok(())
}

/// Ends the session (the row is deleted, the cookie cleared).
#[server(prefix = "/sfn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = super::context::session().await?;
    session.flush().await.map_err(|e| {
        tracing::error!(error = %e, "session flush failed");
        AppError::Internal
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Where to go after signing in: a local path only (no open redirect), else the user's home.
pub fn safe_next(next: Option<&str>, user: &User) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ if user.is_staff => "/".to_owned(),
        _ => "/my-tickets".to_owned(),
    }
}
