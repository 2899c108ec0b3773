//! argon2id hashing. Both directions run on a blocking thread: a hash costs tens of
//! milliseconds of CPU and would stall the async runtime.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::AppError;

/// Verified against when the user does not exist, so that a wrong username costs as much time
/// as a wrong password and usernames cannot be probed by timing.
const FALLBACK_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7Rr7s4nJqG3Y8xH8bq1b6kX8m0e2Zs8tZ8m3Wc8d9a0";

/// At most this many argon2 computations at once. Each takes 19 MiB and a core for tens of
/// milliseconds; 64 sign-ins arriving together would otherwise take over a gigabyte and gain
/// nothing, as the cores are busy anyway. Process-wide on purpose: it shares out this
/// machine's cores and memory, whatever database the sign-in is for; it holds no data.
fn gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Waits for a free argon2 slot; hold the permit while hashing or verifying.
pub async fn argon2_slot() -> tokio::sync::SemaphorePermit<'static> {
    // The semaphore is never closed, so acquiring cannot fail.
    gate().acquire().await.expect("argon2 gate is never closed")
}

/// Hashes a password with argon2id and a random salt.
///
/// # Errors
/// `Internal` when the blocking task fails.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let _slot = argon2_slot().await;
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
    let _slot = argon2_slot().await;
    let ok = tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        // argon2id only: `verify_password` would also accept argon2i/argon2d hashes.
        Ok(parsed) if parsed.algorithm == argon2::ARGON2ID_IDENT => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        _ => false,
    })
    .await
    .unwrap_or(false);
    known && ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_fallback_hash_s_parameters() {
        let fresh = hash_password("a-long-password".into()).await.unwrap();
        let fresh = PasswordHash::new(&fresh).unwrap();
        let fallback = PasswordHash::new(FALLBACK_HASH).unwrap();
        assert_eq!(fresh.algorithm, argon2::ARGON2ID_IDENT);
        // Same algorithm and cost, so an unknown user costs what a wrong password costs.
        assert_eq!(fallback.algorithm, fresh.algorithm);
        assert_eq!(fallback.params, fresh.params);
        assert_eq!(fallback.hash.map(|h| h.len()), fresh.hash.map(|h| h.len()));
    }

    #[tokio::test]
    async fn only_argon2id_hashes_verify() {
        let good = hash_password("pw-123456".into()).await.unwrap();
        assert!(verify_password(Some(good), "pw-123456".into()).await);
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let argon2i = Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::default(),
        )
        .hash_password(b"pw-123456", &salt)
        .unwrap()
        .to_string();
        assert!(!verify_password(Some(argon2i), "pw-123456".into()).await);
        // The fallback never lets anyone in, whatever the password.
        assert!(!verify_password(None, "pw-123456".into()).await);
    }
}
