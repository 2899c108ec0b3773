//! Server functions for the ticket pages: list, read, create, change, reply, quick actions,
//! delete and the dashboard counts. Each one turns form fields into the same JSON-shaped body
//! the REST API parses, and calls one function of `service::tickets` or `service::followups`.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use crate::domain::page::Page;
use crate::domain::ticket::{Ticket, TicketChoices, TicketCounts, TicketDetail};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use super::context::{media_root, pool, require_user, respond};

/// The ticket list's filters, sort and page, exactly as they stand in the URL query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// Status numbers; several may be chosen.
    pub status: Vec<String>,
    pub queue: String,
    /// A user id, `me` or `unassigned`.
    pub assigned_to: String,
    pub priority: String,
    pub q: String,
    pub ordering: String,
    pub page: String,
    pub page_size: String,
}

/// Percent-encodes a query value.
pub fn encode(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl ListQuery {
    pub fn from_params(p: &leptos_router::params::ParamsMap) -> Self {
        let one = |k: &str| p.get(k).unwrap_or_default();
        Self {
            status: p
                .get_all("status")
                .unwrap_or_default()
                .into_iter()
                .flat_map(|s| {
                    s.split(',')
                        .map(|x| x.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|s| !s.is_empty())
                .collect(),
            queue: one("queue"),
            assigned_to: one("assigned_to"),
            priority: one("priority"),
            q: one("q"),
            ordering: one("ordering"),
            page: one("page"),
            page_size: one("page_size"),
        }
    }

    /// `?…` for a link to this view (empty values left out).
    pub fn href(&self) -> String {
        let mut parts: Vec<String> = self
            .status
            .iter()
            .map(|s| format!("status={}", encode(s)))
            .collect();
        for (k, v) in [
            ("queue", &self.queue),
            ("assigned_to", &self.assigned_to),
            ("priority", &self.priority),
            ("q", &self.q),
            ("ordering", &self.ordering),
            ("page", &self.page),
            ("page_size", &self.page_size),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(v)));
            }
        }
        if parts.is_empty() {
            "/tickets".to_owned()
        } else {
            format!("/tickets?{}", parts.join("&"))
        }
    }

    /// The same view sorted by `ordering`, from the first page.
    pub fn sorted(&self, ordering: &str) -> Self {
        Self {
            ordering: ordering.to_owned(),
            page: String::new(),
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: u64) -> Self {
        Self {
            page: page.to_string(),
            ..self.clone()
        }
    }
}

/// A page of tickets, and the server's clock (to mark overdue tickets the same way on the
/// server and in the browser).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketPage {
    pub page: Page<Ticket>,
    pub now: crate::domain::Timestamp,
}

/// A page of tickets for the list.
#[server(prefix = "/sfn", endpoint = "list_tickets")]
pub async fn list_tickets(query: ListQuery) -> Result<TicketPage, AppError> {
    respond(
        async {
            use crate::domain::page::PageRequest;
            use crate::domain::ticket::TicketFilter;
            let actor = require_user().await?;
            let mut pairs = Vec::new();
            if !query.status.is_empty() {
                pairs.push(("status".to_owned(), query.status.join(",")));
            }
            let assigned = match query.assigned_to.as_str() {
                "me" => actor.id.to_string(),
                "unassigned" => String::new(),
                other => other.to_owned(),
            };
            for (k, v) in [
                ("queue", query.queue),
                ("assigned_to", assigned),
                ("priority", query.priority),
                ("q", query.q),
                ("ordering", query.ordering),
            ] {
                pairs.push((k.to_owned(), v));
            }
            let mut filter = TicketFilter::from_query(&pairs);
            filter.unassigned = query.assigned_to == "unassigned";
            let page = PageRequest::parse(Some(&query.page), Some(&query.page_size))?;
            let page =
                crate::service::tickets::list_summaries(&pool()?, &actor, &filter, page).await?;
            Ok(TicketPage {
                page,
                now: crate::domain::Timestamp::now(),
            })
        }
        .await,
    )
}

/// Queues, staff and custom fields for forms and filters.
#[server(prefix = "/sfn", endpoint = "ticket_choices")]
pub async fn get_ticket_choices() -> Result<TicketChoices, AppError> {
    respond(
        async { crate::service::tickets::choices(&pool()?, &require_user().await?).await }.await,
    )
}

/// One ticket with its audit trail.
#[server(prefix = "/sfn", endpoint = "get_ticket")]
pub async fn get_ticket(id: i64) -> Result<TicketDetail, AppError> {
    respond(
        async { crate::service::tickets::detail(&pool()?, &require_user().await?, id).await }.await,
    )
}

/// The dashboard's counts.
#[server(prefix = "/sfn", endpoint = "ticket_counts")]
pub async fn get_ticket_counts() -> Result<TicketCounts, AppError> {
    respond(async { crate::service::tickets::counts(&pool()?, &require_user().await?).await }.await)
}

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
                f.insert(super::forms::FILES_DROPPED.to_owned(), "1".to_owned());
            }
            super::forms::keep_draft("/sfn/create_ticket", f).await;
            Err(super::forms::web_words(e))
        }
    }
}

/// The text fields and the files of a multipart form post.
#[cfg(feature = "ssr")]
async fn read_multipart(
    data: MultipartData,
) -> Result<
    (
        Vec<(String, String)>,
        Vec<crate::domain::attachment::UploadedFile>,
    ),
    AppError,
> {
    use crate::domain::attachment::UploadedFile;
    let bad = |_| AppError::BadRequest("The form could not be read.".to_owned());
    let mut multipart = data.into_inner().ok_or(AppError::Internal)?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(ToOwned::to_owned) {
            Some(filename) => {
                let content_type = field
                    .content_type()
                    .map_or_else(|| "application/octet-stream".to_owned(), |m| m.to_string());
                let bytes = field.bytes().await.map_err(bad)?;
                // An empty file input still sends a part without a name or bytes.
                if !filename.is_empty() {
                    files.push(UploadedFile {
                        field: name,
                        filename,
                        content_type,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => fields.push((name, field.text().await.map_err(bad)?)),
        }
    }
    Ok((fields, files))
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
                    if super::context::plain_form() {
                        super::forms::keep_draft("/sfn/update_ticket", mine).await;
                    } else {
                        c.yours = mine;
                    }
                    Err(AppError::Conflict(c))
                }
                Err(e) => {
                    super::forms::keep_draft("/sfn/update_ticket", mine).await;
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
    pool: &sqlx::SqlitePool,
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

/// The ticket page's one-click actions, each a change recorded in the audit trail:
/// `assign_me`, `hold`, `unhold`, `resolve` (with `resolution`), `close`, `reopen`, and
/// `merge` (into ticket `target`, which marks this one a duplicate).
#[server(prefix = "/sfn", endpoint = "ticket_action")]
pub async fn ticket_action(
    id: i64,
    action: String,
    resolution: Option<String>,
    target: Option<String>,
) -> Result<(), AppError> {
    respond(
        async {
            use crate::domain::input::WriteMode;
            use crate::domain::ticket::TicketInput;
            use serde_json::json;
            let actor = require_user().await?;
            let body = match action.as_str() {
                "assign_me" => json!({ "assigned_to": actor.id }),
                "hold" => json!({ "on_hold": true }),
                "unhold" => json!({ "on_hold": false }),
                "resolve" => json!({ "status": 3, "resolution": resolution.unwrap_or_default() }),
                "close" => json!({ "status": 4 }),
                "reopen" => json!({ "status": 2 }),
                "merge" => json!({ "merged_to": target.unwrap_or_default(), "status": 5 }),
                _ => return Err(AppError::BadRequest("Unknown action.".to_owned())),
            };
            let body = body.as_object().cloned().unwrap_or_default();
            let input = TicketInput::from_json(&body, WriteMode::Update);
            crate::service::tickets::update(&pool()?, &actor, id, input).await?;
            Ok(())
        }
        .await,
    )
}

/// Deletes a ticket (after the confirmation page), then goes to the list.
#[server(prefix = "/sfn", endpoint = "delete_ticket")]
pub async fn delete_ticket(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::tickets::delete(&pool()?, &actor, &media_root()?, id).await?;
            leptos_axum::redirect(&format!("/tickets?deleted={id}"));
            Ok(())
        }
        .await,
    )
}

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
            let mut draft: BTreeMap<String, String> = body
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Bool(true) => Some((k, "on".to_owned())),
                    _ => None,
                })
                .collect();
            if had_files {
                draft.insert(super::forms::FILES_DROPPED.to_owned(), "1".to_owned());
            }
            super::forms::keep_draft("/sfn/reply_ticket", draft).await;
            Err(super::forms::web_words(e))
        }
    }
}

/// "My tickets": the tickets the signed-in user submitted, newest first.
#[server(prefix = "/sfn", endpoint = "list_own_tickets")]
pub async fn list_own_tickets(
    page: Option<String>,
) -> Result<Page<crate::domain::ticket::SubmitterTicketSummary>, AppError> {
    respond(
        async {
            let actor = require_user().await?;
            let page = crate::domain::page::PageRequest::parse(page.as_deref(), None)?;
            let p = crate::service::tickets::list_for_submitter(&pool()?, &actor, page).await?;
            // Only what the page shows goes to the browser (issue 10.12).
            Ok(Page {
                count: p.count,
                request: p.request,
                items: p.items.into_iter().map(Into::into).collect(),
            })
        }
        .await,
    )
}

/// One of the signed-in user's own tickets, as they may see it.
#[server(prefix = "/sfn", endpoint = "get_own_ticket")]
pub async fn get_own_ticket(id: i64) -> Result<crate::domain::ticket::SubmitterTicket, AppError> {
    respond(
        async {
            crate::service::tickets::get_for_submitter(&pool()?, &require_user().await?, id).await
        }
        .await,
    )
}

/// A public comment by the ticket's submitter.
#[server(prefix = "/sfn", endpoint = "comment_own_ticket")]
pub async fn comment_own_ticket(id: i64, comment: String) -> Result<(), AppError> {
    respond(
        async {
            let actor = require_user().await?;
            crate::service::tickets::comment_as_submitter(&pool()?, &actor, id, &comment).await
        }
        .await,
    )
}

/// Bulk actions on the ticket list: `sel` holds the ticked rows (`sel[<id>]=on`), `action` is
/// `assign:me`, `assign:none`, `assign:<user id>`, `status:<n>` or `delete` (which needs
/// `confirm` ticked).
#[server(prefix = "/sfn", endpoint = "bulk_tickets")]
pub async fn bulk_tickets(
    sel: Option<BTreeMap<String, String>>,
    action: String,
    confirm: Option<String>,
) -> Result<usize, AppError> {
    respond(
        async {
            use crate::domain::ticket::TicketStatus;
            use crate::service::tickets::BulkAction;
            let actor = require_user().await?;
            let ids: Vec<i64> = sel
                .unwrap_or_default()
                .keys()
                .filter_map(|k| k.parse().ok())
                .collect();
            if ids.is_empty() {
                return Err(AppError::field("sel", "Select at least one ticket."));
            }
            let invalid = || AppError::field("action", "Choose an action.");
            let action = match action.split_once(':') {
                None if action == "delete" => {
                    if !crate::server_fns::users::checked(&confirm) {
                        return Err(AppError::field(
                            "confirm",
                            "Tick the box to confirm the deletion.",
                        ));
                    }
                    BulkAction::Delete
                }
                Some(("assign", "me")) => BulkAction::Assign(Some(actor.id)),
                Some(("assign", "none")) => BulkAction::Assign(None),
                Some(("assign", id)) => {
                    BulkAction::Assign(Some(id.parse().map_err(|_| invalid())?))
                }
                Some(("status", s)) => {
                    BulkAction::SetStatus(TicketStatus::parse(s).map_err(|_| invalid())?)
                }
                _ => return Err(invalid()),
            };
            crate::service::tickets::bulk(&pool()?, &actor, &media_root()?, &ids, action).await
        }
        .await,
    )
}
