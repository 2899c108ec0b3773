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
}

use serde_json::Value;

use super::input::{self, Body, WriteMode};
use crate::error::ErrorBag;

/// A queue to create or change, parsed; `None` fields were not given. Whether the slug is
/// free and the default owner exists is checked by the service, which adds to `errors`.
#[derive(Debug)]
pub struct QueueInput {
    pub mode: WriteMode,
    pub title: Option<String>,
    pub slug: Option<super::Slug>,
    pub email_address: Option<Option<super::Email>>,
    pub allow_public_submission: Option<bool>,
    pub default_owner: Option<Option<i64>>,
    /// Field errors found while parsing; the service adds its own and fails if any.
    pub errors: ErrorBag,
}

impl QueueInput {
    pub fn from_json(body: &Body, mode: WriteMode) -> Self {
        let mut errors = ErrorBag::new();
        let title = input::required(
            body,
            "title",
            mode,
            &mut errors,
            input::text(Some(100), false),
        );
        let slug = input::required(body, "slug", mode, &mut errors, |v: &Value| {
            super::Slug::parse(&input::as_text(v)?)
        });
        let email_address = input::optional_nullable(body, "email_address", &mut errors, |v| {
            super::Email::parse(&input::as_text(v)?)
        });
        let allow_public_submission =
            input::optional(body, "allow_public_submission", &mut errors, input::boolean);
        let default_owner =
            input::optional_nullable(body, "default_owner", &mut errors, input::as_pk);
        Self {
            mode,
            title,
            slug,
            email_address,
            allow_public_submission,
            default_owner,
            errors,
        }
    }
}
