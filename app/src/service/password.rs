//! argon2id hashing. Both directions run on a blocking thread: a hash costs tens of
//! milliseconds of CPU and would stall the async runtime.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::AppError;

/// Verified against when the user does not exist, so that a wrong username costs as much time
/// as a wrong password and usernames cannot be probed by timing.
const FALLBACK_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7Rr7s4nJqG3Y8xH8bq1b6kX8m0e2Zs8tZ8m3Wc8d9a0";

/// Hashes a password with argon2id and a random salt.
///
/// # Errors
/// `Internal` when the blocking task fails.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        AppError::Internal
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// Checks `password` against `hash` (or against a fallback hash when there is no user).
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| FALLBACK_HASH.to_owned());
    let ok = tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false);
    known && ok
}
