//! Queues: where tickets are filed.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub email_address: Option<String>,
    pub allow_public_submission: bool,
    pub default_owner: Option<i64>,
    /// Addresses (comma-separated) copied on every new ticket (django-helpdesk's name).
    #[serde(default)]
    pub new_ticket_cc: Option<String>,
    /// Addresses (comma-separated) copied on every followup and change of a ticket.
    #[serde(default)]
    pub updated_ticket_cc: Option<String>,
}

use serde_json::Value;

use super::input::{self, Body, WriteMode};
use crate::error::ErrorBag;

/// A queue object as sent and the write it is for; not parsed yet (the service parses it
/// after checking the caller's permission).
#[derive(Debug, Clone)]
pub struct QueueInput {
    pub body: Body,
    pub mode: WriteMode,
}

impl QueueInput {
    pub fn from_json(body: &Body, mode: WriteMode) -> Self {
        Self {
            body: body.clone(),
            mode,
        }
    }
}

/// The values a queue object names that the service checks against the database: a slug
/// must be free, a default owner must exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueRefs {
    pub slug: Option<super::Slug>,
    pub default_owner: Option<i64>,
}

impl QueueRefs {
    /// The values in `body` that parse; one that does not is reported by the parser.
    pub fn read(body: &Body) -> Self {
        Self {
            slug: body
                .get("slug")
                .and_then(|v| super::Slug::parse(&input::as_text(v).ok()?).ok()),
            default_owner: body.get("default_owner").and_then(|v| input::as_pk(v).ok()),
        }
    }
}

/// A queue to create, valid by construction (the service checks the slug and the owner).
#[derive(Debug, Clone)]
pub struct NewQueue {
    pub title: String,
    pub slug: super::Slug,
    pub email_address: Option<super::Email>,
    pub allow_public_submission: bool,
    pub default_owner: Option<i64>,
    pub new_ticket_cc: Option<String>,
    pub updated_ticket_cc: Option<String>,
}

impl NewQueue {
    /// Parses a queue object for a POST. Unknown keys are ignored.
    ///
    /// # Errors
    /// Every bad or missing field, with DRF's messages.
    pub fn parse(body: &Body) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let f = Fields::read(body, WriteMode::Create, &mut errors);
        // A required field that did not parse has its error in `errors` already.
        let (Some(title), Some(slug)) = (f.title, f.slug) else {
            return Err(errors);
        };
        errors.check()?;
        Ok(Self {
            title,
            slug,
            email_address: f.email_address.flatten(),
            allow_public_submission: f.allow_public_submission.unwrap_or(false),
            default_owner: f.default_owner.flatten(),
            new_ticket_cc: f.new_ticket_cc.flatten(),
            updated_ticket_cc: f.updated_ticket_cc.flatten(),
        })
    }
}

/// A change to a queue (PUT or PATCH): `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct QueuePatch {
    pub title: Option<String>,
    pub slug: Option<super::Slug>,
    pub email_address: Option<Option<super::Email>>,
    pub allow_public_submission: Option<bool>,
    pub default_owner: Option<Option<i64>>,
    pub new_ticket_cc: Option<Option<String>>,
    pub updated_ticket_cc: Option<Option<String>>,
}

impl QueuePatch {
    /// Parses a queue object for a PUT (`Replace`: `title` and `slug` must be there) or a
    /// PATCH (`Update`). Unknown keys are ignored.
    ///
    /// # Errors
    /// Every bad field, with DRF's messages.
    pub fn parse(body: &Body, mode: WriteMode) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let f = Fields::read(body, mode, &mut errors);
        errors.check()?;
        Ok(Self {
            title: f.title,
            slug: f.slug,
            email_address: f.email_address,
            allow_public_submission: f.allow_public_submission,
            default_owner: f.default_owner,
            new_ticket_cc: f.new_ticket_cc,
            updated_ticket_cc: f.updated_ticket_cc,
        })
    }
}

/// Every field of a queue object, each `None` when not given or bad (its error recorded).
struct Fields {
    title: Option<String>,
    slug: Option<super::Slug>,
    email_address: Option<Option<super::Email>>,
    allow_public_submission: Option<bool>,
    default_owner: Option<Option<i64>>,
    new_ticket_cc: Option<Option<String>>,
    updated_ticket_cc: Option<Option<String>>,
}

/// A copy setting: email addresses separated by commas, each valid; blank means none.
/// Stored as "a@x.org, b@y.org".
pub fn parse_cc_list(raw: &str) -> Result<Option<String>, String> {
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let email = super::Email::parse(part).map_err(|_| {
            format!("Enter valid email addresses separated by commas: {part:?} is not one.")
        })?;
        out.push(email.into_inner());
    }
    if out.join(", ").chars().count() > 200 {
        return Err("Ensure this field has no more than 200 characters.".to_owned());
    }
    Ok((!out.is_empty()).then(|| out.join(", ")))
}

impl Fields {
    fn read(body: &Body, mode: WriteMode, errors: &mut ErrorBag) -> Self {
        let title = input::required(body, "title", mode, errors, input::text(Some(100), false));
        let slug = input::required(body, "slug", mode, errors, |v: &Value| {
            super::Slug::parse(&input::as_text(v)?)
        });
        let email_address = input::optional_nullable(body, "email_address", errors, |v| {
            super::Email::parse(&input::as_text(v)?)
        });
        let allow_public_submission =
            input::optional(body, "allow_public_submission", errors, input::boolean);
        let default_owner = input::optional_nullable(body, "default_owner", errors, input::as_pk);
        let cc = |name: &str, errors: &mut ErrorBag| {
            input::optional_nullable(body, name, errors, |v| parse_cc_list(&input::as_text(v)?))
                .map(Option::flatten)
        };
        let new_ticket_cc = cc("new_ticket_cc", errors);
        let updated_ticket_cc = cc("updated_ticket_cc", errors);
        Self {
            title,
            slug,
            email_address,
            allow_public_submission,
            default_owner,
            new_ticket_cc,
            updated_ticket_cc,
        }
    }
}
