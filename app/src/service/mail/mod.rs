//! Mail (issue 15). Out: every notification is written to the outbox (`outbox::enqueue`, called
//! by `events::record` in the transaction of the change), rendered from `templates`, and sent
//! by the worker (`send`) over SMTP with retries. In: filing received messages (`receive`),
//! piped by the MTA or polled from a queue's IMAP mailbox (`imap`).
//!
//! # Settings
//! A message is rendered when it is written (links, From), inside the write transaction: the
//! few settings that needs (`MailSettings`) travel with the `Db` (`Db::with_mail`) into each
//! `WriteTx`, set by every command that writes (the server, `mail receive`). Without them,
//! messages come from `DEFAULT_FROM` and link to `http://localhost:3000`.

mod filing;
pub mod ignore;
pub mod imap;
pub mod mailbox;
pub mod outbox;
pub mod receive;
pub mod send;
pub mod templates;

/// From when neither the queue nor `HELPDESK_DEFAULT_FROM` gives an address.
pub const DEFAULT_FROM: &str = "helpdesk@localhost";

/// What rendering a message needs (see the module notes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// The base of links in messages, without a trailing slash: `HELPDESK_PUBLIC_URL`, else
    /// `http://` and the address the server listens on.
    pub base_url: String,
    /// `HELPDESK_DEFAULT_FROM`: the From of messages about tickets whose queue has no
    /// address of its own.
    pub default_from: String,
    /// Whether a worker sends the outbox (`HELPDESK_SMTP_URL` is set): the dashboard tells
    /// superusers when it is not.
    pub sending: bool,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            base_url: "http://localhost:3000".to_owned(),
            default_from: DEFAULT_FROM.to_owned(),
            sending: false,
        }
    }
}

impl MailSettings {
    /// The settings from the server's: `public_url` (already without its trailing slash)
    /// else `http://{listen}`; `default_from` else `DEFAULT_FROM`.
    pub fn new(
        public_url: Option<&str>,
        listen: std::net::SocketAddr,
        default_from: Option<&str>,
        sending: bool,
    ) -> Self {
        Self {
            base_url: public_url.map_or_else(
                || format!("http://{listen}"),
                |u| u.trim_end_matches('/').to_owned(),
            ),
            default_from: default_from
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .unwrap_or(DEFAULT_FROM)
                .to_owned(),
            sending,
        }
    }
}

/// `smtp://user:secret@host` with the password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    super::db::redact(url)
}

/// Whether user `user_id` gets notifications by mail (their own setting; on by default).
///
/// # Errors
/// `Internal` on a database failure.
pub async fn notifications_enabled(
    db: &super::db::Db,
    user_id: i64,
) -> Result<bool, crate::error::AppError> {
    let on: Option<i64> = sqlx::query_scalar("select email_notifications from users where id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(on.unwrap_or(1) != 0)
}

pub const BAD_CHOICE: &str = "Choose on or off.";

/// Turns the acting user's own notifications on or off (`raw`: true/false, on/off, 1/0);
/// answers the setting as stored.
///
/// # Errors
/// `Validation` naming `enabled` for anything else (nothing is written then).
pub async fn set_notifications(
    db: &super::db::Db,
    actor: &crate::domain::user::CurrentUser,
    raw: &str,
) -> Result<bool, crate::error::AppError> {
    let enabled = match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "1" | "yes" => true,
        "false" | "off" | "0" | "no" => false,
        _ => return Err(crate::error::AppError::field("enabled", BAD_CHOICE)),
    };
    let mut tx = super::db::begin_write(db).await?;
    sqlx::query("update users set email_notifications = $1 where id = $2")
        .bind(i64::from(enabled))
        .bind(actor.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(enabled)
}
