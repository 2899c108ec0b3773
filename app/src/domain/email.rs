//! Email addresses, checked about as strictly as Django's EmailValidator.

use serde::{Deserialize, Serialize};

pub const INVALID_EMAIL: &str = "Enter a valid email address.";

/// Whether two stored addresses name the same mailbox: compared case-insensitively everywhere
/// (issue 11.10). ASCII folding, as SQLite's `nocase` does, so Rust and SQL agree; a valid
/// address is ASCII anyway. An empty address matches nothing.
pub fn same_email(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || SPECIALS.contains(c))
}

fn valid_domain(domain: &str) -> bool {
    if domain == "localhost" {
        return true;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(label_ok)
        && tld.len() >= 2
        && (tld.chars().all(|c| c.is_ascii_alphabetic()) || tld.starts_with("xn--"))
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(super::NOT_BLANK.to_owned());
        }
        if s.chars().count() > 254 {
            return Err("Ensure this field has no more than 254 characters.".to_owned());
        }
        match s.rsplit_once('@') {
            Some((local, domain)) if valid_local(local) && valid_domain(domain) => {
                Ok(Self(s.to_owned()))
            }
            _ => Err(INVALID_EMAIL.to_owned()),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in [
            "a@example.com",
            "first.last+tag@mail.example.org",
            "x@localhost",
            " b@c.io ",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse(" b@c.io ").unwrap().as_ref(), "b@c.io");
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "plainaddress",
            "@example.com",
            "a@",
            "a@b",
            "a@b.c",
            "a..b@example.com",
            ".a@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@-example.com",
            "a@example..com",
            "'; drop table tickets; --@x.com",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err(), INVALID_EMAIL, "{bad}");
        }
        assert_eq!(
            Email::parse("").unwrap_err(),
            "This field may not be blank."
        );
    }
}
