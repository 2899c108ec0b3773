//! Brute-force protection for sign-in: after `max_failures` failed sign-ins within `window`
//! from one client address, further attempts from it are refused (429 with `Retry-After`)
//! until the oldest failure leaves the window; after as many for one username, wrong
//! passwords for it are refused the same way but right ones still get in (see `attempt`).
//! Attempts being verified count at once (a burst waits for them), so parallel bursts get
//! no more tries. The UI login, the change-password form and HTTP Basic auth share it.
//!
//! The counts are in the database (`store`), so every server on it shares them: ten failures
//! spread over three servers lock the username. Every change is a short write transaction
//! that locks the rows it reads; a check that refuses is one read by primary key. Rows hold
//! keyed hashes of usernames and addresses (the key is the database's, so that all servers
//! agree) and times, never a password; they expire with the window, and there are never
//! more than `MAX_KEYS` with failures.

mod store;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::datetime::Timestamp;
use crate::error::AppError;
use crate::service::db::{Db, begin_write};
use store::{Entry, Key, age};

/// The most usernames and addresses tracked at once (a bound on the table, a few hundred
/// bytes a row). Every tracked failure cost an argon2 verification, so filling it within one
/// window takes hours of them; when it is full of live rows anyway, new names and addresses
/// go uncounted until they expire.
const MAX_KEYS: usize = 100_000;

/// No username is longer (see `parse_username`); a longer one is refused before the throttle
/// and before any argon2 work, so it can neither match a user nor take room.
pub const MAX_USERNAME_CHARS: usize = 150;

/// How long an attempt being verified counts at most: a server that stopped in the middle of
/// one leaves its reservation behind, which must not hold others back for long.
const IN_FLIGHT_TIMEOUT: Duration = Duration::from_secs(60);

/// How often an attempt waiting for others looks again: one ending on another server does
/// not wake it.
const POLL: Duration = Duration::from_millis(50);

/// The settings, the database's hash key once read, and a wake-up for the attempts of this
/// server waiting on others; the counts are in the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    max_keys: usize,
    secret: Arc<tokio::sync::OnceCell<[u8; 32]>>,
    /// Told whenever an attempt ends here, for the attempts waiting on it.
    ended: Arc<tokio::sync::Notify>,
}

impl Default for LoginThrottle {
    /// 10 failures in 15 minutes.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(15 * 60))
    }
}

/// The keys of one attempt.
#[derive(Clone, Copy, Debug)]
struct Keys {
    user: Key,
    addr: Option<Key>,
}

impl Keys {
    fn iter(&self) -> impl Iterator<Item = Key> {
        std::iter::once(self.user).chain(self.addr)
    }

    fn all(&self) -> Vec<Key> {
        self.iter().collect()
    }
}

/// What the counts say about a new attempt.
enum Verdict {
    /// The address is locked for this many seconds.
    Locked(u64),
    /// The attempts in flight could use up what the address has left: wait for them.
    Busy,
    /// It may go ahead; the username is locked for this many seconds, if it is.
    Free(Option<u64>),
}

fn now() -> DateTime<Utc> {
    Timestamp::now().inner()
}

impl LoginThrottle {
    /// `max_failures` of 0 turns the throttle off.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            max_keys: MAX_KEYS,
            secret: Arc::default(),
            ended: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The same throttle tracking at most `max_keys` usernames and addresses (for tests).
    #[must_use]
    pub fn with_max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys;
        self
    }

    async fn keys(&self, db: &Db, username: &str, addr: Option<IpAddr>) -> Result<Keys, AppError> {
        let secret = *self.secret.get_or_try_init(|| store::secret(db)).await?;
        let hash = |kind: u8, data: &[u8]| -> Key {
            use blake2::digest::{FixedOutput, KeyInit, Update};
            let mut mac =
                <blake2::Blake2sMac256 as KeyInit>::new_from_slice(&secret).expect("32-byte key");
            Update::update(&mut mac, &[kind]);
            Update::update(&mut mac, data);
            let full: [u8; 32] = mac.finalize_fixed().into();
            let mut key = [0u8; 16];
            key.copy_from_slice(&full[..16]);
            key
        };
        Ok(Keys {
            user: hash(b'u', username.as_bytes()),
            addr: addr.map(|a| hash(b'a', a.to_string().as_bytes())),
        })
    }

    async fn load<'c, E>(
        &self,
        conn: E,
        keys: Keys,
        now: DateTime<Utc>,
    ) -> Result<HashMap<Key, Entry>, AppError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        store::load(conn, &keys.all(), now, self.window, IN_FLIGHT_TIMEOUT).await
    }

    /// How many usernames and addresses have a row (for tests).
    ///
    /// # Errors
    /// `Internal` on a database failure.
    pub async fn tracked(&self, db: &Db) -> Result<usize, AppError> {
        store::rows(db).await
    }

    /// Seconds until `entry` may try again, if its failures lock it now.
    fn locked_for(&self, entry: &Entry, now: DateTime<Utc>) -> Option<u64> {
        let recent: Vec<DateTime<Utc>> = entry
            .failures
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| age(now, *t) < self.window)
            .collect();
        if recent.len() < self.max_failures {
            return None;
        }
        // Unlocked when the oldest failure that still counts leaves the window.
        let oldest = recent[recent.len() - self.max_failures];
        let left = self.window.saturating_sub(age(now, oldest));
        Some((left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1))
    }

    /// Whether the attempts being verified, counted as failures, would use up what is left
    /// of the allowance.
    fn busy(&self, entry: &Entry, now: DateTime<Utc>) -> bool {
        let recent = entry
            .failures
            .iter()
            .filter(|(t, _)| age(now, *t) < self.window)
            .count();
        recent + entry.in_flight.len() >= self.max_failures
    }

    fn verdict(&self, entries: &HashMap<Key, Entry>, keys: Keys, now: DateTime<Utc>) -> Verdict {
        let addr = keys.addr.and_then(|k| entries.get(&k));
        if let Some(retry_after) = addr.and_then(|e| self.locked_for(e, now)) {
            return Verdict::Locked(retry_after);
        }
        if addr.is_some_and(|e| self.busy(e, now)) {
            return Verdict::Busy;
        }
        Verdict::Free(
            entries
                .get(&keys.user)
                .and_then(|e| self.locked_for(e, now)),
        )
    }

    fn too_many(retry_after: u64) -> AppError {
        AppError::TooManyRequests {
            detail: format!(
                "Too many failed sign-in attempts. Try again in {retry_after} seconds."
            ),
            retry_after,
        }
    }

    /// Checks the address (refused while locked) and, in the same write transaction, counts
    /// this attempt as in flight against it and the username. While the attempts already in
    /// flight (on any server) could use up what is left of the address's allowance, it waits
    /// for them to end (they may succeed, or lock the address). Answers how long the username
    /// is locked, if it is (that lock does not refuse the attempt, only its failure: see
    /// `attempt`). The reservation is `token`.
    async fn reserve(&self, db: &Db, keys: Keys, token: u64) -> Result<Option<u64>, AppError> {
        loop {
            let mut ended = std::pin::pin!(self.ended.notified());
            // Registered before the check, so an attempt ending in between still wakes us.
            ended.as_mut().enable();
            // A plain read first: a locked or busy address costs no write.
            let at = now();
            let verdict = self.verdict(&self.load(db, keys, at).await?, keys, at);
            if let Verdict::Locked(retry_after) = verdict {
                return Err(Self::too_many(retry_after));
            }
            if let Verdict::Free(_) = verdict {
                let mut tx = begin_write(db).await?;
                let at = now();
                store::lock(&mut tx, &keys.all(), at).await?;
                let mut entries = self.load(&mut *tx, keys, at).await?;
                // Checked again under the lock: another attempt may have begun meanwhile.
                match self.verdict(&entries, keys, at) {
                    Verdict::Locked(retry_after) => return Err(Self::too_many(retry_after)),
                    Verdict::Busy => {}
                    Verdict::Free(user_locked) => {
                        for key in keys.iter() {
                            let entry = entries.entry(key).or_default();
                            entry.in_flight.push((at, token));
                            store::save(&mut tx, &key, entry, self.window, IN_FLIGHT_TIMEOUT)
                                .await?;
                        }
                        tx.commit_alone().await?;
                        return Ok(user_locked);
                    }
                }
            }
            // Woken by an attempt ending here, or after a while for those elsewhere.
            let _ = tokio::time::timeout(POLL, ended).await;
        }
    }

    /// Ends an attempt reserved by `reserve`: `Some(true)` clears the username's failures
    /// (its own row, and the address's failures for it), `Some(false)` counts a failure
    /// against both, `None` (the check itself failed, or the request was dropped) only gives
    /// the reservation back (`token`, or none).
    async fn finish(
        &self,
        db: &Db,
        keys: Keys,
        token: Option<u64>,
        outcome: Option<bool>,
    ) -> Result<(), AppError> {
        let result = async {
            let mut tx = begin_write(db).await?;
            let at = now();
            store::prune(&mut tx, at).await?;
            store::lock(&mut tx, &keys.all(), at).await?;
            let mut entries = self.load(&mut *tx, keys, at).await?;
            // Counted only for a failure: a success or a give-back never adds a row.
            let full = outcome == Some(false) && store::count(&mut tx).await? >= self.max_keys;
            for key in keys.iter() {
                let entry = entries.entry(key).or_default();
                entry.in_flight.retain(|(_, t)| Some(*t) != token);
                match outcome {
                    // Only this username's failures: signing in to one's own account must not
                    // wipe an address's failures against someone else's.
                    Some(true) => entry.failures.retain(|(_, user)| *user != keys.user),
                    // When full, a name or address not counted yet stays uncounted.
                    Some(false) if full && entry.failures.is_empty() => {}
                    Some(false) => {
                        entry.failures.push((at, keys.user));
                        // Only the last `max_failures` can ever decide a lock.
                        let extra = entry.failures.len().saturating_sub(self.max_failures);
                        entry.failures.drain(..extra);
                    }
                    None => {}
                }
                store::save(&mut tx, &key, entry, self.window, IN_FLIGHT_TIMEOUT).await?;
            }
            tx.commit_alone().await?;
            Ok(())
        }
        .await;
        self.ended.notify_waiters();
        result
    }

    /// Runs one sign-in attempt under the throttle.
    ///
    /// - A username over 150 characters is wrong at once: nothing verified, nothing stored.
    /// - While the address is locked (or as many attempts as it has left are being verified
    ///   already), the attempt is refused without verifying.
    /// - While only the username is locked, the credentials are still verified: right ones
    ///   get in (so that nobody can lock a user, such as an integration, out by failing on
    ///   purpose), wrong ones are refused as locked and counted against the address.
    /// - A failure counts against both; a success clears the username's failures.
    ///
    /// # Errors
    /// `TooManyRequests` while locked; `Internal` on a database failure; whatever `verify`
    /// returns.
    pub async fn attempt<T>(
        &self,
        db: &Db,
        username: &str,
        addr: Option<IpAddr>,
        verify: impl Future<Output = Result<Option<T>, AppError>>,
    ) -> Result<Option<T>, AppError> {
        if username.len() > 4 * MAX_USERNAME_CHARS || username.chars().count() > MAX_USERNAME_CHARS
        {
            return Ok(None);
        }
        if self.max_failures == 0 {
            return verify.await;
        }
        let keys = self.keys(db, username, addr).await?;
        let token = {
            use argon2::password_hash::rand_core::{OsRng, RngCore};
            OsRng.next_u64()
        };
        // Given back however the attempt ends, also when the request is dropped mid-way,
        // even while the reservation is being committed.
        let mut reservation = Reservation {
            throttle: self.clone(),
            db: db.clone(),
            keys,
            token: Some(token),
        };
        let user_locked = match self.reserve(db, keys, token).await {
            Ok(user_locked) => user_locked,
            Err(e) => {
                // Refused: nothing was reserved, so nothing to give back.
                if matches!(e, AppError::TooManyRequests { .. }) {
                    reservation.token = None;
                }
                return Err(e);
            }
        };
        let found = match verify.await {
            Ok(found) => found,
            Err(e) => {
                let _ = reservation.end(None).await;
                return Err(e);
            }
        };
        reservation.end(Some(found.is_some())).await?;
        if found.is_none() {
            // No username: people sometimes type their password into that box.
            tracing::info!(addr = ?addr, "failed sign-in");
            if let Some(retry_after) = user_locked {
                return Err(Self::too_many(retry_after));
            }
        }
        Ok(found)
    }

    /// Lets in credentials verified right a moment ago (a remembered Basic-auth header, see
    /// `credentials`): there is no verification to hold back, so no reservation and, unless
    /// the username has failures to clear, no write. Refused while the address is locked, as
    /// `attempt` would.
    ///
    /// # Errors
    /// `TooManyRequests` while the address is locked; `Internal` on a database failure.
    pub async fn admit(
        &self,
        db: &Db,
        username: &str,
        addr: Option<IpAddr>,
    ) -> Result<(), AppError> {
        if self.max_failures == 0 {
            return Ok(());
        }
        let keys = self.keys(db, username, addr).await?;
        let at = now();
        let entries = self.load(db, keys, at).await?;
        if let Verdict::Locked(retry_after) = self.verdict(&entries, keys, at) {
            return Err(Self::too_many(retry_after));
        }
        let failed_before = entries
            .values()
            .any(|e| e.failures.iter().any(|(_, user)| *user == keys.user));
        if failed_before {
            self.finish(db, keys, None, Some(true)).await?;
        }
        Ok(())
    }
}

/// An attempt in flight; ending it (or dropping it) gives its reservation back.
struct Reservation {
    throttle: LoginThrottle,
    db: Db,
    keys: Keys,
    /// Taken once the reservation is given back.
    token: Option<u64>,
}

impl Reservation {
    async fn end(mut self, outcome: Option<bool>) -> Result<(), AppError> {
        let token = self.token;
        self.throttle
            .finish(&self.db, self.keys, token, outcome)
            .await?;
        self.token = None;
        Ok(())
    }
}

impl Drop for Reservation {
    /// Dropped before it ended (the request went away, or ending it failed): given back in
    /// the background; failing that, it stops counting after `IN_FLIGHT_TIMEOUT`.
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (throttle, db, keys) = (self.throttle.clone(), self.db.clone(), self.keys);
        runtime.spawn(async move {
            if let Err(e) = throttle.finish(&db, keys, Some(token), None).await {
                tracing::warn!(error = ?e, "could not give a sign-in reservation back");
            }
        });
    }
}
