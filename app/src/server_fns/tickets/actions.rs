//! The ticket page's quick actions, delete, and the list's bulk actions.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::server_fns::context::{media_root, pool, require_user, respond};

/// The ticket page's one-click actions, each a change recorded in the audit trail:
/// `assign_me`, `hold`, `unhold`, `resolve` (with `resolution`), `close`, `reopen`, and
/// `merge` (into ticket `target`, which marks this one a duplicate).
#[server(prefix = "/sfn", endpoint = "ticket_action")]
pub async fn ticket_action(
    id: i64,
    action: String,
    resolution: Option<String>,
    target: Option<String>,
) -> Result<(), AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            use crate::domain::ticket::TicketInput;
            use serde_json::json;
            let actor = require_user().await?;
            let body = match action.as_str() {
                "assign_me" => json!({ "assigned_to": actor.id }),
                "hold" => json!({ "on_hold": true }),
                "unhold" => json!({ "on_hold": false }),
                "resolve" => json!({ "status": 3, "resolution": resolution.unwrap_or_default() }),
                "close" => json!({ "status": 4 }),
                "reopen" => json!({ "status": 2 }),
                "merge" => json!({ "merged_to": target.unwrap_or_default(), "status": 5 }),
                _ => return Err(AppError::BadRequest("Unknown action.".to_owned())),
            };
            let body = body.as_object().cloned().unwrap_or_default();
            let input = TicketInput::from_json(&body, WriteMode::Update);
            crate::service::tickets::update(&pool()?, &actor, id, input).await?;
            Ok(())
        }
        .await,
    )
}

/// Deletes a ticket (after the confirmation page), then goes to the list.
#[server(prefix = "/sfn", endpoint = "delete_ticket")]
pub async fn delete_ticket(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::tickets::delete(&pool()?, &actor, &media_root()?, id).await?;
            leptos_axum::redirect(&format!("/tickets?deleted={id}"));
            Ok(())
        }
        .await,
    )
}

/// Bulk actions on the ticket list: `sel` holds the ticked rows (`sel[<id>]=on`), `action` is
/// `assign:me`, `assign:none`, `assign:<user id>`, `status:<n>` or `delete` (which needs
/// `confirm` ticked).
#[server(prefix = "/sfn", endpoint = "bulk_tickets")]
pub async fn bulk_tickets(
    sel: Option<BTreeMap<String, String>>,
    action: String,
    confirm: Option<String>,
) -> Result<usize, AppError> {
    respond(
        async {
            use crate::domain::ticket::TicketStatus;
            use crate::service::tickets::BulkAction;
            let actor = require_user().await?;
            let ids: Vec<i64> = sel
                .unwrap_or_default()
                .keys()
                .filter_map(|k| k.parse().ok())
                .collect();
            if ids.is_empty() {
                return Err(AppError::field("sel", "Select at least one ticket."));
            }
            let invalid = || AppError::field("action", "Choose an action.");
            let action = match action.split_once(':') {
                None if action == "delete" => {
                    if !crate::server_fns::users::checked(&confirm) {
                        return Err(AppError::field(
                            "confirm",
                            "Tick the box to confirm the deletion.",
                        ));
                    }
                    BulkAction::Delete
                }
                Some(("assign", "me")) => BulkAction::Assign(Some(actor.id)),
                Some(("assign", "none")) => BulkAction::Assign(None),
                Some(("assign", id)) => {
                    BulkAction::Assign(Some(id.parse().map_err(|_| invalid())?))
                }
                Some(("status", s)) => {
                    BulkAction::SetStatus(TicketStatus::parse(s).map_err(|_| invalid())?)
                }
                _ => return Err(invalid()),
            };
            crate::service::tickets::bulk(&pool()?, &actor, &media_root()?, &ids, action).await
        }
        .await,
    )
}
