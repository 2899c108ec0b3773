//! Ticket status, priority and title.

use serde::{Deserialize, Serialize};

/// Parses a choice sent as a JSON number or a string of digits, as DRF's ChoiceField accepts.
fn parse_choice(raw: &serde_json::Value, valid: impl Fn(i64) -> bool) -> Result<i64, String> {
    let shown = match raw {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let n = match raw {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if valid(n) => Ok(n),
        _ => Err(format!("\"{shown}\" is not a valid choice.")),
    }
}

/// OPEN=1 REOPENED=2 RESOLVED=3 CLOSED=4 DUPLICATE=5, as django-helpdesk numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "i64", try_from = "i64")]
pub enum TicketStatus {
    Open = 1,
    Reopened = 2,
    Resolved = 3,
    Closed = 4,
    Duplicate = 5,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::Open,
        TicketStatus::Reopened,
        TicketStatus::Resolved,
        TicketStatus::Closed,
        TicketStatus::Duplicate,
    ];

    pub fn from_i64(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as i64 == n)
    }

    /// Parses a status from JSON (`1` or `"1"`).
    pub fn parse_json(raw: &serde_json::Value) -> Result<Self, String> {
        parse_choice(raw, |n| Self::from_i64(n).is_some()).map(|n| Self::from_i64(n).unwrap())
    }

    /// Parses a status typed in a form or a query string.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_json(&serde_json::Value::String(raw.to_owned()))
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Open => "Open",
            TicketStatus::Reopened => "Reopened",
            TicketStatus::Resolved => "Resolved",
            TicketStatus::Closed => "Closed",
            TicketStatus::Duplicate => "Duplicate",
        }
    }

    /// Open and reopened tickets still need work.
    pub fn is_active(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::Reopened)
    }
}

impl From<TicketStatus> for i64 {
    fn from(s: TicketStatus) -> i64 {
        s as i64
    }
}

impl TryFrom<i64> for TicketStatus {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        Self::from_i64(n).ok_or_else(|| format!("\"{n}\" is not a valid choice."))
    }
}

/// 1 Critical .. 5 Very Low; 3 (Normal) by default.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(into = "i64", try_from = "i64")]
pub enum Priority {
    Critical = 1,
    High = 2,
    #[default]
    Normal = 3,
    Low = 4,
    VeryLow = 5,
}

impl Priority {
    pub const ALL: [Priority; 5] = [
        Priority::Critical,
        Priority::High,
        Priority::Normal,
        Priority::Low,
        Priority::VeryLow,
    ];

    pub fn from_i64(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| *p as i64 == n)
    }

    pub fn parse_json(raw: &serde_json::Value) -> Result<Self, String> {
        parse_choice(raw, |n| Self::from_i64(n).is_some()).map(|n| Self::from_i64(n).unwrap())
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_json(&serde_json::Value::String(raw.to_owned()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Critical => "1. Critical",
            Priority::High => "2. High",
            Priority::Normal => "3. Normal",
            Priority::Low => "4. Low",
            Priority::VeryLow => "5. Very Low",
        }
    }
}

impl From<Priority> for i64 {
    fn from(p: Priority) -> i64 {
        p as i64
    }
}

impl TryFrom<i64> for Priority {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        Self::from_i64(n).ok_or_else(|| format!("\"{n}\" is not a valid choice."))
    }
}

/// A ticket title: not blank, at most 200 characters (django-helpdesk's column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTitle(String);

impl TicketTitle {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, String> {
        // DRF trims whitespace before checking for blank.
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(super::NOT_BLANK.to_owned());
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

/// A followup as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub id: i64,
    pub ticket: i64,
    pub user: Option<i64>,
    pub title: Option<String>,
    pub comment: Option<String>,
    pub public: bool,
    pub new_status: Option<TicketStatus>,
    /// "HH:MM:SS".
    pub time_spent: Option<String>,
    pub date: super::Timestamp,
    pub message_id: Option<String>,
    pub followupattachment_set: Vec<super::attachment::Attachment>,
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
    pub due_date: Option<super::Timestamp>,
    pub merged_to: Option<i64>,
    pub created: super::Timestamp,
    pub modified: super::Timestamp,
    pub followup_set: Vec<FollowUp>,
    #[serde(flatten)]
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A ticket as its submitter sees it in "my tickets" (django-helpdesk's public shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicTicket {
    /// `"<id> [<queue-slug>-<id>]"`.
    pub ticket: String,
    pub id: i64,
    pub title: String,
    pub queue: PublicQueue,
    pub status: TicketStatus,
    pub created: super::Timestamp,
    pub due_date: Option<super::Timestamp>,
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
    pub created: super::Timestamp,
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
    pub date: super::Timestamp,
    /// Who wrote it, as the submitter may know them: "You", an agent's name, or none.
    pub author: Option<String>,
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
    pub created: super::Timestamp,
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

/// The prefix of a custom field's key in a ticket object.
pub const CUSTOM_PREFIX: &str = "custom_";

/// A ticket to create or change, parsed; `None` means "not given". References (queue, users,
/// tickets) and custom values are checked by the service against the database, which adds
/// to `errors`: so every bad field is reported at once and permissions are checked first.
#[derive(Debug)]
pub struct TicketInput {
    pub mode: super::input::WriteMode,
    pub queue: Option<i64>,
    pub title: Option<TicketTitle>,
    pub description: Option<String>,
    pub resolution: Option<Option<String>>,
    pub submitter_email: Option<Option<super::Email>>,
    pub assigned_to: Option<Option<i64>>,
    pub status: Option<TicketStatus>,
    pub on_hold: Option<bool>,
    pub priority: Option<Priority>,
    pub due_date: Option<Option<super::Timestamp>>,
    pub merged_to: Option<Option<i64>>,
    /// `custom_<name>` -> the raw value, as sent.
    pub custom: std::collections::BTreeMap<String, serde_json::Value>,
    pub errors: crate::error::ErrorBag,
}

impl TicketInput {
    /// Parses a ticket object (JSON, or a form's text parts). Unknown keys are ignored.
    pub fn from_json(body: &super::input::Body, mode: super::input::WriteMode) -> Self {
        use super::input::{self, as_text};
        let mut errors = crate::error::ErrorBag::new();
        let queue = input::required(body, "queue", mode, &mut errors, input::as_pk);
        let title = input::required(body, "title", mode, &mut errors, |v| {
            TicketTitle::parse(&as_text(v)?)
        });
        let long_text = input::text(Some(super::MAX_TEXT_CHARS), true);
        let description = input::optional_nullable(body, "description", &mut errors, &long_text)
            .map(Option::unwrap_or_default);
        let resolution = input::optional_nullable(body, "resolution", &mut errors, &long_text);
        let submitter_email = input::optional_nullable(body, "submitter_email", &mut errors, |v| {
            super::Email::parse(&as_text(v)?)
        });
        let assigned_to = input::optional_nullable(body, "assigned_to", &mut errors, input::as_pk);
        let status = input::optional(body, "status", &mut errors, TicketStatus::parse_json);
        let on_hold = input::optional(body, "on_hold", &mut errors, input::boolean);
        let priority = input::optional(body, "priority", &mut errors, Priority::parse_json);
        let due_date = input::optional_nullable(body, "due_date", &mut errors, |v| match v {
            serde_json::Value::String(s) => super::Timestamp::parse(s),
            _ => Err(super::datetime::DATETIME_FORMAT_ERROR.to_owned()),
        });
        let merged_to = input::optional_nullable(body, "merged_to", &mut errors, input::as_pk);
        let custom = body
            .iter()
            .filter(|(k, _)| k.starts_with(CUSTOM_PREFIX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Self {
            mode,
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
            errors,
        }
    }
}

/// Seconds as "HH:MM:SS" (hours may pass 24), as the API shows `time_spent`.
pub fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

pub const DURATION_FORMAT_ERROR: &str =
    "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].";

/// Parses DRF's duration input `[DD] [HH:[MM:]]ss[.uuuuuu]` into whole seconds.
pub fn parse_duration(raw: &serde_json::Value) -> Result<i64, String> {
    let err = || DURATION_FORMAT_ERROR.to_owned();
    let text = match raw {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err(err()),
    };
    let (days, clock) = match text.split_once(' ') {
        Some((d, rest)) => (
            d.trim().parse::<i64>().map_err(|_| err())?,
            rest.trim().to_owned(),
        ),
        None => (0, text.clone()),
    };
    if !(0..=999_999).contains(&days) || clock.is_empty() || clock.len() > 32 {
        return Err(err());
    }
    let clock = clock.split('.').next().unwrap_or("");
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err());
    }
    let nums: Vec<i64> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (h, m, s) = match nums.as_slice() {
        [s] => (0, 0, *s),
        [m, s] => (0, *m, *s),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(err()),
    };
    if parts.len() > 1 && (s > 59 || (parts.len() == 3 && m > 59)) {
        return Err(err());
    }
    Ok(days * 86_400 + h * 3600 + m * 60 + s)
}

/// A followup to create or change, parsed; references are checked by the service.
#[derive(Debug)]
pub struct FollowUpInput {
    pub mode: super::input::WriteMode,
    pub ticket: Option<i64>,
    pub title: Option<Option<String>>,
    pub comment: Option<Option<String>>,
    pub public: Option<bool>,
    pub new_status: Option<Option<TicketStatus>>,
    pub time_spent: Option<Option<i64>>,
    pub errors: crate::error::ErrorBag,
}

impl FollowUpInput {
    pub fn from_json(body: &super::input::Body, mode: super::input::WriteMode) -> Self {
        use super::input::{self, WriteMode};
        let mut errors = crate::error::ErrorBag::new();
        // The ticket of an existing followup does not move; it is only read on create.
        let ticket = if mode == WriteMode::Create {
            input::required(body, "ticket", mode, &mut errors, input::as_pk)
        } else {
            None
        };
        let title =
            input::optional_nullable(body, "title", &mut errors, input::text(Some(200), true));
        let comment = input::optional_nullable(
            body,
            "comment",
            &mut errors,
            input::text(Some(super::MAX_TEXT_CHARS), true),
        );
        let public = input::optional(body, "public", &mut errors, input::boolean);
        let new_status = if mode == WriteMode::Create {
            input::optional_nullable(body, "new_status", &mut errors, TicketStatus::parse_json)
        } else {
            None
        };
        let time_spent = input::optional_nullable(body, "time_spent", &mut errors, parse_duration);
        Self {
            mode,
            ticket,
            title,
            comment,
            public,
            new_status,
            time_spent,
            errors,
        }
    }
}

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
    pub at: super::Timestamp,
    /// The ticket's version now, for the next save.
    pub version: i64,
    /// The form's fields that changed since it was drawn: value then and value now, as the
    /// form writes them (`followup` is 0).
    pub changed: Vec<TicketChange>,
    /// What the agent changed, to keep in the form (empty after a plain form post, whose
    /// draft waits in the session instead).
    pub yours: std::collections::BTreeMap<String, String>,
}

/// A custom value as the ticket form's input shows it (booleans as `true` / `false`).
pub fn custom_form_value(f: &super::custom_field::CustomField, t: Option<&Ticket>) -> String {
    use super::custom_field::DataType;
    let Some(v) = t.and_then(|t| t.custom.get(&f.key())) else {
        return String::new();
    };
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) if f.data_type == DataType::Datetime => {
            s.chars().take(16).collect()
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every field of the edit form as the form writes it for `t` (field name -> text). The form
/// sends these back as its original values, so the server applies only what the agent
/// changed, and tells which fields a colleague changed meanwhile.
pub fn edit_form_values(
    t: &Ticket,
    defs: &[super::custom_field::CustomField],
) -> std::collections::BTreeMap<String, String> {
    let mut v = std::collections::BTreeMap::new();
    let mut put = |k: &str, s: String| {
        v.insert(k.to_owned(), s);
    };
    put("queue", t.queue.to_string());
    put("title", t.title.clone());
    put("description", t.description.clone());
    put(
        "submitter_email",
        t.submitter_email.clone().unwrap_or_default(),
    );
    put("priority", (t.priority as i64).to_string());
    put(
        "due_date",
        t.due_date
            .as_ref()
            .map(|d| d.to_input())
            .unwrap_or_default(),
    );
    put(
        "assigned_to",
        t.assigned_to.map(|u| u.to_string()).unwrap_or_default(),
    );
    put("status", (t.status as i64).to_string());
    put("resolution", t.resolution.clone().unwrap_or_default());
    put(
        "merged_to",
        t.merged_to.map(|m| m.to_string()).unwrap_or_default(),
    );
    put("on_hold", t.on_hold.to_string());
    for d in defs {
        put(&d.key(), custom_form_value(d, Some(t)));
    }
    v
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
}

/// What the ticket forms and filters offer to choose from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketChoices {
    pub queues: Vec<super::queue::Queue>,
    pub staff: Vec<super::user::User>,
    pub custom_fields: Vec<super::custom_field::CustomField>,
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

/// The orders a ticket list accepts (`?ordering=`), id ascending by default.
pub const ORDERINGS: [&str; 16] = [
    "id",
    "-id",
    "title",
    "-title",
    "queue",
    "-queue",
    "status",
    "-status",
    "created",
    "-created",
    "priority",
    "-priority",
    "due_date",
    "-due_date",
    "modified",
    "-modified",
];

/// What a ticket list is narrowed to, from its query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub statuses: Vec<TicketStatus>,
    /// A filter given with a value that can match nothing (e.g. `?queue=abc`) sets this.
    pub matches_nothing: bool,
    pub queue: Option<i64>,
    pub assigned_to: Option<i64>,
    /// Only tickets nobody is assigned to (the web list's "Unassigned"; the API never sets it).
    pub unassigned: bool,
    pub priority: Option<i64>,
    pub q: Option<String>,
    /// One of `ORDERINGS`; unknown values fall back to `id`.
    pub ordering: &'static str,
    /// Only tickets with this submitter (for "my tickets").
    pub submitter_email: Option<String>,
}

/// The fewest characters a text search takes: the search index matches trigrams, and a
/// shorter text would have to be looked for in every ticket.
pub const MIN_SEARCH_CHARS: usize = 3;

impl TicketFilter {
    /// The ticket number `q` names, if it is one (`301` or `#301`).
    pub fn ticket_number(&self) -> Option<i64> {
        let q = self.q.as_deref()?.trim();
        let digits = q.strip_prefix('#').unwrap_or(q);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok().filter(|n| *n > 0)
    }

    /// The text `q` searches for, when it is long enough to search the index.
    pub fn search_text(&self) -> Option<String> {
        let q = self.q.as_deref()?.trim();
        (q.chars().count() >= MIN_SEARCH_CHARS).then(|| q.to_owned())
    }

    /// Refuses a `q` that is neither a ticket number nor long enough to search.
    ///
    /// # Errors
    /// `Validation` naming `q`.
    pub fn check(&self) -> Result<(), crate::error::AppError> {
        if self.q.is_some() && self.ticket_number().is_none() && self.search_text().is_none() {
            return Err(crate::error::AppError::field(
                "q",
                format!(
                    "Enter at least {MIN_SEARCH_CHARS} characters to search, or a ticket number."
                ),
            ));
        }
        Ok(())
    }

    /// Reads `status`, `queue`, `assigned_to`, `priority`, `q` and `ordering`; other keys are
    /// ignored. `status` takes a comma-separated list (or repeats); unknown statuses are
    /// ignored.
    pub fn from_query(pairs: &[(String, String)]) -> Self {
        let mut f = TicketFilter {
            ordering: "id",
            ..Self::default()
        };
        let id = |raw: &str, nothing: &mut bool| match raw.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                *nothing = true;
                None
            }
        };
        for (k, v) in pairs {
            match k.as_str() {
                "status" => f.statuses.extend(
                    v.split(',')
                        .filter_map(|s| s.trim().parse::<i64>().ok())
                        .filter_map(TicketStatus::from_i64),
                ),
                "queue" if !v.is_empty() => f.queue = id(v, &mut f.matches_nothing),
                "assigned_to" if !v.is_empty() => f.assigned_to = id(v, &mut f.matches_nothing),
                "priority" if !v.is_empty() => f.priority = id(v, &mut f.matches_nothing),
                "q" if !v.trim().is_empty() => f.q = Some(v.trim().to_owned()),
                "ordering" => {
                    f.ordering = ORDERINGS
                        .into_iter()
                        .find(|o| *o == v.trim())
                        .unwrap_or("id");
                }
                _ => {}
            }
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_status_parses_from_a_number_and_a_string() {
        for (n, s) in [(1, TicketStatus::Open), (5, TicketStatus::Duplicate)] {
            assert_eq!(TicketStatus::parse_json(&json!(n)), Ok(s));
            assert_eq!(TicketStatus::parse(&n.to_string()), Ok(s));
        }
        assert_eq!(
            TicketStatus::parse_json(&json!(3)),
            Ok(TicketStatus::Resolved)
        );
    }

    #[test]
    fn out_of_range_or_non_numeric_statuses_are_rejected() {
        for bad in [
            json!(0),
            json!(6),
            json!(-1),
            json!("x"),
            json!(1.5),
            json!(true),
            json!(null),
        ] {
            let err = TicketStatus::parse_json(&bad).unwrap_err();
            assert!(err.ends_with("is not a valid choice."), "{bad}: {err}");
        }
        assert_eq!(
            TicketStatus::parse_json(&json!(9)).unwrap_err(),
            "\"9\" is not a valid choice."
        );
    }

    #[test]
    fn priority_accepts_one_to_five_only() {
        assert_eq!(Priority::parse("1"), Ok(Priority::Critical));
        assert_eq!(Priority::parse_json(&json!(5)), Ok(Priority::VeryLow));
        assert_eq!(Priority::default(), Priority::Normal);
        for bad in ["0", "6", "", "high", "99999999999999999999"] {
            assert!(Priority::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_are_read_as_drf_does_and_written_as_hh_mm_ss() {
        assert_eq!(parse_duration(&json!("01:02:03")), Ok(3723));
        assert_eq!(parse_duration(&json!("2 00:00:01")), Ok(172_801));
        assert_eq!(parse_duration(&json!("90")), Ok(90));
        assert_eq!(parse_duration(&json!("05:30")), Ok(330));
        for bad in [
            json!("x"),
            json!("1:2:3:4"),
            json!(true),
            json!("00:61:00"),
            json!(""),
        ] {
            assert_eq!(
                parse_duration(&bad).unwrap_err(),
                DURATION_FORMAT_ERROR,
                "{bad}"
            );
        }
        assert_eq!(format_duration(3723), "01:02:03");
        assert_eq!(format_duration(90_000), "25:00:00");
    }

    #[test]
    fn a_ticket_object_reports_every_bad_field_at_once() {
        use crate::domain::input::WriteMode;
        let body = json!({"queue": "x", "priority": 9, "due_date": "soon", "on_hold": "maybe",
                          "submitter_email": "nope", "unknown": 1, "custom_a": 5});
        let t = TicketInput::from_json(body.as_object().unwrap(), WriteMode::Create);
        assert_eq!(t.custom.len(), 1);
        let err = t.errors.into_result().unwrap_err();
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
    }

    #[test]
    fn list_filters_ignore_unknown_statuses_and_orderings() {
        let q = |pairs: &[(&str, &str)]| {
            TicketFilter::from_query(
                &pairs
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        let f = q(&[
            ("status", "1,3,9,x"),
            ("ordering", "-created"),
            ("q", " printer "),
        ]);
        assert_eq!(f.statuses, vec![TicketStatus::Open, TicketStatus::Resolved]);
        assert_eq!(f.ordering, "-created");
        assert_eq!(f.q.as_deref(), Some("printer"));
        assert_eq!(q(&[("ordering", "title; drop table x")]).ordering, "id");
        assert!(q(&[("queue", "abc")]).matches_nothing);
    }

    #[test]
    fn a_ticket_number_is_found_with_or_without_a_hash_and_short_text_is_refused() {
        let q = |v: &str| TicketFilter::from_query(&[("q".to_owned(), v.to_owned())]);
        assert_eq!(q("301").ticket_number(), Some(301));
        assert_eq!(q(" #7 ").ticket_number(), Some(7));
        assert_eq!(q("#").ticket_number(), None);
        assert_eq!(q("0").ticket_number(), None);
        assert_eq!(q("3a").ticket_number(), None);
        assert!(q("7").check().is_ok());
        assert!(q("abc").check().is_ok());
        for short in ["ab", "é", " a "] {
            let err = q(short).check().unwrap_err();
            assert_eq!(
                err.field_messages("q"),
                vec!["Enter at least 3 characters to search, or a ticket number."],
                "{short:?}"
            );
        }
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
