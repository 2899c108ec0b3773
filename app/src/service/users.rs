//! Users: creation, lookup and credential checks.

use serde_json::Value;
use sqlx::SqlitePool;

use super::password::{hash_password, verify_password};
use crate::domain::user::{CurrentUser, User, check_password, parse_username};
use crate::domain::{Email, REQUIRED, Timestamp};
use crate::error::{AppError, ErrorBag};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    is_staff: bool,
    is_superuser: bool,
    is_active: bool,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            username: r.username,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            is_staff: r.is_staff,
            is_superuser: r.is_superuser,
            is_active: r.is_active,
        }
    }
}

const USER_COLUMNS: &str =
    "id, username, email, first_name, last_name, is_staff, is_superuser, is_active";

/// A user to create, parsed and checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
}

fn opt_str(body: &serde_json::Map<String, Value>, key: &str, errors: &mut ErrorBag) -> String {
    match body.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => {
            errors.add(key, "Not a valid string.");
            String::new()
        }
    }
}

fn opt_bool(
    body: &serde_json::Map<String, Value>,
    key: &str,
    default: bool,
    errors: &mut ErrorBag,
) -> bool {
    match body.get(key) {
        None => default,
        Some(v) => match crate::domain::parse_bool(v) {
            Ok(b) => b,
            Err(m) => {
                errors.add(key, m);
                default
            }
        },
    }
}

impl NewUser {
    /// Parses the API's and the admin form's user object, collecting every field error.
    ///
    /// # Errors
    /// `Validation` with one key per bad field.
    pub fn from_json(body: &serde_json::Map<String, Value>) -> Result<Self, AppError> {
        let mut errors = ErrorBag::new();
        let username = match body.get("username") {
            None => {
                errors.add("username", REQUIRED);
                None
            }
            Some(Value::String(s)) => errors.take("username", parse_username(s)),
            Some(_) => {
                errors.add("username", "Not a valid string.");
                None
            }
        };
        let password = match body.get("password") {
            None => {
                errors.add("password", REQUIRED);
                None
            }
            Some(Value::String(s)) => errors
                .take("password", check_password(s))
                .map(|_| s.clone()),
            Some(_) => {
                errors.add("password", "Not a valid string.");
                None
            }
        };
        let email = opt_str(body, "email", &mut errors);
        if !email.is_empty() {
            errors.take("email", Email::parse(&email));
        }
        let first_name = opt_str(body, "first_name", &mut errors);
        let last_name = opt_str(body, "last_name", &mut errors);
        for (k, v) in [("first_name", &first_name), ("last_name", &last_name)] {
            if v.chars().count() > 150 {
                errors.add(k, "Ensure this field has no more than 150 characters.");
            }
        }
        let is_staff = opt_bool(body, "is_staff", false, &mut errors);
        let is_superuser = opt_bool(body, "is_superuser", false, &mut errors);
        let is_active = opt_bool(body, "is_active", true, &mut errors);
        errors.into_result()?;
        Ok(NewUser {
            username: username.unwrap_or_default(),
            email,
            first_name,
            last_name,
            password: password.unwrap_or_default(),
            is_staff,
            is_superuser,
            is_active,
        })
    }
}

async fn insert_user(pool: &SqlitePool, new: NewUser) -> Result<User, AppError> {
    let taken: Option<i64> = sqlx::query_scalar("select id from users where username = ?")
        .bind(&new.username)
        .fetch_optional(pool)
        .await?;
    if taken.is_some() {
        return Err(AppError::field(
            "username",
            "A user with that username already exists.",
        ));
    }
    let hash = hash_password(new.password).await?;
    let result = sqlx::query_as::<_, UserRow>(&format!(
        "insert into users (username, email, first_name, last_name, password_hash, is_active, \
         is_staff, is_superuser, date_joined) values (?, ?, ?, ?, ?, ?, ?, ?, ?) \
         returning {USER_COLUMNS}"
    ))
    .bind(&new.username)
    .bind(&new.email)
    .bind(&new.first_name)
    .bind(&new.last_name)
    .bind(&hash)
    .bind(new.is_active)
    .bind(new.is_staff)
    .bind(new.is_superuser)
    .bind(Timestamp::now().to_db())
    .fetch_one(pool)
    .await;
    super::cache::committed();
    match result {
        Ok(row) => Ok(row.into()),
        // Two requests raced for the same name: the unique index decides.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::field(
            "username",
            "A user with that username already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Creates a user on behalf of `actor`: staff may create plain users, only superusers may
/// create staff or superusers.
///
/// # Errors
/// `Forbidden`, or `Validation` when the username is taken.
#[tracing::instrument(skip(pool, new), fields(username = %new.username))]
pub async fn create_user(
    pool: &SqlitePool,
    actor: &CurrentUser,
    new: NewUser,
) -> Result<User, AppError> {
    super::require_staff(actor)?;
    if (new.is_staff || new.is_superuser) && !actor.is_superuser {
        return Err(AppError::Forbidden(
            "Only a superuser may create staff users or superusers.".to_owned(),
        ));
    }
    insert_user(pool, new).await
}

/// Creates a user from the API's user object: the permission check comes before the body's
/// field errors, so a non-staff caller learns nothing about the rules.
///
/// # Errors
/// `Forbidden`, or `Validation` with every bad field (or a taken username).
pub async fn create_user_from_json(
    pool: &SqlitePool,
    actor: &CurrentUser,
    body: &serde_json::Map<String, Value>,
) -> Result<User, AppError> {
    super::require_staff(actor)?;
    let new = NewUser::from_json(body)?;
    create_user(pool, actor, new).await
}

/// Creates an active staff superuser; for the `createsuperuser` command, which runs with the
/// operator's authority rather than a user's.
///
/// # Errors
/// `Validation` when the username is taken or a field is invalid.
#[tracing::instrument(skip(pool, password))]
pub async fn create_superuser(
    pool: &SqlitePool,
    username: &str,
    email: &str,
    password: String,
) -> Result<User, AppError> {
    let mut body = serde_json::Map::new();
    body.insert("username".into(), Value::String(username.to_owned()));
    body.insert("email".into(), Value::String(email.to_owned()));
    body.insert("password".into(), Value::String(password));
    body.insert("is_staff".into(), Value::Bool(true));
    body.insert("is_superuser".into(), Value::Bool(true));
    insert_user(pool, NewUser::from_json(&body)?).await
}

/// Checks a username and password. Inactive users never authenticate. Costs one argon2
/// verification whether or not the user exists.
///
/// # Errors
/// `Internal` on a database failure; wrong credentials are `Ok(None)`.
#[tracing::instrument(skip(pool, password))]
pub async fn authenticate(
    pool: &SqlitePool,
    username: &str,
    password: &str,
) -> Result<Option<User>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Creds {
        id: i64,
        password_hash: String,
        is_active: bool,
    }
    let creds = sqlx::query_as::<_, Creds>(
        "select id, password_hash, is_active from users where username = ?",
    )
    .bind(username)
    .fetch_optional(pool)
    .await?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    if !verify_password(hash, password.to_owned()).await {
        return Ok(None);
    }
    match creds {
        Some(c) if c.is_active => get_user(pool, c.id).await.map(Some),
        _ => Ok(None),
    }
}

/// Records a successful interactive sign-in.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn touch_last_login(pool: &SqlitePool, id: i64) -> Result<(), AppError> {
    sqlx::query("update users set last_login = ? where id = ?")
        .bind(Timestamp::now().to_db())
        .bind(id)
        .execute(pool)
        .await?;
    super::cache::committed();
    Ok(())
}

/// One user by id.
///
/// # Errors
/// `NotFound` when there is no such user.
pub async fn get_user(pool: &SqlitePool, id: i64) -> Result<User, AppError> {
    get_user_and_hash(pool, id)
        .await?
        .map(|(user, _)| user)
        .ok_or(AppError::NotFound)
}

/// Users by id as last read, for the lookups every request makes (the session's user, a
/// remembered Basic-auth header's user); exact, see `cache`.
static USERS: super::cache::VersionedCache<(String, i64), Option<(User, String)>> =
    super::cache::VersionedCache::new(1024);

/// A user together with their password hash, in one query: the credential cache checks that
/// the hash is unchanged on every hit and then needs the user anyway.
///
/// # Errors
/// `Internal` on a database failure; no such user is `Ok(None)`.
pub(crate) async fn get_user_and_hash(
    pool: &SqlitePool,
    id: i64,
) -> Result<Option<(User, String)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    USERS
        .get_or_load((super::cache::database_key(pool), id), || async {
            Ok(sqlx::query_as::<_, Row>(&format!(
                "select {USER_COLUMNS}, password_hash from users where id = ?"
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
pub async fn no_users_yet(pool: &SqlitePool) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar::<_, i64>("select id from users limit 1")
        .fetch_optional(pool)
        .await?
        .is_none())
}

/// Whether a user with this id exists (for foreign-key validation).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn user_exists(pool: &SqlitePool, id: i64) -> Result<bool, AppError> {
    Ok(
        sqlx::query_scalar::<_, i64>("select id from users where id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?
            .is_some(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Median time of `n` sign-in attempts.
    async fn median_attempt(pool: &SqlitePool, username: &str, n: usize) -> std::time::Duration {
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

    #[sqlx::test(migrations = "../migrations")]
    async fn an_unknown_username_costs_as_much_as_a_wrong_password(pool: SqlitePool) {
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

    #[sqlx::test(migrations = "../migrations")]
    async fn a_created_superuser_authenticates_and_a_wrong_password_does_not(pool: SqlitePool) {
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

    #[sqlx::test(migrations = "../migrations")]
    async fn a_taken_username_is_a_field_error(pool: SqlitePool) {
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

    #[sqlx::test(migrations = "../migrations")]
    async fn staff_cannot_create_superusers(pool: SqlitePool) {
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
}

/// All users, by username; superusers only (the admin page).
///
/// # Errors
/// `Forbidden` for anyone else.
pub async fn list_users(pool: &SqlitePool, actor: &CurrentUser) -> Result<Vec<User>, AppError> {
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
pub async fn view_user(pool: &SqlitePool, actor: &CurrentUser, id: i64) -> Result<User, AppError> {
    if actor.id != id {
        super::require_superuser(actor)?;
    }
    get_user(pool, id).await
}

/// Staff users, for assignee pickers.
///
/// # Errors
/// `Forbidden` for non-staff.
pub async fn list_staff(pool: &SqlitePool, actor: &CurrentUser) -> Result<Vec<User>, AppError> {
    super::require_staff(actor)?;
    static STAFF: super::cache::VersionedCache<String, Vec<User>> =
        super::cache::VersionedCache::new(64);
    STAFF
        .get_or_load(super::cache::database_key(pool), || async {
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

/// Changes of a user's profile and flags made by a superuser; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
}

impl UserChanges {
    /// # Errors
    /// `Validation` for a malformed email or an over-long name.
    pub fn parse(
        email: Option<String>,
        first_name: Option<String>,
        last_name: Option<String>,
        is_active: Option<bool>,
        is_staff: Option<bool>,
        is_superuser: Option<bool>,
    ) -> Result<Self, AppError> {
        let mut errors = ErrorBag::new();
        let email = email.map(|e| e.trim().to_owned());
        if let Some(e) = email.as_deref().filter(|e| !e.is_empty()) {
            errors.take("email", Email::parse(e));
        }
        let names = [("first_name", &first_name), ("last_name", &last_name)];
        for (k, v) in names {
            if v.as_deref().is_some_and(|v| v.trim().chars().count() > 150) {
                errors.add(k, "Ensure this field has no more than 150 characters.");
            }
        }
        errors.into_result()?;
        Ok(Self {
            email,
            first_name: first_name.map(|s| s.trim().to_owned()),
            last_name: last_name.map(|s| s.trim().to_owned()),
            is_active,
            is_staff,
            is_superuser,
        })
    }
}

/// Updates a user; superusers only. A superuser cannot deactivate or demote themselves, so
/// the site always keeps someone who can administer it.
///
/// # Errors
/// `Forbidden`, `NotFound`, or `Validation`.
#[tracing::instrument(skip(pool, changes))]
pub async fn update_user(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    changes: UserChanges,
) -> Result<User, AppError> {
    super::require_superuser(actor)?;
    let current = get_user(pool, id).await?;
    if id == actor.id && (changes.is_active == Some(false) || changes.is_superuser == Some(false)) {
        return Err(AppError::field(
            "is_superuser",
            "You cannot deactivate or demote your own account.",
        ));
    }
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "update users set email = ?, first_name = ?, last_name = ?, is_active = ?, \
         is_staff = ?, is_superuser = ? where id = ? returning {USER_COLUMNS}"
    ))
    .bind(changes.email.unwrap_or(current.email))
    .bind(changes.first_name.unwrap_or(current.first_name))
    .bind(changes.last_name.unwrap_or(current.last_name))
    .bind(changes.is_active.unwrap_or(current.is_active))
    .bind(changes.is_staff.unwrap_or(current.is_staff))
    .bind(changes.is_superuser.unwrap_or(current.is_superuser))
    .bind(id)
    .fetch_one(pool)
    .await;
    super::cache::committed();
    let row = row?;
    Ok(row.into())
}

/// Sets a new password for any user; superusers only.
///
/// # Errors
/// `Forbidden`, `NotFound`, or `Validation` for a weak password.
#[tracing::instrument(skip(pool, password))]
pub async fn set_password(
    pool: &SqlitePool,
    actor: &CurrentUser,
    id: i64,
    password: String,
) -> Result<(), AppError> {
    super::require_superuser(actor)?;
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
    pool: &SqlitePool,
    throttle: &super::throttle::LoginThrottle,
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
        .attempt(&actor.username, addr, async {
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

async fn store_password(pool: &SqlitePool, id: i64, password: String) -> Result<(), AppError> {
    let hash = hash_password(password).await?;
    sqlx::query("update users set password_hash = ? where id = ?")
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await?;
    super::cache::committed();
    Ok(())
}
