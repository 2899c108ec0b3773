//! Server functions for the ticket pages: list, read and the dashboard counts here; create
//! and change (`write`), quick and bulk actions and delete (`actions`), the staff reply
//! (`reply`) and the submitter's own tickets (`own`). Each one turns form fields into the same
//! JSON-shaped body the REST API parses, and calls one function of `service::tickets` or
//! `service::followups`.

mod actions;
mod own;
mod reply;
mod write;

pub use actions::*;
pub use own::*;
pub use reply::*;
pub use write::*;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::page::Page;
use crate::domain::ticket::{Ticket, TicketChoices, TicketCounts, TicketDetail};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{pool, require_user, respond};

/// The ticket list's filters, sort and page, exactly as they stand in the URL query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Status numbers; several may be chosen.
    pub status: Vec<String>,
    pub queue: String,
    /// A user id, `me` or `unassigned`.
    pub assigned_to: String,
    pub priority: String,
    pub q: String,
    pub ordering: String,
    pub page: String,
    pub page_size: String,
}

/// Percent-encodes a query value.
pub fn encode(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ListQuery {
    pub fn from_params(p: &leptos_router::params::ParamsMap) -> Self {
        let one = |k: &str| p.get(k).unwrap_or_default();
        Self {
            status: p
                .get_all("status")
                .unwrap_or_default()
                .into_iter()
                .flat_map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect(),
            queue: one("queue"),
            assigned_to: one("assigned_to"),
            priority: one("priority"),
            q: one("q"),
            ordering: one("ordering"),
            page: one("page"),
            page_size: one("page_size"),
        }
    }

    /// `?…` for a link to this view (empty values left out).
    pub fn href(&self) -> String {
        let mut parts: Vec<String> = self
            .status
            .iter()
            .map(|s| format!("status={}", encode(s)))
            .collect();
        for (k, v) in [
            ("queue", &self.queue),
            ("assigned_to", &self.assigned_to),
            ("priority", &self.priority),
            ("q", &self.q),
            ("ordering", &self.ordering),
            ("page", &self.page),
            ("page_size", &self.page_size),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(v)));
            }
        }
        if parts.is_empty() {
            "/tickets".to_owned()
        } else {
            format!("/tickets?{}", parts.join("&"))
        }
    }

    /// The same view sorted by `ordering`, from the first page.
    pub fn sorted(&self, ordering: &str) -> Self {
        Self {
            ordering: ordering.to_owned(),
            page: String::new(),
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: u64) -> Self {
        Self {
            page: page.to_string(),
            ..self.clone()
        }
    }
}

/// A page of tickets, and the server's clock (to mark overdue tickets the same way on the
/// server and in the browser).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub page: Page<Ticket>,
    pub now: crate::domain::Timestamp,
}

/// A page of tickets for the list.
#[server(prefix = "/sfn", endpoint = "list_tickets")]
pub async fn list_tickets(query: ListQuery) -> Result<TicketPage, AppError> {
    respond(
        async {
            use crate::domain::page::PageRequest;
            use crate::domain::ticket::TicketFilter;
            let actor = require_user().await?;
            let mut pairs = Vec::new();
            if !query.status.is_empty() {
                pairs.push(("status".to_owned(), query.status.join(",")));
            }
            let assigned = match query.assigned_to.as_str() {
                "me" => actor.id.to_string(),
                "unassigned" => String::new(),
                other => other.to_owned(),
            };
            for (k, v) in [
                ("queue", query.queue),
                ("assigned_to", assigned),
                ("priority", query.priority),
                ("q", query.q),
                ("ordering", query.ordering),
            ] {
                pairs.push((k.to_owned(), v));
            }
            let mut filter = TicketFilter::from_query(&pairs);
            filter.unassigned = query.assigned_to == "unassigned";
            let page = PageRequest::parse(Some(&query.page), Some(&query.page_size))?;
            let page =
                crate::service::tickets::list_summaries(&pool()?, &actor, &filter, page).await?;
            Ok(TicketPage {
                page,
                now: crate::domain::Timestamp::now(),
            })
        }
        .await,
    )
}

/// Queues, staff and custom fields for forms and filters.
#[server(prefix = "/sfn", endpoint = "ticket_choices")]
pub async fn get_ticket_choices() -> Result<TicketChoices, AppError> {
    respond(
        async { crate::service::tickets::choices(&pool()?, &require_user().await?).await }.await,
    )
}

/// One ticket with its audit trail.
#[server(prefix = "/sfn", endpoint = "get_ticket")]
pub async fn get_ticket(id: i64) -> Result<TicketDetail, AppError> {
    respond(
        async { crate::service::tickets::detail(&pool()?, &require_user().await?, id).await }.await,
    )
}

/// The dashboard's counts.
#[server(prefix = "/sfn", endpoint = "ticket_counts")]
pub async fn get_ticket_counts() -> Result<TicketCounts, AppError> {
    respond(async { crate::service::tickets::counts(&pool()?, &require_user().await?).await }.await)
}
