//! What a ticket list is narrowed to and ordered by, read from its query string.

use super::TicketStatus;

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
}
