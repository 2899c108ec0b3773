//! Creating users and checking their passwords.

use super::*;
use crate::service::db::Db;

/// Median time of `n` sign-in attempts.
async fn median_attempt(pool: &Db, username: &str, n: usize) -> std::time::Duration {
    let mut times = Vec::new();
    for _ in 0..n {
        let start = std::time::Instant::now();
        assert!(
            authenticate(pool, username, "wrong-password")
                .await
                .unwrap()
                .is_none()
        );
        times.push(start.elapsed());
    }
    times.sort();
    times[n / 2]
}

#[tokio::test]
async fn an_unknown_username_costs_as_much_as_a_wrong_password() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    create_superuser(&pool, "ann", "", "right-password".into())
        .await
        .unwrap();
    // Interleaved, so that load on the machine falls on both alike.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..3 {
        known.push(median_attempt(&pool, "ann", 3).await);
        unknown.push(median_attempt(&pool, "nobody-by-that-name", 3).await);
    }
    let (k, u) = (
        known.iter().min().unwrap().as_secs_f64(),
        unknown.iter().min().unwrap().as_secs_f64(),
    );
    // Without the fallback hash an unknown name answers in microseconds, not milliseconds.
    assert!(
        u > k * 0.5 && u < k * 2.0,
        "wrong password {k:.4}s, unknown user {u:.4}s"
    );
}

#[tokio::test]
async fn a_created_superuser_authenticates_and_a_wrong_password_does_not() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let u = create_superuser(&pool, "admin", "admin@example.com", "s3cret-pass".into())
        .await
        .unwrap();
    assert!(u.is_staff && u.is_superuser && u.is_active);
    let ok = authenticate(&pool, "admin", "s3cret-pass").await.unwrap();
    assert_eq!(ok.map(|u| u.id), Some(u.id));
    assert!(
        authenticate(&pool, "admin", "wrong-pass")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        authenticate(&pool, "nobody", "s3cret-pass")
            .await
            .unwrap()
            .is_none()
    );
    let stored: String = sqlx::query_scalar("select password_hash from users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"));
}

#[tokio::test]
async fn a_taken_username_is_a_field_error() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    create_superuser(&pool, "admin", "", "s3cret-pass".into())
        .await
        .unwrap();
    let err = create_superuser(&pool, "admin", "", "other-pass".into())
        .await
        .unwrap_err();
    assert_eq!(
        err.field_messages("username"),
        vec!["A user with that username already exists."]
    );
}

#[tokio::test]
async fn staff_cannot_create_superusers() {
    let test_db = crate::service::db::testing::db().await;
    let pool = test_db.db.clone();
    let admin = create_superuser(&pool, "admin", "", "s3cret-pass".into())
        .await
        .unwrap();
    let mut body = serde_json::Map::new();
    body.insert("username".into(), "agent".into());
    body.insert("password".into(), "agent-pass".into());
    body.insert("is_staff".into(), true.into());
    let agent = create_user(&pool, &admin, NewUser::from_json(&body).unwrap())
        .await
        .unwrap();
    body.insert("username".into(), "boss".into());
    body.insert("is_superuser".into(), true.into());
    let err = create_user(&pool, &agent, NewUser::from_json(&body).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), 403);
}
