//! Server functions for the superusers' queue and custom field pages. Forms send their fields
//! as `f[name]`; they are parsed by the same parsers as the REST API and handed to one service
//! function each (which checks that the actor is a superuser).

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::domain::custom_field::CustomField;
use crate::domain::queue::Queue;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};
#[cfg(feature = "ssr")]
use super::tickets::form_body;

#[cfg(feature = "ssr")]
fn all_rows() -> crate::domain::page::PageRequest {
    crate::domain::page::PageRequest {
        page: 1,
        page_size: crate::domain::page::MAX_PAGE_SIZE,
    }
}

#[server(prefix = "/sfn", endpoint = "list_queues")]
pub async fn list_queues() -> Result<Vec<Queue>, AppError> {
    respond(
        async {
            let page =
                crate::service::queues::list(&pool()?, &require_user().await?, all_rows()).await?;
            Ok(page.items)
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_queue")]
pub async fn get_queue(id: i64) -> Result<Queue, AppError> {
    respond(async { crate::service::queues::get(&pool()?, &require_user().await?, id).await }.await)
}

#[server(prefix = "/sfn", endpoint = "create_queue")]
pub async fn create_queue(
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<Queue, AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            use crate::domain::queue::QueueInput;
            let actor = require_user().await?;
            let input = QueueInput::from_json(&form_body(f, bools), WriteMode::Create);
            crate::service::queues::create(&pool()?, &actor, input).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_queue")]
pub async fn update_queue(
    id: i64,
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<Queue, AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            use crate::domain::queue::QueueInput;
            let actor = require_user().await?;
            let input = QueueInput::from_json(&form_body(f, bools), WriteMode::Update);
            crate::service::queues::update(&pool()?, &actor, id, input).await
        }
        .await,
    )
}

/// Deletes an empty queue, then goes to the list.
#[server(prefix = "/sfn", endpoint = "delete_queue")]
pub async fn delete_queue(id: i64) -> Result<(), AppError> {
    respond(
        async {
            crate::service::queues::delete(&pool()?, &require_user().await?, id).await?;
            leptos_axum::redirect("/admin/queues?deleted=1");
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "list_custom_fields")]
pub async fn list_custom_fields() -> Result<Vec<CustomField>, AppError> {
    respond(
        async {
            let page =
                crate::service::custom_fields::list(&pool()?, &require_user().await?, all_rows())
                    .await?;
            Ok(page.items)
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "get_custom_field")]
pub async fn get_custom_field(id: i64) -> Result<CustomField, AppError> {
    respond(
        async { crate::service::custom_fields::get(&pool()?, &require_user().await?, id).await }
            .await,
    )
}

#[server(prefix = "/sfn", endpoint = "create_custom_field")]
pub async fn create_custom_field(
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<CustomField, AppError> {
    respond(
        async {
            use crate::domain::custom_field::CustomFieldInput;
            use crate::domain::input::WriteMode;
            let actor = require_user().await?;
            let input = CustomFieldInput::from_json(&form_body(f, bools), WriteMode::Create);
            crate::service::custom_fields::create(&pool()?, &actor, input).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "update_custom_field")]
pub async fn update_custom_field(
    id: i64,
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> Result<CustomField, AppError> {
    respond(
        async {
            use crate::domain::custom_field::CustomFieldInput;
            use crate::domain::input::WriteMode;
            let actor = require_user().await?;
            let input = CustomFieldInput::from_json(&form_body(f, bools), WriteMode::Update);
            crate::service::custom_fields::update(&pool()?, &actor, id, input).await
        }
        .await,
    )
}

/// Deletes a custom field and every ticket's value for it, then goes to the list.
#[server(prefix = "/sfn", endpoint = "delete_custom_field")]
pub async fn delete_custom_field(id: i64) -> Result<(), AppError> {
    respond(
        async {
            crate::service::custom_fields::delete(&pool()?, &require_user().await?, id).await?;
            leptos_axum::redirect("/admin/custom-fields?deleted=1");
            Ok(())
        }
        .await,
    )
}
