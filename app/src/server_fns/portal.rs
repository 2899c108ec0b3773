//! The public portal's server functions (issue 15): open to visitors without an account, so
//! each is named in the server's list of open server functions (`src/auth/server_fns.rs`);
//! the CSRF check (this site's `Origin` or `Referer`) still applies to every one. The forms
//! post here as plain HTML forms, with and without the wasm.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::domain::portal::PortalChoices;
use crate::domain::ticket::SubmitterTicket;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::server_fns::context::{media_root, pool, respond};

/// The server function paths, for the pages' forms and their errors.
pub const SUBMIT_PATH: &str = "/sfn/portal_submit";
pub const REPLY_PATH: &str = "/sfn/portal_reply";
pub const STATUS_PATH: &str = "/sfn/portal_status";

/// `/view/{id}?key=...` with the key percent-encoded (it comes from the visitor's URL).
pub fn view_href(id: i64, key: &str, extra: &str) -> String {
    format!(
        "/view/{id}?key={}{extra}",
        crate::server_fns::tickets::encode(key)
    )
}

/// The queues open to the public and the custom fields customers may fill in.
#[server(prefix = "/sfn", endpoint = "portal_choices")]
pub async fn get_portal_choices() -> Result<PortalChoices, AppError> {
    respond(async { crate::service::portal::choices(&pool()?).await }.await)
}

/// The submission limits handed to server functions with the pool.
#[cfg(feature = "ssr")]
fn limits() -> Result<crate::service::portal::PortalLimits, AppError> {
    use_context::<crate::service::portal::PortalLimits>().ok_or_else(|| {
        tracing::error!("no portal limits in the server-function context");
        AppError::Internal
    })
}

/// The `/submit` form, a multipart post: `queue`, `title`, `description`, `email`, the
/// custom fields as `f[custom_<name>]`, the honeypot and any number of `attachments`. Goes
/// to the new ticket's page (its link with the key); answers that path.
#[server(prefix = "/sfn", endpoint = "portal_submit", input = MultipartFormData)]
pub async fn portal_submit(data: MultipartData) -> Result<String, AppError> {
    respond(submit_inner(data).await)
}

#[cfg(feature = "ssr")]
async fn submit_inner(data: MultipartData) -> Result<String, AppError> {
    use std::collections::BTreeMap;

    use crate::domain::portal::HONEYPOT;
    use crate::server_fns::forms::{FILES_DROPPED, keep_draft};
    let (fields, files) = crate::server_fns::tickets::read_multipart(data).await?;
    let mut s = crate::service::portal::Submission::default();
    let mut draft = BTreeMap::new();
    for (name, value) in fields {
        match name.as_str() {
            "queue" => s.queue = value.clone(),
            "title" => s.title = value.clone(),
            "description" => s.description = value.clone(),
            "email" => s.email = value.clone(),
            n if n == HONEYPOT => {
                s.honeypot = value;
                continue;
            }
            n => {
                if let Some(key) = n.strip_prefix("f[").and_then(|k| k.strip_suffix(']')) {
                    s.custom.insert(key.to_owned(), value.clone());
                    draft.insert(key.to_owned(), value);
                }
                continue;
            }
        }
        draft.insert(name, value);
    }
    let had_files = !files.is_empty();
    s.files = files;
    let client = crate::server_fns::context::client_addr();
    match crate::service::portal::submit(&pool()?, &media_root()?, &limits()?, client, s).await {
        Ok(done) => {
            let path = view_href(done.id, &done.key, "&submitted=1");
            leptos_axum::redirect(&path);
            Ok(path)
        }
        Err(e) => {
            if had_files {
                draft.insert(FILES_DROPPED.to_owned(), "1".to_owned());
            }
            keep_draft(SUBMIT_PATH, draft).await;
            Err(e)
        }
    }
}

/// The ticket behind a `/view` link, as its submitter sees it.
#[server(prefix = "/sfn", endpoint = "portal_ticket")]
pub async fn get_portal_ticket(id: i64, key: String) -> Result<SubmitterTicket, AppError> {
    respond(async { crate::service::portal::view(&pool()?, id, &key).await }.await)
}

/// The submitter's reply, a multipart post: `ticket`, `key`, `comment` and any number of
/// `attachments`. Goes back to the ticket.
#[server(prefix = "/sfn", endpoint = "portal_reply", input = MultipartFormData)]
pub async fn portal_reply(data: MultipartData) -> Result<(), AppError> {
    respond(reply_inner(data).await)
}

#[cfg(feature = "ssr")]
async fn reply_inner(data: MultipartData) -> Result<(), AppError> {
    use std::collections::BTreeMap;

    use crate::server_fns::forms::{FILES_DROPPED, keep_draft};
    let (fields, files) = crate::server_fns::tickets::read_multipart(data).await?;
    let fields: BTreeMap<String, String> = fields.into_iter().collect();
    let id = fields
        .get("ticket")
        .and_then(|t| t.trim().parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    let key = fields.get("key").cloned().unwrap_or_default();
    let comment = fields.get("comment").cloned().unwrap_or_default();
    let had_files = !files.is_empty();
    match crate::service::portal::reply(&pool()?, &media_root()?, id, &key, &comment, files).await {
        Ok(()) => {
            leptos_axum::redirect(&view_href(id, &key, "&replied=1#reply"));
            Ok(())
        }
        Err(e) => {
            let mut draft = BTreeMap::new();
            draft.insert("comment".to_owned(), comment);
            if had_files {
                draft.insert(FILES_DROPPED.to_owned(), "1".to_owned());
            }
            keep_draft(REPLY_PATH, draft).await;
            Err(e)
        }
    }
}

/// Closes (`action=close`) or reopens (`action=reopen`) the ticket for its submitter.
#[server(prefix = "/sfn", endpoint = "portal_status")]
pub async fn portal_status(id: i64, key: String, action: String) -> Result<(), AppError> {
    respond(
        async {
            let close = match action.as_str() {
                "close" => true,
                "reopen" => false,
                _ => return Err(AppError::field("action", "Choose close or reopen.")),
            };
            crate::service::portal::set_status(&pool()?, id, &key, close).await?;
            let done = if close { "&closed=1" } else { "&reopened=1" };
            leptos_axum::redirect(&view_href(id, &key, done));
            Ok(())
        }
        .await,
    )
}
