//! Server functions for the superusers' mail ignore list page (`/admin/mail-ignore`): the
//! same service functions as `/api/mail-ignore/` check and write.

use leptos::prelude::*;

use crate::domain::mail_ignore::IgnoredSender;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};

#[server(prefix = "/sfn", endpoint = "list_mail_ignore")]
pub async fn list_mail_ignore() -> Result<Vec<IgnoredSender>, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            let all = super::admin::all_rows();
            Ok(crate::service::mail::ignore::list(&pool, &actor, all)
                .await?
                .items)
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "add_mail_ignore")]
pub async fn add_mail_ignore(pattern: String, note: String) -> Result<IgnoredSender, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            let mut body = crate::domain::input::Body::new();
            body.insert("pattern".to_owned(), pattern.into());
            body.insert("note".to_owned(), note.into());
            crate::service::mail::ignore::add(&pool, &actor, &body).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "delete_mail_ignore")]
pub async fn delete_mail_ignore(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::mail::ignore::delete(&pool, &actor, id).await
        }
        .await,
    )
}
