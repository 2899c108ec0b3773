//! Keeping what was typed into a form that failed. With the wasm loaded a failed form stays on
//! the page as it was; a plain form post (no JavaScript yet, or a multipart form) is answered
//! with a redirect back to the form, so the values go into the session for that one next view.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::error::AppError;

/// A draft field that says the form's files were dropped (browsers cannot refill file inputs).
pub const FILES_DROPPED: &str = "__files_dropped";

#[cfg(feature = "ssr")]
const SESSION_DRAFT: &str = "form_draft";

/// The web app's words for the API's validation messages that only make sense to a program
/// (the API keeps django-helpdesk's exact text; a person gets a sentence they can act on).
pub fn web_words(e: AppError) -> AppError {
    let AppError::Validation(mut errors) = e else {
        return e;
    };
    for (field, msgs) in errors.iter_mut() {
        for m in msgs.iter_mut() {
            let said = if m.as_str() == crate::domain::ticket::DURATION_FORMAT_ERROR {
                Some(
                    "Enter the time spent as hours:minutes:seconds, for example 00:15:00 for a quarter of an hour.",
                )
            } else if m.starts_with("Incorrect type. Expected pk value")
                || m.starts_with("Invalid pk")
            {
                Some(match field.as_str() {
                    "queue" => "Choose a queue.",
                    "assigned_to" => "Choose an agent from the list, or Unassigned.",
                    "ticket" => "This ticket no longer exists.",
                    _ => "Choose a value from the list.",
                })
            } else {
                None
            };
            if let Some(said) = said {
                *m = said.to_owned();
            }
        }
    }
    AppError::Validation(errors)
}

/// The fields of a failed form post, for the server function at `path`.
#[cfg(feature = "ssr")]
#[derive(serde::Serialize, serde::Deserialize)]
struct Draft {
    path: String,
    fields: BTreeMap<String, String>,
}

/// Keeps `fields` for the form's next view when the failed call was a plain form post. A
/// failure here only costs the user their typed values, so it is logged and not returned.
#[cfg(feature = "ssr")]
pub async fn keep_draft(path: &str, fields: BTreeMap<String, String>) {
    if !super::context::plain_form() {
        return;
    }
    let Ok(session) = super::context::session().await else {
        return;
    };
    let draft = Draft {
        path: path.to_owned(),
        fields,
    };
    if let Err(e) = session.insert(SESSION_DRAFT, draft).await {
        tracing::warn!(error = %e, "could not keep a form draft in the session");
    }
}

/// What was typed into the form of server function `path` before its last failed plain post,
/// once: reading it removes it.
#[server(prefix = "/sfn", endpoint = "form_draft")]
pub async fn take_form_draft(path: String) -> Result<Option<BTreeMap<String, String>>, AppError> {
    let session = super::context::session().await?;
    let draft: Option<Draft> = session.get(SESSION_DRAFT).await.unwrap_or(None);
    match draft {
        Some(d) if d.path == path => {
            let _ = session.remove_value(SESSION_DRAFT).await;
            Ok(Some(d.fields))
        }
        _ => Ok(None),
    }
}

/// A form's draft, when the page shows the error of a plain post of server function `path`.
pub fn use_draft(path: &'static str) -> Resource<Option<BTreeMap<String, String>>> {
    let failed = crate::components::form::url_error(path);
    Resource::new(
        move || failed.get().is_some(),
        move |failed| async move {
            if failed {
                take_form_draft(path.to_owned()).await.ok().flatten()
            } else {
                None
            }
        },
    )
}
