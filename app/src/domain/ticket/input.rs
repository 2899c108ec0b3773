//! A ticket object as sent, and the two things it can be parsed into: a `NewTicket` (POST)
//! or a `TicketPatch` (PUT, PATCH). Parsing reports every bad field at once; the rows the
//! object refers to (`TicketRefs`) are checked by the service, whose errors join these.

use serde_json::Value;

use super::{Priority, TicketStatus, TicketTitle};
use crate::domain::custom_field::CustomField;
use crate::domain::input::{self, Body, WriteMode, as_text};
use crate::domain::{Email, REQUIRED, Timestamp};
use crate::error::ErrorBag;

/// A ticket object as sent (JSON, or a form's text parts) and the write it is for. Not
/// parsed yet: the service parses it, after checking the caller's permission, with the
/// custom field definitions (`NewTicket::parse`, `TicketPatch::parse`).
#[derive(Debug, Clone)]
pub struct TicketInput {
    pub body: Body,
    pub mode: WriteMode,
}

impl TicketInput {
    pub fn from_json(body: &Body, mode: WriteMode) -> Self {
        Self {
            body: body.clone(),
            mode,
        }
    }
}

/// One custom field's value to store: the field's id, its key in a ticket object, and the
/// value's canonical text (`None`: unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomValue {
    pub field: i64,
    pub key: String,
    pub value: Option<String>,
}

/// The rows a ticket object names, for the service to check that they exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketRefs {
    pub queue: Option<i64>,
    pub assigned_to: Option<i64>,
    pub merged_to: Option<i64>,
}

impl TicketRefs {
    /// The ids in `body` that read as ids; a field that does not is reported by the parser.
    pub fn read(body: &Body) -> Self {
        let id = |key: &str| body.get(key).and_then(|v| input::as_pk(v).ok());
        Self {
            queue: id("queue"),
            assigned_to: id("assigned_to"),
            merged_to: id("merged_to"),
        }
    }
}

/// A ticket to open, valid by construction (the rows it names are checked by the service).
/// A new ticket is always open: `status`, `resolution`, `on_hold` and `merged_to` are checked
/// but not kept, as in django-helpdesk.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub queue: i64,
    pub title: TicketTitle,
    pub description: String,
    pub submitter_email: Option<Email>,
    pub assigned_to: Option<i64>,
    pub priority: Priority,
    pub due_date: Option<Timestamp>,
    pub custom: Vec<CustomValue>,
}

impl NewTicket {
    /// Parses a ticket object for a POST. Unknown keys are ignored.
    ///
    /// # Errors
    /// Every bad or missing field, with DRF's messages.
    pub fn parse(body: &Body, defs: &[CustomField]) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let f = Fields::read(body, WriteMode::Create, defs, &mut errors);
        // A required field that did not parse has its error in `errors` already.
        let (Some(queue), Some(title)) = (f.queue, f.title) else {
            return Err(errors);
        };
        errors.check()?;
        Ok(Self {
            queue,
            title,
            description: f.description.unwrap_or_default(),
            submitter_email: f.submitter_email.flatten(),
            assigned_to: f.assigned_to.flatten(),
            priority: f.priority.unwrap_or_default(),
            due_date: f.due_date.flatten(),
            custom: f.custom,
        })
    }

    pub fn refs(&self) -> TicketRefs {
        TicketRefs {
            queue: Some(self.queue),
            assigned_to: self.assigned_to,
            merged_to: None,
        }
    }
}

/// A change to a ticket, valid by construction: `None` leaves a field as it is,
/// `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub queue: Option<i64>,
    pub title: Option<TicketTitle>,
    pub description: Option<String>,
    pub resolution: Option<Option<String>>,
    pub submitter_email: Option<Option<Email>>,
    pub assigned_to: Option<Option<i64>>,
    pub status: Option<TicketStatus>,
    pub on_hold: Option<bool>,
    pub priority: Option<Priority>,
    pub due_date: Option<Option<Timestamp>>,
    pub merged_to: Option<Option<i64>>,
    pub custom: Vec<CustomValue>,
}

impl TicketPatch {
    /// Parses a ticket object for a PUT (`Replace`: `queue` and `title` must be there) or a
    /// PATCH (`Update`). Unknown keys are ignored.
    ///
    /// # Errors
    /// Every bad field, with DRF's messages.
    pub fn parse(body: &Body, mode: WriteMode, defs: &[CustomField]) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let f = Fields::read(body, mode, defs, &mut errors);
        errors.check()?;
        Ok(Self {
            queue: f.queue,
            title: f.title,
            description: f.description,
            resolution: f.resolution,
            submitter_email: f.submitter_email,
            assigned_to: f.assigned_to,
            status: f.status,
            on_hold: f.on_hold,
            priority: f.priority,
            due_date: f.due_date,
            merged_to: f.merged_to,
            custom: f.custom,
        })
    }

    /// A resolution as the quick action's form sends it: trimmed, empty for none.
    ///
    /// # Errors
    /// The message for an over-long text.
    pub fn parse_resolution(raw: &str) -> Result<Option<String>, String> {
        input::nullable(&Value::String(raw.to_owned()), long_text())
    }

    /// A ticket number as a form sends it (empty for none).
    ///
    /// # Errors
    /// DRF's message for a value that is not an id.
    pub fn parse_ticket_ref(raw: &str) -> Result<Option<i64>, String> {
        input::nullable(&Value::String(raw.to_owned()), input::as_pk)
    }

    pub fn refs(&self) -> TicketRefs {
        TicketRefs {
            queue: self.queue,
            assigned_to: self.assigned_to.flatten(),
            merged_to: self.merged_to.flatten(),
        }
    }
}

/// Free text as a ticket stores it: trimmed, blank allowed, at most `MAX_TEXT_CHARS`.
fn long_text() -> impl Fn(&Value) -> Result<String, String> {
    input::text(Some(crate::domain::MAX_TEXT_CHARS), true)
}

/// Every field of a ticket object, each `None` when not given or bad (its error recorded).
struct Fields {
    queue: Option<i64>,
    title: Option<TicketTitle>,
    description: Option<String>,
    resolution: Option<Option<String>>,
    submitter_email: Option<Option<Email>>,
    assigned_to: Option<Option<i64>>,
    status: Option<TicketStatus>,
    on_hold: Option<bool>,
    priority: Option<Priority>,
    due_date: Option<Option<Timestamp>>,
    merged_to: Option<Option<i64>>,
    custom: Vec<CustomValue>,
}

impl Fields {
    fn read(body: &Body, mode: WriteMode, defs: &[CustomField], errors: &mut ErrorBag) -> Self {
        let queue = input::required(body, "queue", mode, errors, input::as_pk);
        let title = input::required(body, "title", mode, errors, |v| {
            TicketTitle::parse(&as_text(v)?)
        });
        let description = input::optional_nullable(body, "description", errors, long_text())
            .map(Option::unwrap_or_default);
        let resolution = input::optional_nullable(body, "resolution", errors, long_text());
        let submitter_email = input::optional_nullable(body, "submitter_email", errors, |v| {
            Email::parse(&as_text(v)?)
        });
        let assigned_to = input::optional_nullable(body, "assigned_to", errors, input::as_pk);
        let status = input::optional(body, "status", errors, TicketStatus::parse_json);
        let on_hold = input::optional(body, "on_hold", errors, input::boolean);
        let priority = input::optional(body, "priority", errors, Priority::parse_json);
        let due_date = input::optional_nullable(body, "due_date", errors, |v| match v {
            Value::String(s) => Timestamp::parse(s),
            _ => Err(crate::domain::datetime::DATETIME_FORMAT_ERROR.to_owned()),
        });
        let merged_to = input::optional_nullable(body, "merged_to", errors, input::as_pk);
        let custom = custom_values(body, mode, defs, errors);
        Self {
            queue,
            title,
            description,
            resolution,
            submitter_email,
            assigned_to,
            status,
            on_hold,
            priority,
            due_date,
            merged_to,
            custom,
        }
    }
}

/// The `custom_<name>` values of `body` for the defined fields (others are ignored), each
/// checked for its field's data type; a required field must be there when creating.
fn custom_values(
    body: &Body,
    mode: WriteMode,
    defs: &[CustomField],
    errors: &mut ErrorBag,
) -> Vec<CustomValue> {
    let mut values = Vec::new();
    for d in defs {
        let key = d.key();
        match body.get(&key) {
            Some(raw) => {
                if let Some(value) = errors.take(&key, d.validate_value(raw)) {
                    values.push(CustomValue {
                        field: d.id,
                        key,
                        value,
                    });
                }
            }
            None if d.required && mode == WriteMode::Create => errors.add(&key, REQUIRED),
            None => {}
        }
    }
    values
}

/// A one-click action of the ticket page, each a change recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuickAction {
    AssignTo(i64),
    Hold,
    Unhold,
    /// Resolve, with the resolution as typed.
    Resolve(String),
    Close,
    Reopen,
    /// Merge into the ticket whose number was typed; the ticket becomes a duplicate.
    Merge(String),
}

impl QuickAction {
    /// The change this action makes.
    ///
    /// # Errors
    /// The field error for an over-long resolution or a merge target that is no number.
    pub fn patch(self) -> Result<TicketPatch, ErrorBag> {
        let mut errors = ErrorBag::new();
        let patch = match self {
            QuickAction::AssignTo(user) => TicketPatch {
                assigned_to: Some(Some(user)),
                ..TicketPatch::default()
            },
            QuickAction::Hold | QuickAction::Unhold => TicketPatch {
                on_hold: Some(self == QuickAction::Hold),
                ..TicketPatch::default()
            },
            QuickAction::Resolve(raw) => TicketPatch {
                status: Some(TicketStatus::Resolved),
                resolution: errors.take("resolution", TicketPatch::parse_resolution(&raw)),
                ..TicketPatch::default()
            },
            QuickAction::Close => TicketPatch {
                status: Some(TicketStatus::Closed),
                ..TicketPatch::default()
            },
            QuickAction::Reopen => TicketPatch {
                status: Some(TicketStatus::Reopened),
                ..TicketPatch::default()
            },
            QuickAction::Merge(raw) => TicketPatch {
                merged_to: errors.take("merged_to", TicketPatch::parse_ticket_ref(&raw)),
                status: Some(TicketStatus::Duplicate),
                ..TicketPatch::default()
            },
        };
        errors.check().map(|()| patch)
    }
}
