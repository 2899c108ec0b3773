//! Tickets in the shapes their submitter may see: the API's public shape and the "My
//! tickets" pages.

use serde::{Deserialize, Serialize};

use super::TicketStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicTicket {
    /// `"<id> [<queue-slug>-<id>]"`.
    pub ticket: String,
    pub id: i64,
    pub title: String,
    pub queue: PublicQueue,
    pub status: TicketStatus,
    pub created: crate::domain::Timestamp,
    pub due_date: Option<crate::domain::Timestamp>,
    pub submitter: Option<String>,
    pub secret_key: String,
}

/// A ticket as its submitter sees it on their own pages (issue 10.12). Only what a submitter
/// may know goes into this type, because everything a page loads is sent to the browser in
/// the hydration data: no assignee, priority, due date, merge, time spent, internal followups,
/// staff-only custom fields or user ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitterTicket {
    pub id: i64,
    pub title: String,
    /// The queue's title.
    pub queue: String,
    pub status: TicketStatus,
    pub created: crate::domain::Timestamp,
    pub resolution: Option<String>,
    /// The public followups, oldest first.
    pub followups: Vec<SubmitterFollowUp>,
}

/// A public followup as the submitter sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterFollowUp {
    pub id: i64,
    pub title: Option<String>,
    pub comment: Option<String>,
    pub date: crate::domain::Timestamp,
    /// Who wrote it, as the submitter may know them: "You", an agent's name, or none.
    pub author: Option<String>,
    /// Written by the customer without an account (the portal, a mail), not by a user.
    #[serde(default)]
    pub by_customer: bool,
    /// The status this followup set, if it changed it.
    pub new_status: Option<TicketStatus>,
    pub attachments: Vec<SubmitterAttachment>,
}

/// A file of a public followup, which its submitter may download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterAttachment {
    pub id: i64,
    pub filename: String,
    pub size: i64,
}

/// One row of the submitter's "My tickets" list (the API's `PublicTicket` keeps
/// django-helpdesk's shape; the page needs less).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitterTicketSummary {
    pub id: i64,
    pub title: String,
    pub queue: String,
    pub status: TicketStatus,
    pub created: crate::domain::Timestamp,
}

impl From<PublicTicket> for SubmitterTicketSummary {
    fn from(t: PublicTicket) -> Self {
        Self {
            id: t.id,
            title: t.title,
            queue: t.queue.title,
            status: t.status,
            created: t.created,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicQueue {
    pub id: i64,
    pub title: String,
}
