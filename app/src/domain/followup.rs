//! Followups: as the API shows them, the parsed input to create or change one, and the
//! `time_spent` duration format.

use serde::{Deserialize, Serialize};

use super::ticket::TicketStatus;

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
    pub date: crate::domain::Timestamp,
    pub message_id: Option<String>,
    pub followupattachment_set: Vec<crate::domain::attachment::Attachment>,
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
    pub mode: crate::domain::input::WriteMode,
    pub ticket: Option<i64>,
    pub title: Option<Option<String>>,
    pub comment: Option<Option<String>>,
    pub public: Option<bool>,
    pub new_status: Option<Option<TicketStatus>>,
    pub time_spent: Option<Option<i64>>,
    pub errors: crate::error::ErrorBag,
}

impl FollowUpInput {
    pub fn from_json(
        body: &crate::domain::input::Body,
        mode: crate::domain::input::WriteMode,
    ) -> Self {
        use crate::domain::input::{self, WriteMode};
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
            input::text(Some(crate::domain::MAX_TEXT_CHARS), true),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
