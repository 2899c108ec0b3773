//! Ticket status and priority, numbered as django-helpdesk numbers them.

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
}
