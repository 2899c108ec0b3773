//! The throttle's rules, each on a fresh database.

use super::*;

/// The throttle with its database, so that the tests read as they did when the counts were
/// in memory.
#[derive(Clone)]
struct Throttle {
    throttle: LoginThrottle,
    db: Db,
    _test_db: std::sync::Arc<crate::service::db::testing::TestDb>,
}

impl Throttle {
    async fn new(throttle: LoginThrottle) -> Self {
        let test_db = crate::service::db::testing::db().await;
        Self {
            throttle,
            db: test_db.db.clone(),
            _test_db: std::sync::Arc::new(test_db),
        }
    }

    async fn attempt<T>(
        &self,
        username: &str,
        addr: Option<IpAddr>,
        verify: impl Future<Output = Result<Option<T>, AppError>>,
    ) -> Result<Option<T>, AppError> {
        self.throttle
            .attempt(&self.db, username, addr, verify)
            .await
    }

    async fn tracked(&self) -> usize {
        self.throttle.tracked(&self.db).await.unwrap()
    }
}

const A: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
const B: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

/// One attempt whose password is right or wrong.
async fn try_in(
    t: &Throttle,
    user: &str,
    addr: Option<IpAddr>,
    right: bool,
) -> Result<Option<()>, AppError> {
    t.attempt(user, addr, async move { Ok(right.then_some(())) })
        .await
}

async fn fail(t: &Throttle, user: &str, addr: Option<IpAddr>) {
    assert_eq!(try_in(t, user, addr, false).await, Ok(None), "{user}");
}

fn is_429(r: &Result<Option<()>, AppError>) -> bool {
    matches!(r, Err(AppError::TooManyRequests { .. }))
}

#[tokio::test]
async fn a_username_is_locked_after_max_failures_from_any_address() {
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
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
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
    for u in ["a", "b", "c"] {
        fail(&t, u, A).await;
    }
    assert!(is_429(&try_in(&t, "d", A, true).await));
    assert_eq!(try_in(&t, "d", B, true).await, Ok(Some(())));
}

#[tokio::test]
async fn a_success_resets_the_counts() {
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
    fail(&t, "ann", A).await;
    fail(&t, "ann", A).await;
    assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
    fail(&t, "ann", A).await;
    fail(&t, "ann", A).await;
    assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
}

#[tokio::test]
async fn failures_older_than_the_window_do_not_count() {
    let t = Throttle::new(LoginThrottle::new(2, Duration::from_millis(50))).await;
    fail(&t, "ann", A).await;
    fail(&t, "ann", A).await;
    assert!(is_429(&try_in(&t, "ann", A, true).await));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
}

#[tokio::test]
async fn zero_turns_the_throttle_off() {
    let t = Throttle::new(LoginThrottle::new(0, Duration::from_secs(60))).await;
    for _ in 0..100 {
        fail(&t, "ann", A).await;
    }
    assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
}

// Issue #10: the check and the count used to be apart, so a burst passed the check
// before its first failure was counted.
#[tokio::test]
async fn attempts_in_flight_count_so_a_parallel_burst_verifies_at_most_the_allowance() {
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
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
    // Each reservation is a database write now: give them time to reach the gate, and any
    // attempt over the allowance time to get there too.
    for _ in 0..200 {
        if verified.load(std::sync::atomic::Ordering::SeqCst) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
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
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
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
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
    fail(&t, "victim", A).await;
    fail(&t, "victim", A).await;
    assert_eq!(try_in(&t, "mallory", A, true).await, Ok(Some(())));
    fail(&t, "victim", A).await;
    assert!(is_429(&try_in(&t, "mallory", A, true).await));
}

#[tokio::test]
async fn a_username_over_150_characters_is_wrong_unverified_and_untracked() {
    let t = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
    let long = "a".repeat(MAX_USERNAME_CHARS + 1);
    for _ in 0..10 {
        let r = t
            .attempt(&long, A, async {
                panic!("verified a 151-character username")
            })
            .await;
        assert_eq!(r, Ok(None::<()>));
    }
    assert_eq!(t.tracked().await, 0);
    assert_eq!(try_in(&t, &"b".repeat(150), A, true).await, Ok(Some(())));
}

// Issue #10: keys used to be the usernames themselves, swept only at 100,000 entries.
#[tokio::test]
async fn a_hundred_thousand_distinct_usernames_leave_the_map_bounded() {
    // Scaled down from 100,000 (each failure is two database writes now): the same bound.
    let t =
        Throttle::new(LoginThrottle::new(10, Duration::from_secs(60)).with_max_keys(1_000)).await;
    for i in 0..1_500u32 {
        let addr = Some(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        let name = format!("{i:0>150}");
        fail(&t, &name, addr).await;
    }
    let tracked = t.tracked().await;
    assert!((900..=1_000).contains(&tracked), "{tracked} rows");
    assert_eq!(std::mem::size_of::<Key>(), 16);
}

#[tokio::test]
async fn a_dropped_attempt_gives_its_reservation_back() {
    let t = Throttle::new(LoginThrottle::new(1, Duration::from_secs(60))).await;
    let pending = t.attempt(
        "ann",
        A,
        std::future::pending::<Result<Option<()>, AppError>>(),
    );
    let _ = tokio::time::timeout(Duration::from_millis(10), pending).await;
    assert_eq!(try_in(&t, "ann", A, true).await, Ok(Some(())));
}

// Issue 13: two servers on one database (each its own `Db` handle and throttle, as two
// processes have) share the counts and the hash key.
#[tokio::test]
async fn failures_through_two_servers_count_together() {
    let one = Throttle::new(LoginThrottle::new(3, Duration::from_secs(60))).await;
    let two = Throttle {
        throttle: LoginThrottle::new(3, Duration::from_secs(60)),
        db: one._test_db.another().await,
        _test_db: one._test_db.clone(),
    };
    fail(&one, "ann", A).await;
    fail(&two, "ann", B).await;
    fail(&one, "ann", None).await;
    assert!(
        is_429(&try_in(&two, "ann", B, false).await),
        "locked on two"
    );
    assert!(
        is_429(&try_in(&one, "ann", A, false).await),
        "locked on one"
    );
    assert_eq!(try_in(&two, "ann", None, true).await, Ok(Some(())));
    assert_eq!(two.tracked().await, one.tracked().await);
}
