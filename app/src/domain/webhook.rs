//! Webhook endpoints (issue 14.4): where the helpdesk POSTs each change-feed event, signed
//! as Standard Webhooks specifies. The parsers here check the shape of what a superuser sends;
//! whether a URL's host may be reached is the service's check (it needs DNS).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{self, Body, WriteMode};
use crate::error::ErrorBag;

/// Every event type of the change feed, as an endpoint subscribes to them.
pub const EVENT_TYPES: [&str; 8] = [
    "ticket.created",
    "ticket.updated",
    "ticket.deleted",
    "followup.created",
    "followup.updated",
    "followup.deleted",
    "attachment.created",
    "attachment.deleted",
];

/// An endpoint as the API and the admin page show it. The secret is shown in full only in the
/// answer that created or rotated it (`WebhookWithSecret`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub description: String,
    /// Why the server turned it off: "" (it did not), "gone" (410) or "failing" (3 days).
    pub disabled_reason: String,
    /// The secret's first characters, to tell secrets apart.
    pub secret_hint: String,
    pub created: String,
}

/// The answer to a creation or a rotation: the endpoint and its whole secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

/// One delivery of one event to one endpoint, with its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub endpoint: i64,
    pub event: i64,
    pub event_type: String,
    pub attempts: i64,
    /// "pending", "delivered" or "failed" (given up).
    pub state: String,
    pub status_code: Option<i64>,
    pub error: String,
    pub latency_ms: Option<i64>,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

/// The fields of an endpoint a superuser writes; `None` leaves one as it is (PATCH).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
    pub description: Option<String>,
}

impl WebhookPatch {
    /// Parses an endpoint object: `url` and `events` are required to create or replace.
    ///
    /// # Errors
    /// Every bad or missing field.
    pub fn parse(body: &Body, mode: WriteMode) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let url = input::required(body, "url", mode, &mut errors, parse_url);
        let events = input::required(body, "events", mode, &mut errors, parse_events);
        let active = input::optional(body, "active", &mut errors, input::boolean);
        let description = input::optional(
            body,
            "description",
            &mut errors,
            input::text(Some(200), true),
        );
        errors.check()?;
        Ok(Self {
            url,
            events,
            active,
            description,
        })
    }
}

/// An `http://` or `https://` URL with a host, at most 2,000 characters.
pub fn parse_url(v: &Value) -> Result<String, String> {
    let raw = input::as_text(v)?.trim().to_owned();
    if raw.is_empty() {
        return Err(super::NOT_BLANK.to_owned());
    }
    if raw.len() > 2000 {
        return Err("Ensure this field has no more than 2000 characters.".to_owned());
    }
    let parsed = http::Uri::try_from(raw.as_str()).map_err(|_| "Enter a valid URL.".to_owned())?;
    match parsed.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err("Enter an http:// or https:// URL.".to_owned()),
    }
    let host = parsed.host().unwrap_or_default();
    if host.is_empty() || parsed.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("Enter a valid URL (a host, and no user name or password).".to_owned());
    }
    Ok(raw)
}

/// A non-empty list of known event types, or `["*"]`.
pub fn parse_events(v: &Value) -> Result<Vec<String>, String> {
    let Value::Array(items) = v else {
        return Err(format!(
            "Expected a list of event types, or [\"*\"], but got {}.",
            input::type_name(v)
        ));
    };
    if items.is_empty() {
        return Err("Name at least one event type, or \"*\" for all.".to_owned());
    }
    let mut out = Vec::new();
    for item in items {
        let Value::String(name) = item else {
            return Err("Each event type is a string.".to_owned());
        };
        if name != "*" && !EVENT_TYPES.contains(&name.as_str()) {
            return Err(format!(
                "\"{name}\" is not an event type; use one of {} or \"*\".",
                EVENT_TYPES.join(", ")
            ));
        }
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    if out.len() > 1 && out.iter().any(|e| e == "*") {
        return Err("\"*\" already means every type: send it alone.".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_must_be_http_with_a_host_and_no_credentials() {
        assert!(parse_url(&json!("https://example.com/hook")).is_ok());
        assert!(parse_url(&json!("http://127.0.0.1:9000/x")).is_ok());
        for bad in [
            "ftp://example.com",
            "example.com",
            "https://",
            "http://u:p@example.com/",
        ] {
            assert!(parse_url(&json!(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn events_are_known_types_or_a_lone_star() {
        assert_eq!(parse_events(&json!(["*"])).unwrap(), vec!["*"]);
        assert_eq!(
            parse_events(&json!(["ticket.created", "ticket.created"])).unwrap(),
            vec!["ticket.created"]
        );
        assert!(parse_events(&json!([])).is_err());
        assert!(parse_events(&json!(["ticket.exploded"])).is_err());
        assert!(parse_events(&json!(["*", "ticket.created"])).is_err());
        assert!(parse_events(&json!("ticket.created")).is_err());
    }
}
