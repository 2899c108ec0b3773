//! The signed-in user's own tickets ("My tickets").

use leptos::prelude::*;

use crate::domain::page::Page;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::server_fns::context::{pool, require_user, respond};

/// "My tickets": the tickets the signed-in user submitted, newest first.
#[server(prefix = "/sfn", endpoint = "list_own_tickets")]
pub async fn list_own_tickets(
    page: Option<String>,
) -> Result<Page<crate::domain::ticket::SubmitterTicketSummary>, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let page = crate::domain::page::PageRequest::parse(page.as_deref(), None)?;
            let p = crate::service::tickets::list_for_submitter(&pool()?, &actor, page).await?;
            // Only what the page shows goes to the browser (issue 10.12).
            Ok(Page {
                count: p.count,
                request: p.request,
                items: p.items.into_iter().map(Into::into).collect(),
            })
        }
        .await,
    )
}

/// One of the signed-in user's own tickets, as they may see it.
#[server(prefix = "/sfn", endpoint = "get_own_ticket")]
pub async fn get_own_ticket(id: i64) -> Result<crate::domain::ticket::SubmitterTicket, AppError> {
    respond(
        async {
            crate::service::tickets::get_for_submitter(&pool()?, &require_user().await?, id).await
        }
        .await,
    )
}

/// A public comment by the ticket's submitter.
#[server(prefix = "/sfn", endpoint = "comment_own_ticket")]
pub async fn comment_own_ticket(id: i64, comment: String) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::tickets::comment_as_submitter(&pool()?, &actor, id, &comment).await
        }
        .await,
    )
}
