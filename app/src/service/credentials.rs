//! Basic-auth credentials verified once, then remembered for a short time.
//!
//! Integrators send Basic auth on every request; argon2 costs tens of milliseconds each time.
//! A verified `Authorization` header is remembered under a keyed BLAKE2 hash of the header
//! (never the password), with a fingerprint of the user's password hash. Every hit re-reads
//! the user's row (through the exact read cache of `users`, which any write to the database
//! invalidates) and is dropped at once when the password, the username, the active or the
//! staff flag has changed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blake2::digest::{FixedOutput, KeyInit, Update};

use crate::service::db::Db;

use crate::domain::user::CurrentUser;
use crate::error::AppError;

type Digest = [u8; 32];
type Mac = blake2::Blake2sMac256;

#[derive(Clone, Copy)]
struct Entry {
    user_id: i64,
    fingerprint: Digest,
    is_staff: bool,
    expires: Instant,
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct CredentialCache {
    key: Digest,
    ttl: Duration,
    entries: Arc<Mutex<HashMap<Digest, Entry>>>,
    /// One lock per header being verified right now, so that it is verified once.
    verifying: Arc<Mutex<HashMap<Digest, Arc<tokio::sync::Mutex<()>>>>>,
}

/// Beyond this many remembered headers the expired ones are swept (and, if still full, all).
const MAX_ENTRIES: usize = 10_000;

impl Default for CredentialCache {
    fn default() -> Self {
        Self::new(Duration::from_secs(60))
    }
}

impl CredentialCache {
    pub fn new(ttl: Duration) -> Self {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self {
            key,
            ttl,
            entries: Arc::new(Mutex::new(HashMap::new())),
            verifying: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn digest(&self, data: &[u8]) -> Digest {
        let mut mac = <Mac as KeyInit>::new_from_slice(&self.key).expect("32-byte key");
        Update::update(&mut mac, data);
        mac.finalize_fixed().into()
    }

    fn lookup(&self, key: &Digest) -> Option<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .copied()
            .filter(|e| e.expires > Instant::now())
    }

    fn forget(&self, key: &Digest) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn remember(&self, key: Digest, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let now = Instant::now();
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, entry);
    }

    /// How many headers are remembered (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The user a remembered header stands for, if it is still valid; forgets it otherwise.
async fn cached_user(
    pool: &Db,
    cache: &CredentialCache,
    key: &Digest,
    username: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(entry) = cache.lookup(key) else {
        return Ok(None);
    };
    let found = super::users::get_user_and_hash(pool, entry.user_id).await?;
    if let Some((user, hash)) = found
        && user.is_active
        && user.username == username
        && user.is_staff == entry.is_staff
        && cache.digest(hash.as_bytes()) == entry.fingerprint
    {
        return Ok(Some(user));
    }
    cache.forget(key);
    Ok(None)
}

/// A Basic-auth sign-in under `throttle`: a header verified right recently is let in after
/// the throttle's check of the address (one read, no argon2 work to hold back), any other is
/// a throttled attempt (`authenticate_basic`). Integrations send the header on every request,
/// so the usual request writes nothing.
///
/// # Errors
/// `TooManyRequests` while the throttle refuses; `Internal` on a database failure; wrong
/// credentials are `Ok(None)`.
pub async fn sign_in_basic(
    pool: &Db,
    cache: &CredentialCache,
    throttle: &crate::service::throttle::LoginThrottle,
    addr: Option<std::net::IpAddr>,
    header: &str,
    username: &str,
    password: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let key = cache.digest(header.as_bytes());
    if let Some(user) = cached_user(pool, cache, &key, username).await? {
        throttle.admit(pool, username, addr).await?;
        return Ok(Some(user));
    }
    throttle
        .attempt(
            pool,
            username,
            addr,
            authenticate_basic(pool, cache, header, username, password),
        )
        .await
}

/// Authenticates a Basic-auth header's `username:password`, verifying with argon2 only when
/// this exact header has not been verified in the last `ttl`.
///
/// # Errors
/// `Internal` on a database failure; wrong credentials are `Ok(None)`.
pub async fn authenticate_basic(
    pool: &Db,
    cache: &CredentialCache,
    header: &str,
    username: &str,
    password: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let key = cache.digest(header.as_bytes());
    if let Some(user) = cached_user(pool, cache, &key, username).await? {
        return Ok(Some(user));
    }
    // Many connections often start with the same header at once: let one of them verify it
    // and the others find it remembered, instead of each paying argon2.
    let lock = cache
        .verifying
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone();
    let turn = lock.lock().await;
    let result = verify_and_remember(pool, cache, key, username, password).await;
    drop(turn);
    cache
        .verifying
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&key);
    result
}

async fn verify_and_remember(
    pool: &Db,
    cache: &CredentialCache,
    key: Digest,
    username: &str,
    password: &str,
) -> Result<Option<CurrentUser>, AppError> {
    if let Some(user) = cached_user(pool, cache, &key, username).await? {
        return Ok(Some(user));
    }
    let Some(user) = super::users::authenticate(pool, username, password).await? else {
        return Ok(None);
    };
    let hash: String = sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(user.id)
        .fetch_one(pool)
        .await?;
    cache.remember(
        key,
        Entry {
            user_id: user.id,
            fingerprint: cache.digest(hash.as_bytes()),
            is_staff: user.is_staff,
            expires: Instant::now() + cache.ttl,
        },
    );
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool opened as the server opens it (with the hook that tells the read caches of
    /// every write), on a fresh file.
    async fn server_pool(name: &str) -> (Db, std::path::PathBuf) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("helpdesk-{name}-{}-{nanos}.db", std::process::id()));
        let url = format!("sqlite://{}", path.display());
        let pool = super::super::db::connect(&url).await.unwrap();
        super::super::db::migrate(&pool, &url).await.unwrap();
        (pool, path)
    }

    // Writes here go straight to the database, as another tool would: the remembered user
    // must follow them at once.
    #[tokio::test]
    async fn a_remembered_header_is_dropped_when_the_password_or_flags_change() {
        let (pool, path) = server_pool("credentials").await;
        let admin = super::super::users::create_superuser(&pool, "ann", "", "first-pass-1".into())
            .await
            .unwrap();
        let cache = CredentialCache::default();
        let header = "Basic YW5uOmZpcnN0LXBhc3MtMQ==";
        let first = authenticate_basic(&pool, &cache, header, "ann", "first-pass-1")
            .await
            .unwrap();
        assert_eq!(first.map(|u| u.id), Some(admin.id));
        assert_eq!(cache.len(), 1);

        // Deactivated: refused at once, even though the header is remembered.
        sqlx::query("update users set is_active = 0")
            .execute(&pool)
            .await
            .unwrap();
        let again = authenticate_basic(&pool, &cache, header, "ann", "first-pass-1").await;
        assert_eq!(again.unwrap(), None);
        assert_eq!(cache.len(), 0);

        // Reactivated, then the password changes: the old header no longer works.
        sqlx::query("update users set is_active = 1")
            .execute(&pool)
            .await
            .unwrap();
        assert!(
            authenticate_basic(&pool, &cache, header, "ann", "first-pass-1")
                .await
                .unwrap()
                .is_some()
        );
        let new_hash = super::super::password::hash_password("second-pass-2".into())
            .await
            .unwrap();
        sqlx::query("update users set password_hash = $1")
            .bind(new_hash)
            .execute(&pool)
            .await
            .unwrap();
        let stale = authenticate_basic(&pool, &cache, header, "ann", "first-pass-1").await;
        assert_eq!(stale.unwrap(), None);
        pool.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[test]
    fn keys_are_keyed_hashes_that_differ_between_caches() {
        let a = CredentialCache::default();
        let b = CredentialCache::default();
        assert_ne!(a.digest(b"Basic x"), b.digest(b"Basic x"));
        assert_eq!(a.digest(b"Basic x"), a.digest(b"Basic x"));
    }
}
