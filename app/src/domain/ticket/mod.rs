//! Tickets: the title, the ticket as the API shows it, and what the ticket pages read. The
//! input to create or change one is in `input`. Status and priority are in `status`, the list filter
//! in `filter`, the submitter's shapes in `submitter`, the edit form's values in `form`.

mod filter;
mod form;
mod input;
mod status;
mod submitter;

pub use super::followup::{
    DURATION_FORMAT_ERROR, FollowUp, FollowUpInput, FollowUpPatch, NewFollowUp, format_duration,
    parse_duration,
};
pub use filter::{MIN_SEARCH_CHARS, ORDERINGS, TicketFilter};
pub use form::{custom_form_value, edit_form_values};
pub use input::{CustomValue, NewTicket, QuickAction, TicketInput, TicketPatch, TicketRefs};
pub use status::{Priority, TicketStatus};
pub use submitter::{
    PublicQueue, PublicTicket, SubmitterAttachment, SubmitterFollowUp, SubmitterTicket,
    SubmitterTicketSummary,
};

use serde::{Deserialize, Serialize};

/// A ticket title: not blank, at most 200 characters (django-helpdesk's column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTitle(String);

impl TicketTitle {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, String> {
        // DRF trims whitespace before checking for blank.
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(crate::domain::NOT_BLANK.to_owned());
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "Ensure this field has no more than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for TicketTitle {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A ticket as the API shows it. `custom` holds one `custom_<name>` key per defined custom
/// field (null when unset), flattened into the object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: i64,
    pub queue: i64,
    pub title: String,
    pub description: String,
    pub resolution: Option<String>,
    pub submitter_email: Option<String>,
    pub assigned_to: Option<i64>,
    pub status: TicketStatus,
    pub on_hold: bool,
    pub priority: Priority,
    pub due_date: Option<crate::domain::Timestamp>,
    pub merged_to: Option<i64>,
    pub created: crate::domain::Timestamp,
    pub modified: crate::domain::Timestamp,
    pub followup_set: Vec<FollowUp>,
    #[serde(flatten)]
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
}

/// The prefix of a custom field's key in a ticket object.
pub const CUSTOM_PREFIX: &str = "custom_";

/// One recorded change of a ticket field, made by a followup (the audit trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChange {
    pub followup: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// A save that came too late (issue 11.1): the ticket changed after the form was drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditConflict {
    /// Who made the latest change, as people read their name.
    pub by: String,
    pub at: crate::domain::Timestamp,
    /// The ticket's version now, for the next save.
    pub version: i64,
    /// The form's fields that changed since it was drawn: value then and value now, as the
    /// form writes them (`followup` is 0).
    pub changed: Vec<TicketChange>,
    /// What the agent changed, to keep in the form (empty after a plain form post, whose
    /// draft waits in the session instead).
    pub yours: std::collections::BTreeMap<String, String>,
}

/// A ticket with its audit trail, for the ticket page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub changes: Vec<TicketChange>,
    /// The ticket's version (see `EditConflict`); not part of the API's ticket object.
    pub version: i64,
    /// The addresses copied on the ticket (a merge adds the merged ticket's submitter).
    pub cc: Vec<String>,
    /// Followup authors' names by user id (see `followups::author_names`).
    #[serde(default)]
    pub authors: std::collections::BTreeMap<i64, String>,
    /// Notifications about the ticket that the mail server refused (issue 15), oldest first.
    #[serde(default)]
    pub mail_failures: Vec<MailFailure>,
}

/// A notification that could not be delivered, as the ticket's timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFailure {
    /// The followup it was about.
    pub followup: Option<i64>,
    pub recipient: String,
    pub subject: String,
    /// The SMTP server's reply code, if it answered.
    pub code: Option<i64>,
    pub error: String,
    /// When it was last tried.
    pub at: Option<crate::domain::Timestamp>,
}

/// What the ticket forms and filters offer to choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketChoices {
    pub queues: Vec<crate::domain::queue::Queue>,
    pub staff: Vec<crate::domain::user::User>,
    pub custom_fields: Vec<crate::domain::custom_field::CustomField>,
}

/// Ticket counts for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCounts {
    /// (status, number of tickets), for every status.
    pub by_status: Vec<(TicketStatus, i64)>,
    /// Open or reopened tickets assigned to the asking user.
    pub mine_active: i64,
    /// Open or reopened tickets assigned to nobody.
    pub unassigned_active: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_ticket_object_reports_every_bad_field_at_once() {
        use crate::domain::custom_field::{CustomField, DataType};
        use crate::domain::input::WriteMode;
        let defs = [CustomField {
            id: 1,
            name: "a".into(),
            label: "A".into(),
            help_text: String::new(),
            data_type: DataType::Integer,
            max_length: None,
            decimal_places: None,
            list_values: String::new(),
            empty_selection_list: false,
            required: false,
            staff_only: false,
            ordering: None,
        }];
        let body = json!({"queue": "x", "priority": 9, "due_date": "soon", "on_hold": "maybe",
                          "submitter_email": "nope", "unknown": 1, "custom_a": 5});
        let err = crate::error::AppError::from(
            NewTicket::parse(body.as_object().unwrap(), &defs).unwrap_err(),
        );
        for f in [
            "queue",
            "title",
            "priority",
            "due_date",
            "on_hold",
            "submitter_email",
        ] {
            assert_eq!(err.field_messages(f).len(), 1, "{f}");
        }
        assert!(err.field_messages("unknown").is_empty());
        assert!(err.field_messages("custom_a").is_empty());
        // A defined custom field is kept, an unknown key is not.
        let body = json!({"unknown": 1, "custom_a": 5});
        let patch = TicketPatch::parse(body.as_object().unwrap(), WriteMode::Update, &defs);
        assert_eq!(patch.unwrap().custom.len(), 1);
    }

    #[test]
    fn empty_title_is_rejected() {
        assert_eq!(
            TicketTitle::parse("   ").unwrap_err(),
            "This field may not be blank."
        );
    }

    #[test]
    fn title_longer_than_200_characters_is_rejected_counting_characters_not_bytes() {
        assert!(TicketTitle::parse(&"é".repeat(200)).is_ok());
        assert!(TicketTitle::parse(&"a".repeat(201)).is_err());
        assert_eq!(
            TicketTitle::parse("  Printer  ").unwrap().as_ref(),
            "Printer"
        );
    }
}
