//! The mail outbox as superusers see it (issue 15).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// One notification in the outbox (never its body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub ticket: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub message_id: String,
    /// pending, sent or failed.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<Timestamp>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_error: String,
    pub smtp_code: Option<i64>,
    pub sent_at: Option<Timestamp>,
    pub created: Option<Timestamp>,
}

/// One page of the outbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub messages: Vec<OutboxMessage>,
    /// Messages with the chosen status.
    pub count: i64,
    pub page: i64,
    pub per_page: i64,
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    /// Whether this server sends mail (`HELPDESK_SMTP_URL` is set).
    pub sending: bool,
}

/// What the dashboard tells superusers about mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailState {
    pub sending: bool,
    pub pending: i64,
    pub failed: i64,
}
