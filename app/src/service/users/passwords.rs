//! Passwords: checking them at sign-in, and setting or changing them.

use crate::service::db::Db;

use super::get_user;
use crate::domain::Timestamp;
use crate::domain::user::{CurrentUser, User, check_password};
use crate::error::{AppError, ErrorBag};
use crate::service::password::{hash_password, verify_password};

/// Checks a username and password. Inactive users never authenticate. Costs one argon2
/// verification whether or not the user exists.
///
/// # Errors
/// `Internal` on a database failure; wrong credentials are `Ok(None)`.
#[tracing::instrument(skip(pool, password))]
pub async fn authenticate(
    pool: &Db,
    username: &str,
    password: &str,
) -> Result<Option<User>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Creds {
        id: i64,
        password_hash: String,
        is_active: i64,
    }
    let creds = sqlx::query_as::<_, Creds>(
        "select id, password_hash, is_active from users where username = $1",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    if !verify_password(hash, password.to_owned()).await {
        return Ok(None);
    }
    match creds {
        Some(c) if c.is_active != 0 => get_user(pool, c.id).await.map(Some),
        _ => Ok(None),
    }
}

/// Records a successful interactive sign-in.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn touch_last_login(pool: &Db, id: i64) -> Result<(), AppError> {
    sqlx::query("update users set last_login = $1 where id = $2")
        .bind(Timestamp::now().to_db())
        .bind(id)
        .execute(pool)
        .await?;
    pool.committed();
    Ok(())
}

/// Sets a new password for any user; superusers only.
///
/// # Errors
/// `Forbidden`, `NotFound`, or `Validation` for a weak password.
#[tracing::instrument(skip(pool, password))]
pub async fn set_password(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    password: String,
) -> Result<(), AppError> {
    crate::service::require_superuser(actor)?;
    check_password(&password).map_err(|m| AppError::field("password", m))?;
    get_user(pool, id).await?;
    store_password(pool, id, password).await
}

/// Changes the caller's own password after checking the current one. The new password's
/// rules are checked first, before any argon2 work; checking the old password is a sign-in
/// attempt under `throttle`, so the form cannot be used to guess passwords faster than the
/// sign-in page.
///
/// # Errors
/// `Validation` when the new password is weak, the two new ones differ or the current
/// password is wrong; `TooManyRequests` while the throttle refuses attempts.
#[tracing::instrument(skip(pool, throttle, old_password, new_password, confirm))]
pub async fn change_own_password(
    pool: &Db,
    throttle: &crate::service::throttle::LoginThrottle,
    addr: Option<std::net::IpAddr>,
    actor: &CurrentUser,
    old_password: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    let mut errors = ErrorBag::new();
    errors.take("new_password", check_password(&new_password));
    if new_password != confirm {
        errors.add("confirm", "The two password fields didn’t match.");
    }
    errors.into_result()?;
    let verified = throttle
        .attempt(pool, &actor.username, addr, async {
            Ok(authenticate(pool, &actor.username, &old_password)
                .await?
                .filter(|u| u.id == actor.id))
        })
        .await?;
    if verified.is_none() {
        return Err(AppError::field(
            "old_password",
            "Your old password was entered incorrectly. Please enter it again.",
        ));
    }
    store_password(pool, actor.id, new_password).await
}

async fn store_password(pool: &Db, id: i64, password: String) -> Result<(), AppError> {
    let hash = hash_password(password).await?;
    sqlx::query("update users set password_hash = $1 where id = $2")
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await?;
    pool.committed();
    Ok(())
}
