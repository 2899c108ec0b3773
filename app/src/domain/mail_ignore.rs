//! The mail-in ignore list (issue 15): senders whose mail is never filed, as an address or a
//! pattern with `*` wildcards (`*@noreply.example.com`). Superusers manage it.

use serde::{Deserialize, Serialize};

/// One entry as the API and the admin page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredSender {
    pub id: i64,
    pub pattern: String,
    pub note: String,
    pub created: String,
}

/// The longest pattern: an address's length.
pub const MAX_PATTERN_CHARS: usize = 254;

/// An ignore pattern, lowercased: one `@` with something (or `*`) on each side, no spaces,
/// no angle brackets or commas, at most 254 characters; or `*` alone is refused (it would
/// ignore all mail).
pub fn parse_pattern(raw: &str) -> Result<String, String> {
    let p = raw.trim().to_lowercase();
    if p.is_empty() {
        return Err(super::NOT_BLANK.to_owned());
    }
    if p.chars().count() > MAX_PATTERN_CHARS {
        return Err(format!(
            "Ensure this field has no more than {MAX_PATTERN_CHARS} characters."
        ));
    }
    let ok_chars = p
        .chars()
        .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | ',' | ';'));
    let ok_shape = matches!(p.split_once('@'), Some((l, d)) if !l.is_empty() && !d.is_empty() && !d.contains('@'));
    if !ok_chars || !ok_shape {
        return Err(
            "Enter an address or a pattern such as *@noreply.example.com (* matches anything)."
                .to_owned(),
        );
    }
    if p.split('@').all(|side| side.chars().all(|c| c == '*')) {
        return Err("This pattern would ignore every sender.".to_owned());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::parse_pattern;

    #[test]
    fn patterns_are_addresses_with_optional_wildcards() {
        assert_eq!(
            parse_pattern(" *@NoReply.Example.com ").as_deref(),
            Ok("*@noreply.example.com")
        );
        assert_eq!(
            parse_pattern("ann@example.com").as_deref(),
            Ok("ann@example.com")
        );
        for bad in [
            "",
            "example.com",
            "a b@x.org",
            "*@*",
            "@x.org",
            "a@",
            "<a@x.org>",
            "a@b@c",
        ] {
            assert!(parse_pattern(bad).is_err(), "{bad}");
        }
    }
}
