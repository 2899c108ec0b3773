//! Server functions for the superusers' webhook pages (`/admin/webhooks`). Forms send fields as
//! `f[name]`, with the subscribed event types as one text field (`f[events]`, separated by
//! commas or spaces); the same service functions as `/api/webhooks/` check and write them.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::domain::webhook::{Delivery, Webhook, WebhookWithSecret};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};

#[cfg(feature = "ssr")]
use super::admin::all_rows;

/// The form's fields as the API's JSON: `events` becomes a list.
#[cfg(feature = "ssr")]
fn body(f: BTreeMap<String, String>, bools: Option<String>) -> crate::domain::input::Body {
    use serde_json::Value;
    let mut body = super::tickets::form_body(f, bools);
    if let Some(Value::String(text)) = body.get("events").cloned() {
        let list: Vec<Value> = text
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
            .collect();
        body.insert("events".to_owned(), Value::Array(list));
    }
    body
}

#[server(prefix = "/sfn", endpoint = "list_webhooks")]
pub async fn list_webhooks() -> Result<Vec<Webhook>, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            let page = crate::service::webhooks::list(&pool, &actor, all_rows()).await?;
            Ok(page.items)
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_webhook")]
pub async fn get_webhook(id: i64) -> Result<Webhook, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::webhooks::get(&pool, &actor, id).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "create_webhook")]
pub async fn create_webhook(
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<WebhookWithSecret, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::webhooks::create(&pool, &actor, &body(f, bools)).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_webhook")]
pub async fn update_webhook(
    id: i64,
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<Webhook, AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            let (pool, actor) = (pool()?, require_user().await?);
            let body = body(f, bools);
            crate::service::webhooks::update(&pool, &actor, id, &body, WriteMode::Update).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::webhooks::delete(&pool, &actor, id).await?;
            leptos_axum::redirect("/admin/webhooks?deleted=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "rotate_webhook_secret")]
pub async fn rotate_webhook_secret(id: i64) -> Result<WebhookWithSecret, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::webhooks::rotate_secret(&pool, &actor, id).await
        }
        .await,
    )
}

/// The endpoint's most recent deliveries (up to a page), newest first.
#[server(prefix = "/sfn", endpoint = "list_webhook_deliveries")]
pub async fn list_webhook_deliveries(id: i64) -> Result<Vec<Delivery>, AppError> {
    respond(
        async {
            use crate::service::webhooks::deliveries;
            let (pool, actor) = (pool()?, require_user().await?);
            // The newest page (the API lists oldest first), newest first.
            let mut page = deliveries(&pool, &actor, id, all_rows()).await?;
            let size = all_rows().page_size;
            if page.count > size {
                let last = crate::domain::page::PageRequest {
                    page: page.count.div_ceil(size),
                    page_size: size,
                };
                page = deliveries(&pool, &actor, id, last).await?;
            }
            Ok(page.items.into_iter().rev().collect())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "redeliver_webhook")]
pub async fn redeliver_webhook(id: i64, delivery: i64) -> Result<Delivery, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::webhooks::redeliver(&pool, &actor, id, delivery).await
        }
        .await,
    )
}
