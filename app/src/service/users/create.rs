//! Creating users: from the API's user object, by staff, and the first superuser.

use crate::service::db::Db;
use serde_json::Value;

use super::{USER_COLUMNS, UserRow};
use crate::domain::user::{CurrentUser, User, check_password, parse_username};
use crate::domain::{Email, REQUIRED, Timestamp};
use crate::error::{AppError, ErrorBag};
use crate::service::password::hash_password;

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
        // A required field that did not parse has its error in `errors` already.
        let (Some(username), Some(password)) = (username, password) else {
            return Err(errors.into());
        };
        errors.into_result()?;
        Ok(NewUser {
            username,
            email,
            first_name,
            last_name,
            password,
            is_staff,
            is_superuser,
            is_active,
        })
    }
}

impl NewUser {
    /// An active staff superuser, checked as a user object is (see `from_json`).
    ///
    /// # Errors
    /// `Validation` with every bad field.
    pub fn superuser(username: &str, email: &str, password: String) -> Result<Self, AppError> {
        let mut errors = ErrorBag::new();
        let username = errors.take("username", parse_username(username));
        errors.take("password", check_password(&password));
        let email = email.trim().to_owned();
        if !email.is_empty() {
            errors.take("email", Email::parse(&email));
        }
        // A username that did not parse has its error in `errors` already.
        let Some(username) = username else {
            return Err(errors.into());
        };
        errors.into_result()?;
        Ok(Self {
            username,
            email,
            first_name: String::new(),
            last_name: String::new(),
            password,
            is_staff: true,
            is_superuser: true,
            is_active: true,
        })
    }
}

async fn insert_user(pool: &Db, new: NewUser) -> Result<User, AppError> {
    let taken: Option<i64> = sqlx::query_scalar("select id from users where username = $1")
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
    // A write transaction, which also records an Idempotency-Key with it (`idempotency`).
    let mut tx = crate::service::db::begin_write(pool).await?;
    let result = sqlx::query_as::<_, UserRow>(&format!(
        "insert into users (username, email, first_name, last_name, password_hash, is_active, \
         is_staff, is_superuser, date_joined) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         returning {USER_COLUMNS}"
    ))
    .bind(&new.username)
    .bind(&new.email)
    .bind(&new.first_name)
    .bind(&new.last_name)
    .bind(&hash)
    .bind(i64::from(new.is_active))
    .bind(i64::from(new.is_staff))
    .bind(i64::from(new.is_superuser))
    .bind(Timestamp::now().to_db())
    .fetch_one(&mut *tx)
    .await;
    match result {
        Ok(row) => {
            crate::service::idempotency::created("users", row.id);
            tx.commit().await?;
            Ok(row.into())
        }
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
pub async fn create_user(pool: &Db, actor: &CurrentUser, new: NewUser) -> Result<User, AppError> {
    crate::service::require_staff(actor)?;
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
    pool: &Db,
    actor: &CurrentUser,
    body: &serde_json::Map<String, Value>,
) -> Result<User, AppError> {
    crate::service::require_staff(actor)?;
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
    pool: &Db,
    username: &str,
    email: &str,
    password: String,
) -> Result<User, AppError> {
    insert_user(pool, NewUser::superuser(username, email, password)?).await
}
