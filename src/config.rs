//! Typed settings, read once at start-up from flags and the environment by clap: each setting
//! is a flag with an environment variable and a default (`helpdesk serve --help` lists them;
//! the README's Configuration section says what each means). An environment variable that is
//! empty or blank counts as unset, as before clap read them.

use std::ffi::OsStr;
use std::net::SocketAddr;
use std::path::PathBuf;

use app::service::attachments::AttachmentStore;
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, Args, Command};

pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://helpdesk.db";

/// Where the data is: every command needs it.
#[derive(Debug, Clone, Args)]
pub struct Storage {
    /// SQLite database URL (created if missing)
    #[arg(
        long = "database",
        global = true,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        value_name = "URL"
    )]
    pub database_url: String,
    /// Where uploaded attachments are stored
    #[arg(
        long,
        global = true,
        env = "HELPDESK_MEDIA_ROOT",
        default_value = "media",
        value_name = "DIR"
    )]
    pub media_root: PathBuf,
    /// Where new attachments keep their bytes: `files` (under the media root) or `database`
    /// (every server over the database sees them); by default files for sqlite: URLs and
    /// database for postgres: URLs
    #[arg(
        long,
        global = true,
        env = "HELPDESK_ATTACHMENT_STORE",
        value_name = "files|database",
        value_parser = Checked::new(parse_attachment_store)
    )]
    pub attachment_store: Option<AttachmentStore>,
}

impl Storage {
    /// The attachment store: as configured, else the default for the database URL.
    pub fn attachment_store(&self) -> AttachmentStore {
        self.attachment_store
            .unwrap_or_else(|| AttachmentStore::default_for(&self.database_url))
    }
}

/// The server's settings (`helpdesk serve`).
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = DEFAULT_ADDR,
        value_name = "HOST:PORT",
        value_parser = Checked::new(parse_addr)
    )]
    pub addr: SocketAddr,
    /// Filled in from `Storage`.
    #[arg(skip)]
    pub database_url: String,
    /// Filled in from `Storage`.
    #[arg(skip)]
    pub media_root: PathBuf,
    /// Filled in from `Storage`.
    #[arg(skip = AttachmentStore::Files)]
    pub attachment_store: AttachmentStore,
    /// The built site (wasm, js, css, public files)
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        value_name = "DIR"
    )]
    pub site_root: String,
    /// `false` turns every /api/ route off (404); the UI keeps working
    #[arg(
        long = "activate-api-endpoint",
        env = "HELPDESK_ACTIVATE_API_ENDPOINT",
        default_value = "true",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        value_parser = Checked::new(parse_bool)
    )]
    pub api_enabled: bool,
    /// Largest request body in bytes; larger gets 413
    #[arg(
        long,
        env = "HELPDESK_MAX_BODY_BYTES",
        default_value_t = 10 * 1024 * 1024,
        value_name = "BYTES",
        value_parser = Checked::new(parse_number::<usize>)
    )]
    pub max_body_bytes: usize,
    /// A session expires after this long unused
    #[arg(
        long,
        env = "HELPDESK_SESSION_IDLE_SECONDS",
        default_value_t = 14 * 24 * 3600,
        value_name = "SECONDS",
        value_parser = Checked::new(parse_number::<i64>)
    )]
    pub session_idle_seconds: i64,
    /// A session ends this long after sign-in, however busy
    #[arg(
        long,
        env = "HELPDESK_SESSION_MAX_AGE_SECONDS",
        default_value_t = 30 * 24 * 3600,
        value_name = "SECONDS",
        value_parser = Checked::new(parse_number::<i64>)
    )]
    pub session_max_age_seconds: i64,
    /// `true` marks the session cookie Secure (serve behind HTTPS)
    #[arg(
        long,
        env = "HELPDESK_SECURE_COOKIES",
        default_value = "false",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        value_parser = Checked::new(parse_bool)
    )]
    pub secure_cookies: bool,
    /// Largest uploaded file in bytes; larger gets 413
    #[arg(
        long,
        env = "HELPDESK_MAX_FILE_BYTES",
        default_value_t = app::service::attachments::DEFAULT_MAX_FILE_BYTES,
        value_name = "BYTES",
        value_parser = Checked::new(parse_number::<usize>)
    )]
    pub max_file_bytes: usize,
    /// Failed sign-ins per address and per username within the window before 429 (0: off)
    #[arg(
        long,
        env = "HELPDESK_LOGIN_MAX_FAILURES",
        default_value_t = 10,
        value_name = "N",
        value_parser = Checked::new(parse_number::<usize>)
    )]
    pub login_max_failures: usize,
    /// The window failed sign-ins are counted in
    #[arg(
        long,
        env = "HELPDESK_LOGIN_WINDOW_SECONDS",
        default_value_t = 15 * 60,
        value_name = "SECONDS",
        value_parser = Checked::new(parse_number::<u64>)
    )]
    pub login_window_seconds: u64,
    /// Tickets one email address may open through the public portal (`/submit`) within an
    /// hour (0: no limit)
    #[arg(
        long,
        env = "HELPDESK_PORTAL_TICKETS_PER_EMAIL",
        default_value_t = 5,
        value_name = "N",
        value_parser = Checked::new(parse_number::<u32>)
    )]
    pub portal_tickets_per_email: u32,
    /// Tickets one client address may open through the public portal within an hour, counted
    /// by each server (0: no limit)
    #[arg(
        long,
        env = "HELPDESK_PORTAL_TICKETS_PER_ADDRESS",
        default_value_t = 20,
        value_name = "N",
        value_parser = Checked::new(parse_number::<u32>)
    )]
    pub portal_tickets_per_address: u32,
    /// Days the change feed (`/api/changes/`) keeps its events; older ones are deleted, and
    /// a cursor into them answers 410 Gone
    #[arg(
        long,
        env = "HELPDESK_CHANGES_RETENTION_DAYS",
        default_value_t = 30,
        value_name = "DAYS",
        value_parser = Checked::new(parse_number::<u32>)
    )]
    pub changes_retention_days: u32,
    /// How long an Idempotency-Key's answer is kept for retries
    #[arg(
        long,
        env = "HELPDESK_IDEMPOTENCY_HOURS",
        default_value_t = 24,
        value_name = "HOURS",
        value_parser = Checked::new(parse_number::<u32>)
    )]
    pub idempotency_hours: u32,
    /// The site's address as users reach it, such as https://help.example.com: the base of
    /// the API's absolute links (else the request's Host header)
    #[arg(
        long,
        env = "HELPDESK_PUBLIC_URL",
        value_name = "URL",
        value_parser = Checked::new(parse_public_url)
    )]
    pub public_url: Option<String>,
    /// Load balancers or proxies (IP addresses or CIDR ranges, comma-separated) whose
    /// X-Forwarded-For names the client, for the per-address sign-in throttle
    #[arg(
        long,
        env = "HELPDESK_TRUSTED_PROXIES",
        default_value = "",
        value_name = "ADDRESSES",
        value_parser = Checked::new(crate::forwarded::parse)
    )]
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// A PEM file of extra CA certificates to trust for IMAP mailboxes (a private CA), on top
    /// of the system's roots
    #[arg(long, env = "HELPDESK_IMAP_CA_FILE", value_name = "FILE")]
    pub imap_ca_file: Option<PathBuf>,
    /// `true` lets webhooks reach loopback, private and link-local addresses (on-premise
    /// receivers, tests); refused by default
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_ALLOW_PRIVATE",
        default_value = "false",
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        value_parser = Checked::new(parse_bool)
    )]
    pub webhook_allow_private: bool,
    /// Seconds to wait after each failed webhook attempt, comma-separated; the last repeats
    #[arg(
        long,
        env = "HELPDESK_WEBHOOK_RETRY_DELAYS",
        default_value = app::service::webhooks::send::DEFAULT_DELAYS,
        value_name = "SECONDS,...",
        value_parser = Checked::new(parse_delays)
    )]
    pub webhook_retry_delays: Delays,
    /// Where notifications are sent: smtp://[user:pass@]host[:port] (STARTTLS; required with
    /// credentials) or smtps://user:pass@host[:port] (TLS); unset: no mail is sent
    #[arg(
        long,
        env = "HELPDESK_SMTP_URL",
        value_name = "URL",
        value_parser = Checked::new(parse_smtp_url)
    )]
    pub smtp_url: Option<SmtpUrl>,
    /// The From address of notifications about tickets whose queue has no email address
    #[arg(
        long,
        env = "HELPDESK_DEFAULT_FROM",
        value_name = "EMAIL",
        value_parser = Checked::new(parse_email)
    )]
    pub default_from: Option<String>,
    /// Seconds to wait after each failed attempt to send a notification, comma-separated;
    /// the last repeats (for 3 days)
    #[arg(
        long,
        env = "HELPDESK_MAIL_RETRY_DELAYS",
        default_value = app::service::mail::send::DEFAULT_DELAYS,
        value_name = "SECONDS,...",
        value_parser = Checked::new(parse_delays)
    )]
    pub mail_retry_delays: Delays,
    /// Seconds one attempt to hand a message to the SMTP server may take
    #[arg(
        long,
        env = "HELPDESK_SMTP_TIMEOUT",
        default_value_t = app::service::mail::send::DEFAULT_TIMEOUT_SECS,
        value_name = "SECONDS",
        value_parser = Checked::new(parse_positive::<u64>)
    )]
    pub smtp_timeout: u64,
}

/// `HELPDESK_SMTP_URL`, checked; shown everywhere with its password hidden.
#[derive(Clone)]
pub struct SmtpUrl(pub String);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&app::service::mail::redact_url(&self.0))
    }
}

fn parse_smtp_url(text: &str) -> Result<SmtpUrl, String> {
    // Never `{value}` here: the text may hold a password.
    app::service::mail::send::parse_url(text)
        .map(|_| SmtpUrl(text.to_owned()))
        .map_err(|reason| {
            format!(
                "{{name}} must be smtp://[user:password@]host[:port] or \
                 smtps://user:password@host[:port]: {reason}"
            )
        })
}

fn parse_email(text: &str) -> Result<String, String> {
    app::domain::Email::parse(text)
        .map(app::domain::Email::into_inner)
        .map_err(|_| {
            "{name} must be an email address such as helpdesk@example.com, not {value}".to_owned()
        })
}

fn parse_positive<T: std::str::FromStr + PartialOrd + Default>(text: &str) -> Result<T, String> {
    text.parse()
        .ok()
        .filter(|n| *n > T::default())
        .ok_or_else(|| "{name} must be a positive number, not {value}".to_owned())
}

/// Waits between webhook attempts.
#[derive(Debug, Clone)]
pub struct Delays(pub Vec<std::time::Duration>);

impl Settings {
    /// These settings for the data in `storage`.
    pub fn with_storage(mut self, storage: Storage) -> Self {
        self.attachment_store = storage.attachment_store();
        self.database_url = storage.database_url;
        self.media_root = storage.media_root;
        self
    }
}

/// A value parser from a `&str` parser and the words for what it expects; its error is the
/// one line the operator sees, naming the environment variable or the flag the value came
/// from (`HELPDESK_MAX_BODY_BYTES must be a positive number, not "ten"`).
#[derive(Clone, Copy)]
pub(crate) struct Checked<T> {
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Checked<T> {
    pub(crate) fn new(parse: fn(&str) -> Result<T, String>) -> Self {
        Self { parse }
    }
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Checked<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        _cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(text.trim()).map_err(|expected| {
            let name = match (source, arg) {
                (ValueSource::EnvVariable, Some(a)) => a
                    .get_env()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                (_, Some(a)) => format!("--{}", a.get_long().unwrap_or_default()),
                (_, None) => String::new(),
            };
            let message = expected
                .replace("{name}", &name)
                .replace("{value}", &format!("{text:?}"));
            clap::Error::raw(ErrorKind::ValueValidation, format!("{message}\n"))
        })
    }
}

pub(crate) fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        "invalid address {value}: expected HOST:PORT such as 127.0.0.1:3000".to_owned()
    })
}

fn parse_attachment_store(text: &str) -> Result<AttachmentStore, String> {
    AttachmentStore::parse(text)
        .ok_or_else(|| "{name} must be files or database, not {value}".to_owned())
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("{name} must be true or false, not {value}".to_owned()),
    }
}

fn parse_delays(text: &str) -> Result<Delays, String> {
    let all: Option<Vec<_>> = text
        .split(',')
        .map(|s| s.trim().parse::<u64>().ok().filter(|n| *n > 0))
        .map(|n| n.map(std::time::Duration::from_secs))
        .collect();
    all.filter(|d| !d.is_empty()).map(Delays).ok_or_else(|| {
        "{name} must be positive numbers of seconds separated by commas, such as 5,60,600, not {value}"
            .to_owned()
    })
}

fn parse_number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| "{name} must be a positive number, not {value}".to_owned())
}

/// An `http` or `https` URL with a host and no query; the trailing slash is dropped.
pub(crate) fn parse_public_url(raw: &str) -> Result<String, String> {
    public_url(raw).ok_or_else(|| {
        "{name} must be an http(s) URL such as https://helpdesk.example.com, not {value}".to_owned()
    })
}

fn public_url(raw: &str) -> Option<String> {
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

/// `cmd` and its subcommands without the environment variables that are set but blank, so
/// that those fall back to their defaults (clap would take the empty text as the value).
pub fn ignore_blank_env(cmd: Command) -> Command {
    let blank = |name: &OsStr| {
        std::env::var_os(name).is_some_and(|v| v.to_string_lossy().trim().is_empty())
    };
    let cmd = cmd.mut_args(|a| {
        if a.get_env().is_some_and(blank) {
            a.env(None::<&'static str>)
        } else {
            a
        }
    });
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    names
        .iter()
        .fold(cmd, |cmd, name| cmd.mut_subcommand(name, ignore_blank_env))
}

#[cfg(test)]
mod tests {
    use super::public_url;

    #[test]
    fn a_public_url_is_an_http_or_https_base_without_its_trailing_slash() {
        assert_eq!(
            public_url("https://help.example.com/").as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(
            public_url("http://10.0.0.5:8080/desk").as_deref(),
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
            assert_eq!(public_url(bad), None, "{bad}");
        }
    }
}
