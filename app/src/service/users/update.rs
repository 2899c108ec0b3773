//! A superuser's changes to a user's profile and flags.

use crate::service::db::Db;

use super::{USER_COLUMNS, UserRow, get_user};
use crate::domain::Email;
use crate::domain::user::{CurrentUser, User};
use crate::error::{AppError, ErrorBag};

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
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    changes: UserChanges,
) -> Result<User, AppError> {
    crate::service::require_superuser(actor)?;
    let current = get_user(pool, id).await?;
    if id == actor.id && (changes.is_active == Some(false) || changes.is_superuser == Some(false)) {
        return Err(AppError::field(
            "is_superuser",
            "You cannot deactivate or demote your own account.",
        ));
    }
    let row = sqlx::query_as::<_, UserRow>(&format!(
        "update users set email = $1, first_name = $2, last_name = $3, is_active = $4, \
         is_staff = $5, is_superuser = $6 where id = $7 returning {USER_COLUMNS}"
    ))
    .bind(changes.email.unwrap_or(current.email))
    .bind(changes.first_name.unwrap_or(current.first_name))
    .bind(changes.last_name.unwrap_or(current.last_name))
    .bind(i64::from(changes.is_active.unwrap_or(current.is_active)))
    .bind(i64::from(changes.is_staff.unwrap_or(current.is_staff)))
    .bind(i64::from(
        changes.is_superuser.unwrap_or(current.is_superuser),
    ))
    .bind(id)
    .fetch_one(pool)
    .await;
    pool.committed();
    let row = row?;
    Ok(row.into())
}
