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
    use super::context::{client_addr, pool, session, throttle};
    let pool = pool()?;
    let username = username.trim();
    let user = throttle()?
        .attempt(
            &pool,
            username,
            client_addr(),
            crate::service::users::authenticate(&pool, username, &password),
        )
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized("Please enter a correct username and password.".to_owned())
        })?;
    // A new id at sign-in defeats session fixation.
    crate::service::sessions::sign_in(&session().await?, &pool, user.id).await?;
    crate::service::users::touch_last_login(&pool, user.id).await?;
    let target = match next.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => safe_next(n),
        None if user.is_staff => "/",
        None => "/my-tickets",
    };
    leptos_axum::redirect(target);
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

/// `next` if it is a path on this site, else `/`: the redirect after signing in must never
/// leave the site (issue #10). Printable ASCII only (no whitespace or control characters:
/// browsers drop a tab, so `/<tab>/evil.example` would become `//evil.example`), starting
/// with one `/` and not `//` or a backslash (scheme-relative URLs), and the same once its
/// path is percent-decoded.
pub fn safe_next(next: &str) -> &str {
    fn is_local(path: &[u8]) -> bool {
        path.first() == Some(&b'/')
            && !matches!(path.get(1), Some(b'/' | b'\\'))
            && !path.contains(&b'\\')
            && path.iter().all(|b| (0x21..0x7f).contains(b))
    }
    let bytes = next.as_bytes();
    let path_end = next.find(['?', '#']).unwrap_or(next.len());
    let ok = bytes.len() <= 2048
        && is_local(bytes)
        && is_local(&percent_encoding::percent_decode(&bytes[..path_end]).collect::<Vec<u8>>());
    if ok { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn local_paths_are_kept() {
        for ok in [
            "/",
            "/tickets/12",
            "/tickets?queue=2&status=open",
            "/tickets?q=a%20b",
            "/admin/users#top",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_falls_back_to_the_root() {
        for bad in [
            "/%09/evil.example",
            "/\t/evil.example",
            "//evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "http://evil.example",
            "https:evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/tickets\n",
            "/tickets\r\nSet-Cookie: x=1",
            "/tickets%0d%0aSet-Cookie:x",
            "/ /evil.example",
            "/caf\u{e9}",
            "/\u{2028}/evil.example",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(5000))), "/");
    }
}
