//! Shared domain types and their parsers. Compiled for the server and the browser, so a form
//! can give the same feedback the server will. Nothing here touches the database.

pub mod attachment;
pub mod custom_field;
pub mod datetime;
pub mod email;
pub mod followup;
pub mod input;
pub mod mail;
pub mod mail_ignore;
pub mod mailbox;
pub mod page;
pub mod portal;
pub mod queue;
pub mod quoted;
pub mod slug;
pub mod ticket;
pub mod user;
pub mod webhook;

pub use datetime::Timestamp;
pub use email::Email;
pub use slug::Slug;
pub use ticket::{Priority, TicketStatus, TicketTitle};

/// Django REST framework's message for a missing required field.
pub const REQUIRED: &str = "This field is required.";
/// Django REST framework's message for a required field that is null.
pub const NOT_NULL: &str = "This field may not be null.";
/// Django REST framework's message for an empty string.
pub const NOT_BLANK: &str = "This field may not be blank.";

/// The longest free text (a description, resolution or comment) we store: generous for people,
/// small enough that one request cannot fill the database with a single field.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// DRF's message for a foreign key that names no row.
pub fn invalid_pk(raw: impl std::fmt::Display) -> String {
    format!("Invalid pk \"{raw}\" - object does not exist.")
}

/// Parses a boolean as DRF's BooleanField does: JSON booleans, 0/1 and the usual words.
pub fn parse_bool(raw: &serde_json::Value) -> Result<bool, String> {
    use serde_json::Value;
    match raw {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => Ok(true),
            "false" | "0" | "no" | "off" | "f" | "n" | "" => Ok(false),
            _ => Err("Must be a valid boolean.".to_owned()),
        },
        _ => Err("Must be a valid boolean.".to_owned()),
    }
}
