//! `ApiUser`: the caller of a REST endpoint, from HTTP Basic auth or else the session cookie.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;

use app::domain::user::CurrentUser;
use app::error::AppError;

use crate::state::AppState;

/// An authenticated, active user. Rejects with 401 (and `WWW-Authenticate`) otherwise.
pub struct ApiUser(pub CurrentUser);

fn bad_credentials() -> AppError {
    AppError::Unauthorized("Invalid username/password.".to_owned())
}

/// Splits `Basic base64(user:pass)`.
fn parse_basic(value: &str) -> Result<(String, String), AppError> {
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(|| {
        AppError::Unauthorized("Invalid basic header. No credentials provided.".to_owned())
    })?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AppError::unauthenticated());
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| {
            AppError::Unauthorized(
                "Invalid basic header. Credentials not correctly base64 encoded.".to_owned(),
            )
        })?;
    let text = String::from_utf8(decoded).map_err(|_| {
        AppError::Unauthorized(
            "Invalid basic header. Credentials not correctly base64 encoded.".to_owned(),
        )
    })?;
    let (user, pass) = text.split_once(':').ok_or_else(|| {
        AppError::Unauthorized("Invalid basic header. No credentials provided.".to_owned())
    })?;
    Ok((user.to_owned(), pass.to_owned()))
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let value = value.to_str().map_err(|_| bad_credentials())?;
            let (username, password) = parse_basic(value)?;
            let addr = parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            return app::service::credentials::sign_in_basic(
                &state.pool,
                &state.credentials,
                &state.throttle,
                addr,
                value,
                &username,
                &password,
            )
            .await?
            .map(ApiUser)
            .ok_or_else(bad_credentials);
        }
        // Same-origin browser calls: the session's user (cross-site writes are refused by
        // the CSRF layer before they get here).
        if let Some(user) = super::session::signed_in(&parts.extensions) {
            return Ok(ApiUser(user.clone()));
        }
        Err(AppError::unauthenticated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_basic_header_splits_at_the_first_colon() {
        let v = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("ann:pa:ss")
        );
        assert_eq!(parse_basic(&v).unwrap(), ("ann".into(), "pa:ss".into()));
    }

    #[test]
    fn malformed_basic_headers_are_401() {
        for bad in ["Basic", "Basic !!!", "Bearer abc", "Basic Zm9v"] {
            assert_eq!(parse_basic(bad).unwrap_err().status_code(), 401, "{bad}");
        }
    }
}
