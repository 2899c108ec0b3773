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

/// Every row a list page shows: the first page at the largest size.
#[cfg(feature = "ssr")]
pub(crate) fn all_rows() -> crate::domain::page::PageRequest {
    crate::domain::page::PageRequest {
        page: 1,
        page_size: crate::domain::page::MAX_PAGE_SIZE,
    }
}

/// The five server functions of one kind of record: list, get, create, update, delete (which
/// then goes back to the list). The two kinds differ only in names: their record and input
/// types, their service module, their list page and their endpoints, which `#[server]` needs
/// written out as literals (so one generic function cannot serve both).
macro_rules! admin_server_fns {
    (
        record: $record:ty,
        input: $input:ty,
        service: $service:ident,
        list_page: $list_page:tt,
        $list:ident = $list_ep:tt,
        $get:ident = $get_ep:tt,
        $create:ident = $create_ep:tt,
        $update:ident = $update_ep:tt,
        $delete:ident = $delete_ep:tt $(,)?
    ) => {
        pub use $service::*;

        /// Its own module, so that each kind has its own `save`.
        mod $service {
            use super::*;

            #[server(prefix = "/sfn", endpoint = $list_ep)]
            pub async fn $list() -> Result<Vec<$record>, AppError> {
                respond(
                    async {
                        let (pool, actor) = (pool()?, require_user().await?);
                        let page =
                            crate::service::$service::list(&pool, &actor, all_rows()).await?;
                        Ok(page.items)
                    }
                    .await,
                )
            }

            #[server(prefix = "/sfn", endpoint = $get_ep)]
            pub async fn $get(id: i64) -> Result<$record, AppError> {
                respond(
                    async {
                        let (pool, actor) = (pool()?, require_user().await?);
                        crate::service::$service::get(&pool, &actor, id).await
                    }
                    .await,
                )
            }

            #[server(prefix = "/sfn", endpoint = $create_ep)]
            pub async fn $create(
                f: BTreeMap<String, String>,
                bools: Option<String>,
            ) -> Result<$record, AppError> {
                respond(save(None, f, bools).await)
            }

            #[server(prefix = "/sfn", endpoint = $update_ep)]
            pub async fn $update(
                id: i64,
                f: BTreeMap<String, String>,
                bools: Option<String>,
            ) -> Result<$record, AppError> {
                respond(save(Some(id), f, bools).await)
            }

            /// Creates a record, or with an id updates that one.
            #[cfg(feature = "ssr")]
            async fn save(
                id: Option<i64>,
                f: BTreeMap<String, String>,
                bools: Option<String>,
            ) -> Result<$record, AppError> {
                use crate::domain::input::WriteMode;
                let actor = require_user().await?;
                let mode = if id.is_some() {
                    WriteMode::Update
                } else {
                    WriteMode::Create
                };
                let input = <$input>::from_json(&form_body(f, bools), mode);
                match id {
                    None => crate::service::$service::create(&pool()?, &actor, input).await,
                    Some(id) => crate::service::$service::update(&pool()?, &actor, id, input).await,
                }
            }

            #[server(prefix = "/sfn", endpoint = $delete_ep)]
            pub async fn $delete(id: i64) -> Result<(), AppError> {
                respond(
                    async {
                        let (pool, actor) = (pool()?, require_user().await?);
                        crate::service::$service::delete(&pool, &actor, id).await?;
                        leptos_axum::redirect(concat!($list_page, "?deleted=1"));
                        Ok(())
                    }
                    .await,
                )
            }
        }
    };
}

admin_server_fns! {
    record: Queue, input: crate::domain::queue::QueueInput, service: queues,
    list_page: "/admin/queues", list_queues = "list_queues", get_queue = "get_queue",
    create_queue = "create_queue", update_queue = "update_queue", delete_queue = "delete_queue",
}

// Deleting a custom field also removes every ticket's value for it.
admin_server_fns! {
    record: CustomField, input: crate::domain::custom_field::CustomFieldInput,
    service: custom_fields, list_page: "/admin/custom-fields",
    list_custom_fields = "list_custom_fields", get_custom_field = "get_custom_field",
    create_custom_field = "create_custom_field", update_custom_field = "update_custom_field",
    delete_custom_field = "delete_custom_field",
}

// A queue's mailbox (issue 15), on the queue's edit page; superusers only. The answer never
// carries the password (`QueueMailbox` has no field for it).

#[server(prefix = "/sfn", endpoint = "get_queue_mailbox")]
pub async fn get_queue_mailbox(id: i64) -> Result<crate::domain::mailbox::QueueMailbox, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::mail::mailbox::get(&pool, &actor, id).await
        }
        .await,
    )
}

/// Saves the mailbox form (`f[name]` fields); an empty password keeps the stored one.
#[server(prefix = "/sfn", endpoint = "save_queue_mailbox")]
pub async fn save_queue_mailbox(
    id: i64,
    f: BTreeMap<String, String>,
) -> Result<crate::domain::mailbox::QueueMailbox, AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::mail::mailbox::save(&pool, &actor, id, &f).await
        }
        .await,
    )
}

#[server(prefix = "/sfn", endpoint = "remove_queue_mailbox")]
pub async fn remove_queue_mailbox(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let (pool, actor) = (pool()?, require_user().await?);
            crate::service::mail::mailbox::remove(&pool, &actor, id).await
        }
        .await,
    )
}
