//! Users as the rest of the app sees them (never with the password hash).

use serde::{Deserialize, Serialize};

/// A user on the wire and in pages; also who is acting (`CurrentUser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub is_active: bool,
}

/// Whoever is making a request, from either front door (Basic auth or the session).
pub type CurrentUser = User;

impl User {
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name, self.last_name);
        let full = full.trim();
        if full.is_empty() {
            self.username.clone()
        } else {
            full.to_owned()
        }
    }
}

pub const INVALID_USERNAME: &str = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.";

/// Django's username rule: at most 150 characters of letters, digits and @ . + - _.
pub fn parse_username(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(super::NOT_BLANK.to_owned());
    }
    if s.chars().count() > 150 {
        return Err("Ensure this field has no more than 150 characters.".to_owned());
    }
    if !s
        .chars()
        .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
    {
        return Err(INVALID_USERNAME.to_owned());
    }
    Ok(s.to_owned())
}

/// Passwords: at least 8 characters, at most 4096 (hashing cost is bounded).
pub fn check_password(raw: &str) -> Result<(), String> {
    if raw.is_empty() {
        return Err(super::NOT_BLANK.to_owned());
    }
    if raw.chars().count() < 8 {
        return Err(
            "This password is too short. It must contain at least 8 characters.".to_owned(),
        );
    }
    if raw.len() > 4096 {
        return Err("Ensure this field has no more than 4096 characters.".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_allow_django_characters_only() {
        assert_eq!(parse_username(" ann.o+1@x_y-z ").unwrap(), "ann.o+1@x_y-z");
        assert_eq!(parse_username("a b").unwrap_err(), INVALID_USERNAME);
        assert_eq!(parse_username("a/b").unwrap_err(), INVALID_USERNAME);
        assert!(parse_username("").is_err());
        assert!(parse_username(&"a".repeat(151)).is_err());
    }

    #[test]
    fn short_passwords_are_rejected() {
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
    }
}
