//! Brute-force protection for sign-in: after `max_failures` failed sign-ins within `window`
//! for one username, or from one client address, further attempts for that username or from
//! that address are refused (429 with `Retry-After`) until the oldest failure leaves the
//! window. A successful sign-in clears both counts. The UI login and HTTP Basic auth share it.
//!
//! In memory only: a restart forgets the counts, which is acceptable for a single process and
//! keeps every sign-in free of a database write. It holds counts, never a password.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AppError;

/// Beyond this many tracked keys the ones with no recent failure are swept.
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Addr(IpAddr),
}

/// Shared by every request; cheap to clone.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    max_failures: usize,
    window: Duration,
    failures: Arc<Mutex<HashMap<Key, VecDeque<Instant>>>>,
}

impl Default for LoginThrottle {
    /// 10 failures in 15 minutes.
    fn default() -> Self {
        Self::new(10, Duration::from_secs(15 * 60))
    }
}

impl LoginThrottle {
    /// `max_failures` of 0 turns the throttle off.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn keys(username: &str, addr: Option<IpAddr>) -> Vec<Key> {
        let mut keys = vec![Key::User(username.to_owned())];
        keys.extend(addr.map(Key::Addr));
        keys
    }

    /// Seconds until the username or address may try again, if either is locked now.
    fn locked_for(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Option<u64> {
        if self.max_failures == 0 {
            return None;
        }
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(username, addr)
            .iter()
            .filter_map(|k| map.get(k))
            .filter_map(|times| {
                let recent: Vec<&Instant> = times
                    .iter()
                    .filter(|t| now.duration_since(**t) < self.window)
                    .collect();
                (recent.len() >= self.max_failures).then(|| {
                    // Unlocked when the oldest failure that still counts leaves the window.
                    let oldest = recent[recent.len() - self.max_failures];
                    let left = self.window.saturating_sub(now.duration_since(*oldest));
                    left.as_secs() + u64::from(left.subsec_nanos() > 0)
                })
            })
            .max()
            .map(|s| s.max(1))
    }

    /// Refuses an attempt for `username` from `addr` while either is locked.
    ///
    /// # Errors
    /// `TooManyRequests` with the seconds to wait.
    pub fn check(&self, username: &str, addr: Option<IpAddr>) -> Result<(), AppError> {
        match self.locked_for(username, addr, Instant::now()) {
            None => Ok(()),
            Some(retry_after) => Err(AppError::TooManyRequests {
                detail: format!(
                    "Too many failed sign-in attempts. Try again in {retry_after} seconds."
                ),
                retry_after,
            }),
        }
    }

    /// Counts a failed attempt against the username and the address.
    pub fn record_failure(&self, username: &str, addr: Option<IpAddr>) {
        if self.max_failures == 0 {
            return;
        }
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for key in Self::keys(username, addr) {
            let times = map.entry(key).or_default();
            times.push_back(now);
            // Only the last `max_failures` can ever decide a lock.
            while times.len() > self.max_failures {
                times.pop_front();
            }
        }
    }

    /// Runs one sign-in attempt under the throttle: refused at once while locked, counted as a
    /// failure when `verify` finds no user, and clearing the counts when it does.
    ///
    /// # Errors
    /// `TooManyRequests` while locked; whatever `verify` returns.
    pub async fn attempt<T>(
        &self,
        username: &str,
        addr: Option<IpAddr>,
        verify: impl Future<Output = Result<Option<T>, AppError>>,
    ) -> Result<Option<T>, AppError> {
        self.check(username, addr)?;
        let found = verify.await?;
        if found.is_some() {
            self.record_success(username, addr);
        } else {
            // No username: people sometimes type their password into that box.
            tracing::info!(addr = ?addr, "failed sign-in");
            self.record_failure(username, addr);
        }
        Ok(found)
    }

    /// A successful sign-in: both counts start again.
    pub fn record_success(&self, username: &str, addr: Option<IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.is_empty() {
            return;
        }
        for key in Self::keys(username, addr) {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn a_username_is_locked_after_max_failures_from_any_address() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for addr in [A, B, A] {
            assert!(t.check("ann", addr).is_ok());
            t.record_failure("ann", addr);
        }
        let err = t
            .check("ann", Some("10.9.9.9".parse().unwrap()))
            .unwrap_err();
        assert_eq!(err.status_code(), 429);
        let AppError::TooManyRequests { retry_after, .. } = err else {
            panic!("{err:?}")
        };
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert!(t.check("bob", None).is_ok(), "other users are not locked");
    }

    #[test]
    fn an_address_is_locked_after_max_failures_for_any_usernames() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        for u in ["a", "b", "c"] {
            t.record_failure(u, A);
        }
        assert!(t.check("d", A).is_err());
        assert!(t.check("d", B).is_ok());
    }

    #[test]
    fn a_success_resets_the_counts() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        t.record_failure("ann", A);
        t.record_failure("ann", A);
        t.record_success("ann", A);
        t.record_failure("ann", A);
        t.record_failure("ann", A);
        assert!(t.check("ann", A).is_ok());
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let t = LoginThrottle::new(2, Duration::from_millis(50));
        t.record_failure("ann", A);
        t.record_failure("ann", A);
        assert!(t.check("ann", A).is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert!(t.check("ann", A).is_ok());
    }

    #[test]
    fn zero_turns_the_throttle_off() {
        let t = LoginThrottle::new(0, Duration::from_secs(60));
        for _ in 0..100 {
            t.record_failure("ann", A);
        }
        assert!(t.check("ann", A).is_ok());
    }
}
