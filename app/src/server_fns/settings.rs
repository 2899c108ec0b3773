//! Server functions for a user's own settings (the time zone; the password is in `users`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};

/// The settings form's data: the user's zone ("" for the browser's) and every known name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneChoices {
    pub time_zone: String,
    pub choices: Vec<String>,
}

#[server(prefix = "/sfn", endpoint = "time_zone_settings")]
pub async fn time_zone_settings() -> Result<TimeZoneChoices, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            Ok(TimeZoneChoices {
                time_zone: crate::service::time_zones::setting(&pool()?, actor.id).await?,
                choices: crate::service::time_zones::names()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            })
        }
        .await,
    )
}

/// Saves the user's zone and answers with it as stored ("" for the browser's).
#[server(prefix = "/sfn", endpoint = "set_time_zone")]
pub async fn set_time_zone(time_zone: String) -> Result<String, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::time_zones::set(&pool()?, &actor, &time_zone).await
        }
        .await,
    )
}

/// Whether the signed-in user gets notifications by mail.
#[server(prefix = "/sfn", endpoint = "email_notifications")]
pub async fn email_notifications() -> Result<bool, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::mail::notifications_enabled(&pool()?, actor.id).await
        }
        .await,
    )
}

/// Turns the signed-in user's own notifications on (`enabled` = true) or off (false).
#[server(prefix = "/sfn", endpoint = "set_email_notifications")]
pub async fn set_email_notifications(enabled: String) -> Result<bool, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::mail::set_notifications(&pool()?, &actor, &enabled).await
        }
        .await,
    )
}
