//! Brute-force protection for sign-in: after `max_failures` failed sign-ins within `window`
//! from one client address, further attempts from it are refused (429 with `Retry-After`)
//! until the oldest failure leaves the window; after as many for one username, wrong
//! passwords for it are refused the same way but right ones still get in (see `attempt`).
//! Attempts being verified count at once (a burst waits for them), so parallel bursts get
//! no more tries. The UI
//! login, the change-password form and HTTP Basic auth share it.
//!
//! In memory only: a restart forgets the counts, which is acceptable for a single process and
//! keeps every sign-in free of a database write. It holds keyed hashes of usernames and
//! addresses and counts, never a password, and never more than `MAX_KEYS` entries.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppError;

/// The most usernames and addresses tracked at once (a hard cap on memory, a few hundred
/// bytes each). Every tracked failure cost an argon2 verification, so filling it within one
/// window takes hours of them; when it is full of live entries anyway, new names and
/// addresses go uncounted until a sweep frees room.
const MAX_KEYS: usize = 100_000;

/// No username is longer (see `parse_username`); a longer one is refused before the throttle
/// and before any argon2 work, so it can neither match a user nor take memory.
pub const MAX_USERNAME_CHARS: usize = 150;

/// A username or an address, as a keyed hash: fixed-size whatever the caller sent.
type Key = [u8; 16];

/// What is known about one username or address: its recent failures (each with the username
/// it was for, so that a success clears only that username's failures from an address), and
/// the attempts being verified right now, which count as failures until they turn out
/// otherwise, so that a parallel burst cannot all pass the check before one is counted.
#[derive(Debug, Default)]
struct Entry {
    failures: VecDeque<(Instant, Key)>,
    in_flight: usize,
}

#[derive(Debug)]
struct State {
    entries: HashMap<Key, Entry>,
    last_sweep: Instant,
}

/// Shared by every request; cheap to clone.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    secret: [u8; 32],
    state: Arc<Mutex<State>>,
    /// Told whenever an attempt ends, for the attempts waiting on it.
    ended: Arc<tokio::sync::Notify>,
}

impl Default for LoginThrottle {
    /// 10 failures in 15 minutes.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(15 * 60))
    }
}

/// The keys of one attempt.
#[derive(Clone, Copy)]
struct Keys {
    user: Key,
    addr: Option<Key>,
}

impl Keys {
    fn iter(&self) -> impl Iterator<Item = Key> {
        std::iter::once(self.user).chain(self.addr)
    }
}

impl LoginThrottle {
    /// `max_failures` of 0 turns the throttle off.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        let mut secret = [0u8; 32];
        OsRng.fill_bytes(&mut secret);
        Self {
            max_failures,
            window,
            secret,
            state: Arc::new(Mutex::new(State {
                entries: HashMap::new(),
                last_sweep: Instant::now(),
            })),
            ended: Arc::new(tokio::sync::Notify::new()),
        }
    }

    fn hash(&self, kind: u8, data: &[u8]) -> Key {
        use blake2::digest::{FixedOutput, KeyInit, Update};
        let mut mac =
            <blake2::Blake2sMac256 as KeyInit>::new_from_slice(&self.secret).expect("32-byte key");
        Update::update(&mut mac, &[kind]);
        Update::update(&mut mac, data);
        let full: [u8; 32] = mac.finalize_fixed().into();
        let mut key = [0u8; 16];
        key.copy_from_slice(&full[..16]);
        key
    }

    fn keys(&self, username: &str, addr: Option<IpAddr>) -> Keys {
        Keys {
            user: self.hash(b'u', username.as_bytes()),
            addr: addr.map(|a| self.hash(b'a', a.to_string().as_bytes())),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many usernames and addresses are tracked (for tests).
    pub fn tracked(&self) -> usize {
        self.state().entries.len()
    }

    /// Seconds until `entry` may try again, if its failures lock it now.
    fn locked_for(&self, entry: &Entry, now: Instant) -> Option<u64> {
        let recent: Vec<Instant> = entry
            .failures
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| now.duration_since(*t) < self.window)
            .collect();
        if recent.len() < self.max_failures {
            return None;
        }
        // Unlocked when the oldest failure that still counts leaves the window.
        let oldest = recent[recent.len() - self.max_failures];
        let left = self.window.saturating_sub(now.duration_since(oldest));
        Some((left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1))
    }

    /// Whether the attempts being verified, counted as failures, would use up what is left
    /// of the allowance.
    fn busy(&self, entry: &Entry, now: Instant) -> bool {
        let recent = entry
            .failures
            .iter()
            .filter(|(t, _)| now.duration_since(*t) < self.window)
            .count();
        recent + entry.in_flight >= self.max_failures
    }

    fn too_many(retry_after: u64) -> AppError {
        AppError::TooManyRequests {
            detail: format!(
                "Too many failed sign-in attempts. Try again in {retry_after} seconds."
            ),
            retry_after,
        }
    }

    /// Drops entries whose failures have all left the window; at most once a second, or when
    /// the map is full.
    fn sweep(&self, state: &mut State, now: Instant) {
        let full = state.entries.len() >= MAX_KEYS;
        if !full && now.duration_since(state.last_sweep) < Duration::from_secs(1).max(self.window) {
            return;
        }
        if full && now.duration_since(state.last_sweep) < Duration::from_secs(1) {
            return;
        }
        state.last_sweep = now;
        let window = self.window;
        state.entries.retain(|_, e| {
            e.in_flight > 0
                || e.failures
                    .back()
                    .is_some_and(|(t, _)| now.duration_since(*t) < window)
        });
    }

    /// Checks the address (refused while locked) and, under the same lock, counts this attempt
    /// as in flight against it and the username. While the attempts already in flight could
    /// use up what is left of the address's allowance, it waits for them to end (they may
    /// succeed, or lock the address). Answers how long the username is locked, if it is: that
    /// lock does not refuse the attempt, only its failure (see `attempt`).
    async fn reserve(&self, keys: Keys) -> Result<Option<u64>, AppError> {
        loop {
            let mut ended = std::pin::pin!(self.ended.notified());
            // Registered before the check, so an attempt ending in between still wakes us.
            ended.as_mut().enable();
            {
                let now = Instant::now();
                let mut state = self.state();
                let addr = keys.addr.and_then(|k| state.entries.get(&k));
                if let Some(retry_after) = addr.and_then(|e| self.locked_for(e, now)) {
                    return Err(Self::too_many(retry_after));
                }
                if !addr.is_some_and(|e| self.busy(e, now)) {
                    let user_locked = state
                        .entries
                        .get(&keys.user)
                        .and_then(|e| self.locked_for(e, now));
                    self.sweep(&mut state, now);
                    for key in keys.iter() {
                        if state.entries.len() < MAX_KEYS || state.entries.contains_key(&key) {
                            state.entries.entry(key).or_default().in_flight += 1;
                        }
                    }
                    return Ok(user_locked);
                }
            }
            ended.await;
        }
    }

    /// Ends an attempt reserved by `reserve`: `Some(true)` clears the username's failures
    /// (everywhere), `Some(false)` counts a failure against both, `None` (the check itself
    /// failed, or the request was dropped) only gives the reservation back.
    fn finish(&self, keys: Keys, outcome: Option<bool>) {
        let now = Instant::now();
        let mut state = self.state();
        for key in keys.iter() {
            let Some(entry) = state.entries.get_mut(&key) else {
                continue;
            };
            entry.in_flight = entry.in_flight.saturating_sub(1);
            match outcome {
                // Only this username's failures: signing in to one's own account must not
                // wipe an address's failures against someone else's.
                Some(true) => entry.failures.retain(|(_, user)| *user != keys.user),
                Some(false) => {
                    entry.failures.push_back((now, keys.user));
                    // Only the last `max_failures` can ever decide a lock.
                    while entry.failures.len() > self.max_failures {
                        entry.failures.pop_front();
                    }
                }
                None => {}
            }
            if entry.in_flight == 0 && entry.failures.is_empty() {
                state.entries.remove(&key);
            }
        }
        drop(state);
        self.ended.notify_waiters();
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
    /// `TooManyRequests` while locked; whatever `verify` returns.
    pub async fn attempt<T>(
        &self,
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
        let keys = self.keys(username, addr);
        let user_locked = self.reserve(keys).await?;
        // Released however the attempt ends, also when the request is dropped mid-way.
        let mut guard = Reservation {
            throttle: self,
            keys,
            outcome: None,
        };
        let found = verify.await?;
        guard.outcome = Some(found.is_some());
        drop(guard);
        if found.is_none() {
            // No username: people sometimes type their password into that box.
            tracing::info!(addr = ?addr, "failed sign-in");
            if let Some(retry_after) = user_locked {
                return Err(Self::too_many(retry_after));
            }
        }
        Ok(found)
    }
}

/// An attempt in flight; ending it (or dropping it) releases its reservation.
struct Reservation<'a> {
    throttle: &'a LoginThrottle,
    keys: Keys,
    outcome: Option<bool>,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.throttle.finish(self.keys, self.outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    /// One attempt whose password is right or wrong.
    async fn try_in(
        t: &LoginThrottle,
        user: &str,
        addr: Option<IpAddr>,
        right: bool,
    ) -> Result<Option<()>, AppError> {
        t.attempt(user, addr, async move { Ok(right.then_some(())) })
            .await
    }

    async fn fail(t: &LoginThrottle, user: &str, addr: Option<IpAddr>) {
        assert_eq!(try_in(t, user, addr, false).await, Ok(None), "{user}");
    }

    fn is_429(r: &Result<Option<()>, AppError>) -> bool {
        matches!(r, Err(AppError::TooManyRequests { .. }))
    }

    #[tokio::test]
    async fn a_username_is_locked_after_max_failures_from_any_address() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for addr in [A, B, A] {
            fail(&t, "ann", addr).await;
        }
        let err = try_in(&t, "ann", Some("10.9.9.9".parse().unwrap()), false)
            .await
            .unwrap_err();
        assert_eq!(err.status_code(), 429);
        let AppError::TooManyRequests { retry_after, .. } = err else {
            panic!("{err:?}")
        };
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert_eq!(
            try_in(&t, "bob", None, true).await,
            Ok(Some(())),
            "other users are not locked"
        );
    }

    #[tokio::test]
    async fn an_address_is_locked_after_max_failures_for_any_usernames() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for u in ["a", "b", "c"] {
            fail(&t, u, A).await;
        }
        assert!(is_429(&try_in(&t, "d", A, true).await));
        assert_eq!(try_in(&t, "d", B, true).await, Ok(Some(())));
    }

    #[tokio::test]
    async fn a_success_resets_the_counts() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        fail(&t, "ann", A).await;
        fail(&t, "ann", A).await;
        assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
        fail(&t, "ann", A).await;
        fail(&t, "ann", A).await;
        assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
    }

    #[tokio::test]
    async fn failures_older_than_the_window_do_not_count() {
        let t = LoginThrottle::new(2, Duration::from_millis(50));
        fail(&t, "ann", A).await;
        fail(&t, "ann", A).await;
        assert!(is_429(&try_in(&t, "ann", A, true).await));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
    }

    #[tokio::test]
    async fn zero_turns_the_throttle_off() {
        let t = LoginThrottle::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            fail(&t, "ann", A).await;
        }
        assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
    }

    // Issue #10: the check and the count used to be apart, so a burst passed the check
    // before its first failure was counted.
    #[tokio::test]
    async fn attempts_in_flight_count_so_a_parallel_burst_verifies_at_most_the_allowance() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let gate = Arc::new(tokio::sync::Notify::new());
        let verified = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let attempts = (0..50).map(|_| {
            let (t, gate, verified) = (t.clone(), gate.clone(), verified.clone());
            tokio::spawn(async move {
                t.attempt("ann", A, async move {
                    verified.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    gate.notified().await;
                    Ok(None::<()>)
                })
                .await
            })
        });
        let handles: Vec<_> = attempts.collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        gate.notify_waiters();
        let mut refused = 0;
        for h in handles {
            if is_429(&h.await.unwrap()) {
                refused += 1;
            }
        }
        assert_eq!(verified.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(refused, 47);
        assert!(
            is_429(&try_in(&t, "ann", B, false).await),
            "three failures lock the name"
        );
    }

    #[tokio::test]
    async fn a_locked_username_still_lets_the_right_password_in() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for last in 1..=3 {
            let addr = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 1, 0, last)));
            fail(&t, "integ", addr).await;
        }
        assert!(is_429(&try_in(&t, "integ", A, false).await));
        assert_eq!(try_in(&t, "integ", B, true).await, Ok(Some(())));
        // The address lock still applies, right password or not.
        for _ in 0..3 {
            fail(&t, "other", B).await;
        }
        assert!(is_429(&try_in(&t, "integ", B, true).await));
    }

    #[tokio::test]
    async fn signing_in_to_ones_own_account_does_not_clear_failures_against_another() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        fail(&t, "victim", A).await;
        fail(&t, "victim", A).await;
        assert_eq!(try_in(&t, "mallory", A, true).await, Ok(Some(())));
        fail(&t, "victim", A).await;
        assert!(is_429(&try_in(&t, "mallory", A, true).await));
    }

    #[tokio::test]
    async fn a_username_over_150_characters_is_wrong_unverified_and_untracked() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let long = "a".repeat(MAX_USERNAME_CHARS + 1);
        for _ in 0..10 {
            let r = t
                .attempt(&long, A, async {
                    panic!("verified a 151-character username")
                })
                .await;
            assert_eq!(r, Ok(None::<()>));
        }
        assert_eq!(t.tracked(), 0);
        assert_eq!(try_in(&t, &"b".repeat(150), A, true).await, Ok(Some(())));
    }

    // Issue #10: keys used to be the usernames themselves, swept only at 100,000 entries.
    #[tokio::test]
    async fn a_hundred_thousand_distinct_usernames_leave_the_map_bounded() {
        let t = LoginThrottle::new(10, Duration::from_secs(60));
        for i in 0..150_000u32 {
            let addr = Some(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
            let name = format!("{i:0>150}");
            fail(&t, &name, addr).await;
        }
        assert!(t.tracked() <= MAX_KEYS, "{} entries", t.tracked());
        assert_eq!(std::mem::size_of::<Key>(), 16);
    }

    #[tokio::test]
    async fn a_dropped_attempt_gives_its_reservation_back() {
        let t = LoginThrottle::new(1, Duration::from_secs(60));
        let pending = t.attempt(
            "ann",
            A,
            std::future::pending::<Result<Option<()>, AppError>>(),
        );
        let _ = tokio::time::timeout(Duration::from_millis(10), pending).await;
        assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
    }
}
