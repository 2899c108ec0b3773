//! Creating a ticket (a multipart form, with files) and saving the edit form.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::server_fns::context::{media_root, pool, require_user, respond};

/// A form's fields as the JSON object the parsers read. Checkboxes named in `bools` (comma
/// separated) are true when sent and false when absent, as HTML leaves unticked boxes out.
#[cfg(feature = "ssr")]
pub(crate) fn form_body(
    f: BTreeMap<String, String>,
    bools: Option<String>,
) -> crate::domain::input::Body {
    use serde_json::Value;
    // Browsers send a textarea's line breaks as CRLF; stored texts use LF (the API, the seed),
    // so an unchanged description would otherwise be recorded as changed.
    let mut body: crate::domain::input::Body = f
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.replace("\r\n", "\n"))))
        .collect();
    for key in bools.unwrap_or_default().split(',').map(str::trim) {
        if !key.is_empty() {
            let on = crate::server_fns::users::checked(&f.get(key).cloned());
            body.insert(key.to_owned(), Value::Bool(on));
        }
    }
    body
}

/// Opens a ticket from the "New ticket" form, a multipart post so that it carries files:
/// the ticket's fields as `f[<name>]`, `bools` (see `form_body`) and any number of
/// `attachments`. Goes to the new ticket; on an error the typed values are kept for the form.
#[server(prefix = "/sfn", endpoint = "create_ticket", input = MultipartFormData)]
pub async fn create_ticket(data: MultipartData) -> Result<i64, AppError> {
    respond(create_inner(data).await)
}

#[cfg(feature = "ssr")]
async fn create_inner(data: MultipartData) -> Result<i64, AppError> {
    use crate::domain::input::WriteMode;
    use crate::domain::ticket::TicketInput;
    let actor = require_user().await?;
    // Uploads are for staff: refuse anyone else before reading the body (up to 10 MiB).
    crate::service::require_staff(&actor)?;
    let (fields, files) = read_multipart(data).await?;
    let mut f = BTreeMap::new();
    let mut bools = None;
    for (name, value) in fields {
        if name == "bools" {
            bools = Some(value);
        } else if let Some(key) = name.strip_prefix("f[").and_then(|k| k.strip_suffix(']')) {
            f.insert(key.to_owned(), value);
        }
    }
    let had_files = !files.is_empty();
    let input = TicketInput::from_json(&form_body(f.clone(), bools), WriteMode::Create);
    match crate::service::tickets::create(&pool()?, &actor, &media_root()?, input, files).await {
        Ok(t) => {
            leptos_axum::redirect(&format!("/tickets/{}?created=1", t.id));
            Ok(t.id)
        }
        Err(e) => {
            if had_files {
                f.insert(
                    crate::server_fns::forms::FILES_DROPPED.to_owned(),
                    "1".to_owned(),
                );
            }
            crate::server_fns::forms::keep_draft("/sfn/create_ticket", f).await;
            Err(crate::server_fns::forms::web_words(e))
        }
    }
}

/// The text fields and the files of a multipart form post (read as the REST API reads them).
#[cfg(feature = "ssr")]
pub(crate) async fn read_multipart(
    data: MultipartData,
) -> Result<
    (
        Vec<(String, String)>,
        Vec<crate::domain::attachment::UploadedFile>,
    ),
    AppError,
> {
    let multipart = data.into_inner().ok_or(AppError::Internal)?;
    let form = crate::multipart::read(multipart)
        .await
        .map_err(|_| AppError::BadRequest("The form could not be read.".to_owned()))?;
    Ok((form.fields, form.files))
}

/// Saves the edit form, then goes back to the ticket. `o` holds the form's original values and
/// `version` the ticket's version it was drawn from: only the fields whose value differs from
/// the original are changed, and only if the ticket is still at that version (issue 11.1).
/// Without `o` every field sent is applied. On a conflict the agent's changes are kept for the
/// form, and the error lists the fields a colleague changed meanwhile.
#[server(prefix = "/sfn", endpoint = "update_ticket")]
pub async fn update_ticket(
    id: i64,
    f: BTreeMap<String, String>,
    bools: Option<String>,
    o: Option<BTreeMap<String, String>>,
    version: Option<i64>,
) -> Result<i64, AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            use crate::domain::ticket::TicketInput;
            let actor = require_user().await?;
            let pool = pool()?;
            let (mine, bools) = changed_fields(f, bools, o.as_ref());
            let input = TicketInput::from_json(&form_body(mine.clone(), bools), WriteMode::Update);
            match crate::service::tickets::update_checked(&pool, &actor, id, input, version).await {
                Ok(t) => {
                    leptos_axum::redirect(&format!("/tickets/{}?saved=1", t.id));
                    Ok(t.id)
                }
                Err(AppError::Conflict(mut c)) => {
                    if let Some(o) = &o {
                        c.changed = changed_since(&pool, &actor, id, o).await?;
                    }
                    if crate::server_fns::context::plain_form() {
                        crate::server_fns::forms::keep_draft("/sfn/update_ticket", mine).await;
                    } else {
                        c.yours = mine;
                    }
                    Err(AppError::Conflict(c))
                }
                Err(e) => {
                    crate::server_fns::forms::keep_draft("/sfn/update_ticket", mine).await;
                    Err(e)
                }
            }
        }
        .await,
    )
}

/// Text as a form sends it, for comparing: browsers may send a textarea's line breaks as CRLF.
#[cfg(feature = "ssr")]
fn same_text(a: Option<&String>, b: Option<&String>) -> bool {
    let norm = |s: Option<&String>| s.map(|s| s.replace("\r\n", "\n")).unwrap_or_default();
    norm(a) == norm(b)
}

/// The fields of an edit form the agent changed (all of them without `o`), and the `bools`
/// among them. A checkbox is "on" or "false", so that an unticked box is a value too.
#[cfg(feature = "ssr")]
fn changed_fields(
    f: BTreeMap<String, String>,
    bools: Option<String>,
    o: Option<&BTreeMap<String, String>>,
) -> (BTreeMap<String, String>, Option<String>) {
    use crate::server_fns::users::checked;
    let bool_keys: Vec<String> = bools
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(ToOwned::to_owned)
        .collect();
    let mut out = BTreeMap::new();
    for (k, v) in &f {
        if bool_keys.contains(k) {
            continue;
        }
        if o.is_none_or(|o| !same_text(Some(v), o.get(k))) {
            out.insert(k.clone(), v.clone());
        }
    }
    let mut kept = Vec::new();
    for k in bool_keys {
        let now = checked(&f.get(&k).cloned());
        if o.is_none_or(|o| now != checked(&o.get(&k).cloned())) {
            out.insert(k.clone(), if now { "on" } else { "false" }.to_owned());
            kept.push(k);
        }
    }
    (out, Some(kept.join(",")))
}

/// The form's fields whose value now differs from the original `o` it was drawn with.
#[cfg(feature = "ssr")]
async fn changed_since(
    pool: &crate::service::db::Db,
    actor: &crate::domain::user::CurrentUser,
    id: i64,
    o: &BTreeMap<String, String>,
) -> Result<Vec<crate::domain::ticket::TicketChange>, AppError> {
    use crate::domain::ticket::{TicketChange, edit_form_values};
    // Long texts are cut: the list says what changed, the form shows it whole.
    let short = |s: &str| -> String {
        let mut t: String = s.chars().take(200).collect();
        if t.len() < s.len() {
            t.push('…');
        }
        t
    };
    let d = crate::service::tickets::detail(pool, actor, id).await?;
    let defs = crate::service::tickets::choices(pool, actor)
        .await?
        .custom_fields;
    let now = edit_form_values(&d.ticket, &defs);
    Ok(o.iter()
        .filter(|(k, v)| now.contains_key(*k) && !same_text(Some(v), now.get(*k)))
        .map(|(k, v)| TicketChange {
            followup: 0,
            field: k.clone(),
            old_value: Some(short(v.as_str())),
            new_value: now.get(k).map(|s| short(s.as_str())),
        })
        .collect())
}
