//! Users: the row type and lookups, with the jobs in their own files: creating (`create`),
//! checking and changing passwords (`passwords`) and a superuser's changes (`update`).

mod create;
mod passwords;
mod update;

pub use create::{NewUser, create_superuser, create_user, create_user_from_json};
pub use passwords::{authenticate, change_own_password, set_password, touch_last_login};
pub use update::{UserChanges, update_user};

use crate::service::db::Db;

use crate::domain::user::{CurrentUser, User};
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    is_staff: i64,
    is_superuser: i64,
    is_active: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            is_staff: r.is_staff != 0,
            is_superuser: r.is_superuser != 0,
            is_active: r.is_active != 0,
        }
    }
}

const USER_COLUMNS: &str =
    "id, username, email, first_name, last_name, is_staff, is_superuser, is_active";

/// One user by id.
///
/// # Errors
/// `NotFound` when there is no such user.
pub async fn get_user(pool: &Db, id: i64) -> Result<User, AppError> {
    get_user_and_hash(pool, id)
        .await?
        .map(|(user, _)| user)
        .ok_or(AppError::NotFound)
}

/// A user together with their password hash, in one query: the credential cache checks that
/// the hash is unchanged on every hit and then needs the user anyway. Remembered per database
/// (`Caches::users`) for the lookups every request makes; exact, see `cache`.
///
/// # Errors
/// `Internal` on a database failure; no such user is `Ok(None)`.
pub(crate) async fn get_user_and_hash(
    pool: &Db,
    id: i64,
) -> Result<Option<(User, String)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    pool.caches()
        .users
        .get_or_load(id, || async {
            Ok(sqlx::query_as::<_, Row>(&format!(
                "select {USER_COLUMNS}, password_hash from users where id = $1"
            ))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| (r.user.into(), r.password_hash)))
        })
        .await
}

/// Whether the database has no user at all (a fresh install, before the first admin).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn no_users_yet(pool: &Db) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("select id from users limit 1")
        .fetch_optional(pool)
        .await?
        .is_none())
}

/// Whether a user with this id exists (for foreign-key validation).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn user_exists(pool: &Db, id: i64) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar::<_, i64>("select id from users where id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

/// All users, by username; superusers only (the admin page).
///
/// # Errors
/// `Forbidden` for anyone else.
pub async fn list_users(pool: &Db, actor: &CurrentUser) -> Result<Vec<User>, AppError> {
    super::require_superuser(actor)?;
    let rows = sqlx::query_as::<_, UserRow>(&format!(
        "select {USER_COLUMNS} from users order by username"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One user for the admin pages: superusers may see anyone, others only themselves.
///
/// # Errors
/// `Forbidden` or `NotFound`.
pub async fn view_user(pool: &Db, actor: &CurrentUser, id: i64) -> Result<User, AppError> {
    if actor.id != id {
        super::require_superuser(actor)?;
    }
    get_user(pool, id).await
}

/// Staff users, for assignee pickers.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_staff(pool: &Db, actor: &CurrentUser) -> Result<Vec<User>, AppError> {
    super::require_staff(actor)?;
    pool.caches()
        .staff
        .get_or_load((), || async {
            let rows = sqlx::query_as::<_, UserRow>(&format!(
                "select {USER_COLUMNS} from users where is_staff = 1 and is_active = 1 \
                 order by username"
            ))
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
        .await
}

#[cfg(test)]
mod tests;
