//! A queue's mailbox, polled over IMAP (issue 15): its settings as superusers see and send
//! them. The password is write-only: [`QueueMailbox`] has no field for it (only whether one
//! is stored), so no page or API answer can carry it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ErrorBag;

pub const SECURITY_TLS: &str = "tls";
pub const SECURITY_STARTTLS: &str = "starttls";
pub const AFTER_MOVE: &str = "move";
pub const AFTER_DELETE: &str = "delete";
pub const DEFAULT_FOLDER: &str = "INBOX";
pub const DEFAULT_DONE_FOLDER: &str = "helpdesk-filed";
/// Where a message that can never be filed is moved.
pub const FAILED_FOLDER: &str = "helpdesk-failed";
pub const DEFAULT_POLL_SECONDS: u32 = 60;
pub const MIN_POLL_SECONDS: u32 = 5;
pub const MAX_POLL_SECONDS: u32 = 86_400;

/// A queue's mailbox as shown: every setting but the password, and the poller's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMailbox {
    pub queue: i64,
    /// Whether settings are stored at all (else the rest are the defaults of the form).
    pub configured: bool,
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    /// Whether a password is stored; the password itself is never sent back.
    pub has_password: bool,
    pub folder: String,
    pub after_filing: String,
    pub done_folder: String,
    pub poll_seconds: u32,
    pub enabled: bool,
    /// The last poll (successful or not), in the database's form.
    pub last_poll_at: Option<String>,
    /// Why the last poll failed; empty when it did not.
    pub last_error: String,
}

impl QueueMailbox {
    /// The form's starting values for a queue without a mailbox.
    pub fn unconfigured(queue: i64) -> Self {
        Self {
            queue,
            configured: false,
            host: String::new(),
            port: 993,
            security: SECURITY_TLS.to_owned(),
            username: String::new(),
            has_password: false,
            folder: DEFAULT_FOLDER.to_owned(),
            after_filing: AFTER_MOVE.to_owned(),
            done_folder: DEFAULT_DONE_FOLDER.to_owned(),
            poll_seconds: DEFAULT_POLL_SECONDS,
            enabled: true,
            last_poll_at: None,
            last_error: String::new(),
        }
    }
}

/// Settings to store, valid by construction. `password` is `None` to keep the stored one.
#[derive(Clone, PartialEq, Eq)]
pub struct MailboxSettings {
    pub host: String,
    pub port: u16,
    pub security: String,
    pub username: String,
    pub password: Option<String>,
    pub folder: String,
    pub after_filing: String,
    pub done_folder: String,
    pub poll_seconds: u32,
    pub enabled: bool,
}

// By hand, so that the password never reaches a log line through `{:?}`.
impl std::fmt::Debug for MailboxSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("folder", &self.folder)
            .field("after_filing", &self.after_filing)
            .field("done_folder", &self.done_folder)
            .field("poll_seconds", &self.poll_seconds)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// Text that may go into an IMAP command: no control characters (CR and LF above all).
fn imap_text(field: &str, v: &str, max: usize, errors: &mut ErrorBag) -> Option<String> {
    if v.chars().any(char::is_control) {
        errors.add(field, "Control characters are not allowed.");
        None
    } else if v.chars().count() > max {
        errors.add(
            field,
            format!("Ensure this field has no more than {max} characters."),
        );
        None
    } else {
        Some(v.to_owned())
    }
}

impl MailboxSettings {
    /// Parses the mailbox form (`f[name]` fields; `enabled` is a checkbox, "on" when ticked).
    /// `has_password` says whether one is stored already: then an empty password keeps it.
    ///
    /// # Errors
    /// Every bad or missing field, by name.
    pub fn parse(f: &BTreeMap<String, String>, has_password: bool) -> Result<Self, ErrorBag> {
        let mut errors = ErrorBag::new();
        let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
        let host = get("host");
        let host = if host.is_empty() {
            errors.add("host", super::NOT_BLANK);
            None
        } else if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@')
            || host.starts_with('-')
        {
            errors.add("host", "Enter a host name or an IP address.");
            None
        } else {
            imap_text("host", host, 253, &mut errors)
        };
        let port = match get("port").parse::<u16>() {
            Ok(p) if p > 0 => Some(p),
            _ => {
                errors.add(
                    "port",
                    "Ensure this value is a port number between 1 and 65535.",
                );
                None
            }
        };
        let security = match get("security") {
            s @ (SECURITY_TLS | SECURITY_STARTTLS) => Some(s.to_owned()),
            other => {
                errors.add(
                    "security",
                    format!("\"{other}\" is not a valid choice (tls or starttls)."),
                );
                None
            }
        };
        let username = get("username");
        let username = if username.is_empty() {
            errors.add("username", super::NOT_BLANK);
            None
        } else {
            imap_text("username", username, 320, &mut errors)
        };
        // Not trimmed: a password may start or end with a space.
        let raw_password = f.get("password").map(String::as_str).unwrap_or("");
        let password = if raw_password.is_empty() {
            if !has_password {
                errors.add("password", super::NOT_BLANK);
            }
            None
        } else {
            imap_text("password", raw_password, 1000, &mut errors)
        };
        let folder_name = |field: &str, v: &str, errors: &mut ErrorBag| {
            if v.contains(['*', '%']) {
                errors.add(field, "A folder name may not contain * or %.");
                None
            } else {
                imap_text(field, v, 200, errors)
            }
        };
        let folder = match get("folder") {
            "" => Some(DEFAULT_FOLDER.to_owned()),
            v => folder_name("folder", v, &mut errors),
        };
        let after_filing = match get("after_filing") {
            "" => Some(AFTER_MOVE.to_owned()),
            s @ (AFTER_MOVE | AFTER_DELETE) => Some(s.to_owned()),
            other => {
                errors.add(
                    "after_filing",
                    format!("\"{other}\" is not a valid choice (move or delete)."),
                );
                None
            }
        };
        let done_folder = match get("done_folder") {
            "" => Some(DEFAULT_DONE_FOLDER.to_owned()),
            v => folder_name("done_folder", v, &mut errors),
        };
        if let (Some(a), Some(b)) = (&folder, &done_folder)
            && after_filing.as_deref() == Some(AFTER_MOVE)
            && (a.eq_ignore_ascii_case(b) || b.eq_ignore_ascii_case(FAILED_FOLDER))
        {
            errors.add(
                "done_folder",
                "Filed messages must go to a folder other than the polled one and helpdesk-failed.",
            );
        }
        let poll_seconds = match get("poll_seconds") {
            "" => Some(DEFAULT_POLL_SECONDS),
            v => match v.parse::<u32>() {
                Ok(n) if (MIN_POLL_SECONDS..=MAX_POLL_SECONDS).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "poll_seconds",
                        format!(
                            "Ensure this value is a whole number of seconds from {MIN_POLL_SECONDS} to {MAX_POLL_SECONDS}."
                        ),
                    );
                    None
                }
            },
        };
        let enabled = matches!(get("enabled"), "on" | "true" | "1");
        match (
            host,
            port,
            security,
            username,
            folder,
            after_filing,
            done_folder,
            poll_seconds,
        ) {
            (
                Some(host),
                Some(port),
                Some(security),
                Some(username),
                Some(folder),
                Some(after_filing),
                Some(done_folder),
                Some(poll_seconds),
            ) if errors.is_empty() => Ok(Self {
                host,
                port,
                security,
                username,
                password,
                folder,
                after_filing,
                done_folder,
                poll_seconds,
                enabled,
            }),
            // Every `None` above recorded its error.
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_full_form_parses_with_defaults() {
        let s = MailboxSettings::parse(
            &form(&[
                ("host", "imap.example.com"),
                ("port", "993"),
                ("security", "tls"),
                ("username", "desk"),
                ("password", " secret "),
                ("enabled", "on"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(s.folder, "INBOX");
        assert_eq!(s.done_folder, "helpdesk-filed");
        assert_eq!(s.password.as_deref(), Some(" secret "));
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn an_empty_password_keeps_a_stored_one_and_is_required_without() {
        let f = form(&[
            ("host", "h"),
            ("port", "143"),
            ("security", "starttls"),
            ("username", "u"),
        ]);
        assert_eq!(MailboxSettings::parse(&f, true).unwrap().password, None);
        let e: crate::error::AppError = MailboxSettings::parse(&f, false).unwrap_err().into();
        assert!(!e.field_messages("password").is_empty());
    }

    #[test]
    fn bad_fields_are_named() {
        let e: crate::error::AppError = MailboxSettings::parse(
            &form(&[
                ("host", "bad host"),
                ("port", "0"),
                ("security", "ssl"),
                ("username", "a\r\nb"),
                ("password", "p"),
                ("after_filing", "keep"),
                ("poll_seconds", "1"),
            ]),
            false,
        )
        .unwrap_err()
        .into();
        for field in [
            "host",
            "port",
            "security",
            "username",
            "after_filing",
            "poll_seconds",
        ] {
            assert!(!e.field_messages(field).is_empty(), "{field}");
        }
    }
}
