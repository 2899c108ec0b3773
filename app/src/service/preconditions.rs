//! ETags and `If-Match` (RFC 9110 §8.8.3, §13.1.1, issue 14.1). A resource's ETag is a hash
//! of its JSON representation, so it changes whenever that JSON does (a new followup changes
//! its ticket's tag too) and never otherwise. Writes compare it inside their write
//! transaction: there, no other write can commit between the check and the change. Headers
//! are parsed by the HTTP layer; nothing here knows about requests.

use std::future::Future;

use blake2::Digest;
use serde::Serialize;

use crate::error::AppError;

/// The strong ETag of a response body: a quoted hex hash of its bytes.
pub fn etag_of_bytes(bytes: &[u8]) -> String {
    let digest = blake2::Blake2s256::digest(bytes);
    // 128 bits are plenty to tell versions of one resource apart.
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// The ETag of `value` as the API serializes it (`axum::Json` writes the same bytes).
pub fn etag_of<T: Serialize>(value: &T) -> String {
    etag_of_bytes(&serde_json::to_vec(value).unwrap_or_default())
}

/// An `If-Match` header: `*` or a list of entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current representation.
    Any,
    /// The tags as sent, quotes included.
    Tags(Vec<String>),
}

/// The entity tags of a comma-separated list (`If-Match`, `If-None-Match`).
fn tags(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

impl IfMatch {
    pub fn parse(value: &str) -> Self {
        if value.trim() == "*" {
            IfMatch::Any
        } else {
            IfMatch::Tags(tags(value).map(str::to_owned).collect())
        }
    }

    /// Strong comparison: a weak tag (`W/"…"`) never matches.
    pub fn matches(&self, current: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(list) => list.iter().any(|t| t == current),
        }
    }
}

/// Whether `If-None-Match: value` matches `current` (weak comparison, as RFC 9110 §13.1.2
/// says): then a GET answers 304.
pub fn none_match_hits(value: &str, current: &str) -> bool {
    value.trim() == "*" || tags(value).any(|t| t.strip_prefix("W/").unwrap_or(t) == current)
}

/// Checks `if_match` (when given) against the representation `current` reads. Call it inside
/// the write transaction, before writing: the caller holds the write lock, so what `current`
/// reads (through the pool) is exactly what the transaction would change.
///
/// # Errors
/// `PreconditionFailed` with the current ETag; what `current` returns (e.g. `NotFound`).
pub async fn check<T, F>(if_match: Option<&IfMatch>, current: F) -> Result<(), AppError>
where
    T: Serialize,
    F: Future<Output = Result<T, AppError>>,
{
    let Some(if_match) = if_match else {
        return Ok(());
    };
    let etag = etag_of(&current.await?);
    if if_match.matches(&etag) {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed { etag })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly_and_star_matches_anything() {
        let tag = etag_of(&serde_json::json!({"a": 1}));
        assert!(IfMatch::parse("*").matches(&tag));
        assert!(IfMatch::parse(&format!("\"x\", {tag}")).matches(&tag));
        assert!(!IfMatch::parse(&format!("W/{tag}")).matches(&tag));
        assert!(!IfMatch::parse("\"x\"").matches(&tag));
        assert!(none_match_hits(&format!("W/{tag}"), &tag));
        assert!(!none_match_hits("\"x\"", &tag));
    }

    #[test]
    fn the_etag_changes_with_the_json() {
        let a = etag_of(&serde_json::json!({"a": 1}));
        assert_ne!(a, etag_of(&serde_json::json!({"a": 2})));
        assert_eq!(a, etag_of_bytes(b"{\"a\":1}"));
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
    }
}
