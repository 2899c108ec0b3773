//! What the public portal (issue 15) shows people without an account: the queues that take
//! tickets from the public and the custom fields they may fill in.

use serde::{Deserialize, Serialize};

use crate::domain::custom_field::CustomField;

/// A queue open to public submission, as the portal's form lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalQueue {
    pub id: i64,
    pub title: String,
}

/// The choices of the `/submit` form: the public queues and the custom fields that are not
/// staff-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalChoices {
    pub queues: Vec<PortalQueue>,
    pub custom_fields: Vec<CustomField>,
}

/// The name of the honeypot input: hidden from people, filled by form-filling bots.
pub const HONEYPOT: &str = "homepage";

/// The address of a ticket for its submitter (the link in every mail).
pub fn view_path(id: i64, key: &str) -> String {
    format!("/view/{id}?key={key}")
}
