//! Server functions for the users admin pages and "change my password".

use leptos::prelude::*;

use crate::domain::user::User;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond, session};

/// A checkbox in a plain form is present ("on") when ticked and absent otherwise.
pub fn checked(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| v == "on" || v == "true" || v == "1")
}

#[server(prefix = "/sfn", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<User>, AppError> {
    respond(
        async { crate::service::users::list_users(&pool()?, &require_user().await?).await }.await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_user")]
pub async fn get_user(id: i64) -> Result<User, AppError> {
    respond(
        async { crate::service::users::view_user(&pool()?, &require_user().await?, id).await }
            .await,
    )
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    password: String,
    is_staff: Option<String>,
    is_superuser: Option<String>,
    is_active: Option<String>,
) -> Result<User, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let body = serde_json::json!({
                "username": username,
                "email": email,
                "first_name": first_name,
                "last_name": last_name,
                "password": password,
                "is_staff": checked(&is_staff),
                "is_superuser": checked(&is_superuser),
                "is_active": checked(&is_active),
            });
            let new = crate::service::users::NewUser::from_json(body.as_object().unwrap())?;
            crate::service::users::create_user(&pool()?, &actor, new).await
        }
        .await,
    )
}

#[allow(clippy::too_many_arguments)]
#[server(prefix = "/sfn", endpoint = "update_user")]
pub async fn update_user(
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
    is_staff: Option<String>,
    is_superuser: Option<String>,
    is_active: Option<String>,
) -> Result<User, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let changes = crate::service::users::UserChanges::parse(
                Some(email),
                Some(first_name),
                Some(last_name),
                Some(checked(&is_active)),
                Some(checked(&is_staff)),
                Some(checked(&is_superuser)),
            )?;
            crate::service::users::update_user(&pool()?, &actor, id, changes).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "set_user_password")]
pub async fn set_user_password(id: i64, password: String) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let pool = pool()?;
            crate::service::users::set_password(&pool, &actor, id, password).await?;
            if id == actor.id {
                crate::service::sessions::password_changed(&session().await?, &pool, id).await?;
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(
    old_password: String,
    new_password: String,
    confirm: String,
) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let pool = pool()?;
            crate::service::users::change_own_password(
                &pool,
                &super::context::throttle()?,
                super::context::client_addr(),
                &actor,
                old_password,
                new_password,
                confirm,
            )
            .await?;
            // This session stays signed in (with a new id); the user's others end.
            crate::service::sessions::password_changed(&session().await?, &pool, actor.id).await
        }
        .await,
    )
}
