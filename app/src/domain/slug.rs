//! Slugs: letters, digits, `_` and `-` (Django's validate_slug).

use serde::{Deserialize, Serialize};

pub const INVALID_SLUG: &str =
    "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    pub fn is_valid(raw: &str) -> bool {
        !raw.is_empty()
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(super::NOT_BLANK.to_owned());
        }
        if trimmed.chars().count() > 50 {
            return Err("Ensure this field has no more than 50 characters.".to_owned());
        }
        if !Self::is_valid(trimmed) {
            return Err(INVALID_SLUG.to_owned());
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_underscore_and_hyphen_make_a_slug() {
        assert_eq!(
            Slug::parse("it-support_2").unwrap().as_ref(),
            "it-support_2"
        );
    }

    #[test]
    fn spaces_dots_slashes_and_non_ascii_are_rejected() {
        for bad in ["a b", "a.b", "../x", "é", "a/b", "a;drop"] {
            assert_eq!(Slug::parse(bad).unwrap_err(), INVALID_SLUG, "{bad}");
        }
        assert_eq!(Slug::parse("").unwrap_err(), "This field may not be blank.");
        assert!(Slug::parse(&"a".repeat(51)).is_err());
    }
}
