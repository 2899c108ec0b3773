//! Typed settings, read once at start-up from flags and the environment.
//!
//! | flag / env | default |
//! |---|---|
//! | `--addr` / `LEPTOS_SITE_ADDR` | `127.0.0.1:3000` |
//! | `--database` / `DATABASE_URL` | `sqlite://helpdesk.db` |
//! | `HELPDESK_MEDIA_ROOT` | `media` |
//! | `LEPTOS_SITE_ROOT` | `target/site` |
//! | `HELPDESK_ACTIVATE_API_ENDPOINT` | `true` |
//! | `HELPDESK_MAX_BODY_BYTES` | 10 MiB |
//! | `HELPDESK_SESSION_IDLE_SECONDS` | two weeks |
//! | `HELPDESK_SESSION_MAX_AGE_SECONDS` | 30 days |
//! | `HELPDESK_SECURE_COOKIES` | `false` (set `true` behind HTTPS) |
//! | `HELPDESK_MAX_FILE_BYTES` | 5 MiB |
//! | `HELPDESK_LOGIN_MAX_FAILURES` | 10 (0 turns the sign-in throttle off) |
//! | `HELPDESK_LOGIN_WINDOW_SECONDS` | 900 (15 minutes) |
//! | `HELPDESK_PUBLIC_URL` | unset (links are built from the `Host` header) |

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::RunError;

pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://helpdesk.db";

#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    pub media_root: PathBuf,
    pub site_root: String,
    pub api_enabled: bool,
    pub max_body_bytes: usize,
    pub session_idle_seconds: i64,
    /// A session ends this long after sign-in, however busy.
    pub session_max_age_seconds: i64,
    pub secure_cookies: bool,
    /// Largest uploaded file; a larger one gets 413.
    pub max_file_bytes: usize,
    /// Failed sign-ins (per username, per address) within the window before 429.
    pub login_max_failures: usize,
    pub login_window_seconds: u64,
    /// `https://helpdesk.example.com` (no trailing slash): the base of absolute links the API
    /// returns, so that they do not depend on the client's `Host` header.
    pub public_url: Option<String>,
}

fn env_nonempty(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn env_bool(key: &str, default: bool) -> Result<bool, RunError> {
    match env_nonempty(key) {
        None => Ok(default),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(RunError::Config(format!(
                "{key} must be true or false, not {v:?}"
            ))),
        },
    }
}

fn env_number<T: std::str::FromStr>(key: &str, default: T) -> Result<T, RunError> {
    match env_nonempty(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| RunError::Config(format!("{key} must be a positive number, not {v:?}"))),
    }
}

/// `HELPDESK_MEDIA_ROOT`, else `media`.
pub fn media_root() -> PathBuf {
    PathBuf::from(env_nonempty("HELPDESK_MEDIA_ROOT").unwrap_or_else(|| "media".to_owned()))
}

/// `--database`, else `DATABASE_URL`, else the default file.
pub fn database_url(flag: Option<String>) -> String {
    flag.or_else(|| env_nonempty("DATABASE_URL"))
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

/// `HELPDESK_PUBLIC_URL`: an `http` or `https` URL with a host and no query; the trailing
/// slash is dropped.
fn public_url() -> Result<Option<String>, RunError> {
    env_nonempty("HELPDESK_PUBLIC_URL")
        .map(|raw| {
            parse_public_url(&raw).ok_or_else(|| {
                RunError::Config(format!(
                    "HELPDESK_PUBLIC_URL must be an http(s) URL such as \
                     https://helpdesk.example.com, not {raw:?}"
                ))
            })
        })
        .transpose()
}

fn parse_public_url(raw: &str) -> Option<String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && !rest.starts_with('/')
        && rest.bytes().all(|b| b.is_ascii_graphic())
        && !rest.contains(['?', '#', '@', '\\']);
    ok.then(|| url.to_owned())
}

impl Settings {
    /// # Errors
    /// `RunError::Config` naming the setting that is malformed.
    pub fn from_env(database: Option<String>, addr: Option<String>) -> Result<Self, RunError> {
        let addr_text = addr
            .or_else(|| env_nonempty("LEPTOS_SITE_ADDR"))
            .unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr_text.trim().parse::<SocketAddr>().map_err(|_| {
            RunError::Config(format!(
                "invalid address {addr_text:?}: expected HOST:PORT such as 127.0.0.1:3000"
            ))
        })?;
        Ok(Settings {
            addr,
            database_url: database_url(database),
            media_root: media_root(),
            site_root: env_nonempty("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            api_enabled: env_bool("HELPDESK_ACTIVATE_API_ENDPOINT", true)?,
            max_body_bytes: env_number("HELPDESK_MAX_BODY_BYTES", 10 * 1024 * 1024)?,
            session_idle_seconds: env_number("HELPDESK_SESSION_IDLE_SECONDS", 14 * 24 * 3600)?,
            session_max_age_seconds: env_number(
                "HELPDESK_SESSION_MAX_AGE_SECONDS",
                30 * 24 * 3600,
            )?,
            secure_cookies: env_bool("HELPDESK_SECURE_COOKIES", false)?,
            max_file_bytes: env_number(
                "HELPDESK_MAX_FILE_BYTES",
                app::service::attachments::DEFAULT_MAX_FILE_BYTES,
            )?,
            login_max_failures: env_number("HELPDESK_LOGIN_MAX_FAILURES", 10)?,
            login_window_seconds: env_number("HELPDESK_LOGIN_WINDOW_SECONDS", 15 * 60)?,
            public_url: public_url()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_public_url;

    #[test]
    fn a_public_url_is_an_http_or_https_base_without_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://help.example.com/").as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(
            parse_public_url("http://10.0.0.5:8080/desk").as_deref(),
            Some("http://10.0.0.5:8080/desk")
        );
        for bad in [
            "help.example.com",
            "ftp://help.example.com",
            "https://",
            "https:///x",
            "https://a b",
            "https://x?y=1",
            "https://user@x",
        ] {
            assert_eq!(parse_public_url(bad), None, "{bad}");
        }
    }
}
