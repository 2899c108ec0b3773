//! The staff reply form, a multipart post with files.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::write::read_multipart;
#[cfg(feature = "ssr")]
use crate::server_fns::context::{media_root, pool, require_user, respond};

/// The reply form, a multipart post so that it carries files: `ticket`, `comment`, `public`,
/// `new_status`, `time_spent` and any number of `attachments`. Goes back to the ticket.
#[server(prefix = "/sfn", endpoint = "reply_ticket", input = MultipartFormData)]
pub async fn reply_ticket(data: MultipartData) -> Result<(), AppError> {
    respond(reply_inner(data).await)
}

#[cfg(feature = "ssr")]
async fn reply_inner(data: MultipartData) -> Result<(), AppError> {
    use crate::domain::input::WriteMode;
    use crate::domain::ticket::FollowUpInput;
    use serde_json::Value;
    let actor = require_user().await?;
    // Uploads are for staff: refuse anyone else before reading the body (up to 10 MiB).
    crate::service::require_staff(&actor)?;
    let (fields, files) = read_multipart(data).await?;
    let mut body: crate::domain::input::Body = fields
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let public = body.contains_key("public");
    body.insert("public".to_owned(), Value::Bool(public));
    let ticket = body
        .get("ticket")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<i64>().ok());
    let input = FollowUpInput::from_json(&body, WriteMode::Create);
    let had_files = !files.is_empty();
    match crate::service::followups::create(&pool()?, &actor, &media_root()?, input, files).await {
        Ok(_) => {
            if let Some(t) = ticket {
                leptos_axum::redirect(&format!("/tickets/{t}?replied=1"));
            }
            Ok(())
        }
        Err(e) => {
            // What was typed goes back into the form (the wasm also keeps it in the browser).
            let mut draft: std::collections::BTreeMap<String, String> = body
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Bool(true) => Some((k, "on".to_owned())),
                    _ => None,
                })
                .collect();
            if had_files {
                draft.insert(
                    crate::server_fns::forms::FILES_DROPPED.to_owned(),
                    "1".to_owned(),
                );
            }
            crate::server_fns::forms::keep_draft("/sfn/reply_ticket", draft).await;
            Err(crate::server_fns::forms::web_words(e))
        }
    }
}
