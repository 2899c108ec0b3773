//! What a browser session holds about its user, and when it stops counting: the user's id,
//! a fingerprint of their password hash and the time they signed in.
//!
//! A password change (one's own, or set by a superuser) changes the hash, so every session
//! that holds the old fingerprint is ended on its next request; the session that made the
//! change is given the new fingerprint and a new id. A session also ends a fixed time after
//! sign-in however busy it is (beside the idle timeout of the cookie). This module does not
//! decide permissions; it only says who the session's user is.

use crate::service::db::Db;
use blake2::Digest;
use tower_sessions::Session;

use crate::domain::user::CurrentUser;
use crate::error::AppError;

/// The signed-in user's id.
pub const USER_ID: &str = "user_id";
/// A digest of the password hash at sign-in.
const PASSWORD_FINGERPRINT: &str = "password_fingerprint";
/// Unix seconds of the sign-in.
const SIGNED_IN_AT: &str = "signed_in_at";

fn store_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}

/// Not the hash itself: the session table need not hold anything an attacker could test
/// passwords against offline.
fn fingerprint(password_hash: &str) -> String {
    blake2::Blake2s256::digest(password_hash.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn current_fingerprint(pool: &Db, user_id: i64) -> Result<String, AppError> {
    let (_, hash) = super::users::get_user_and_hash(pool, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(fingerprint(&hash))
}

/// Signs `user_id` in on this session, under a new session id (which defeats fixation).
///
/// # Errors
/// `Internal` when the session store fails; `NotFound` for an unknown user.
pub async fn sign_in(session: &Session, pool: &Db, user_id: i64) -> Result<(), AppError> {
    let fp = current_fingerprint(pool, user_id).await?;
    session.cycle_id().await.map_err(store_error)?;
    session
        .insert(USER_ID, user_id)
        .await
        .map_err(store_error)?;
    session
        .insert(PASSWORD_FINGERPRINT, fp)
        .await
        .map_err(store_error)?;
    session
        .insert(SIGNED_IN_AT, now())
        .await
        .map_err(store_error)
}

/// After this session's user changed their password: the session stays signed in, under a
/// new id and with the new fingerprint (every other session of the user is ended by `check`).
///
/// # Errors
/// `Internal` when the session store fails.
pub async fn password_changed(session: &Session, pool: &Db, user_id: i64) -> Result<(), AppError> {
    let fp = current_fingerprint(pool, user_id).await?;
    session.cycle_id().await.map_err(store_error)?;
    session
        .insert(PASSWORD_FINGERPRINT, fp)
        .await
        .map_err(store_error)
}

/// Who is signed in on this request, as `check` found it; put in the request's extensions
/// by the server's session middleware, so pages, server functions and REST handlers read it
/// instead of looking the user up again. A request without it (an asset) is anonymous.
#[derive(Clone, Debug)]
pub struct SignedIn(pub Option<CurrentUser>);

/// The session's user, looked up once per request: `None` when no one is signed in or the
/// user is inactive. Ends the session first (deletes its row and clears the cookie) when its
/// user no longer exists, their password changed since sign-in, or it is older than
/// `max_age_seconds`.
///
/// # Errors
/// `Internal` when the session store or the database fails.
pub async fn check(
    session: &Session,
    pool: &Db,
    max_age_seconds: i64,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(store_error)? else {
        return Ok(None);
    };
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(store_error)?;
    let stored = session
        .get::<String>(PASSWORD_FINGERPRINT)
        .await
        .map_err(store_error)?;
    let fresh = signed_in_at.is_some_and(|t| now().saturating_sub(t) < max_age_seconds);
    let user = if fresh {
        // One read gives both the fingerprint to compare and the user to hand on.
        super::users::get_user_and_hash(pool, user_id)
            .await?
            .filter(|(_, hash)| stored.as_deref() == Some(fingerprint(hash).as_str()))
    } else {
        None
    };
    match user {
        Some((user, _)) => Ok(user.is_active.then_some(user)),
        None => {
            session.flush().await.map_err(store_error)?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn a_fingerprint_is_fixed_size_and_follows_the_hash() {
        let a = fingerprint("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
        assert_eq!(a.len(), 64);
        assert_ne!(
            a,
            fingerprint("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaB")
        );
        assert!(!a.contains("argon2"));
    }
}
