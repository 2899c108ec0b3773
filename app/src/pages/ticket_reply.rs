//! The agents' reply form on the ticket page.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::draft::{drop_draft, focus_error, keep_draft};
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::domain::ticket::TicketStatus;
use crate::error::AppError;
use crate::server_fns::forms::{FILES_DROPPED, use_draft};

const PATH: &str = "/sfn/reply_ticket";

/// A multipart form posted straight to the server function, so that files go with it; it works
/// the same with and without the wasm. A failed post comes back with what was typed (from the
/// session), the error by its field and the focus on it; with the wasm, what is typed is also
/// kept in the browser until it is sent, so an expired session loses nothing.
#[component]
pub fn ReplyForm(
    ticket: i64,
    /// What the last failed plain post of this form held (from `reply_draft`).
    draft: Option<BTreeMap<String, String>>,
) -> impl IntoView {
    let error = url_error(PATH);
    // A reply refused for want of a session comes back here only after signing in again, so
    // that error is over (the draft in the browser is what matters then).
    let error = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Unauthorized(_)))
    });
    view! {
        <section class="card">
            <h2>"Reply"</h2>
            <ReplyFields ticket error draft />
        </section>
    }
}

/// The reply form's draft after a failed plain post; created with the page's other resources
/// (not inside its suspense), so that the server and the browser number them alike.
pub fn reply_draft() -> Resource<Option<BTreeMap<String, String>>> {
    use_draft(PATH)
}

#[component]
fn ReplyFields(
    ticket: i64,
    error: Signal<Option<AppError>>,
    draft: Option<BTreeMap<String, String>>,
) -> impl IntoView {
    let query = use_query_map();
    let (sending, set_sending) = signal(false);
    let key = format!("helpdesk.reply.{ticket}");
    let from_server = draft.is_some();
    let text = |k: &str| {
        draft
            .as_ref()
            .and_then(|d| d.get(k).cloned())
            .unwrap_or_default()
    };
    let comment = text("comment");
    let time_spent = text("time_spent");
    let new_status = text("new_status");
    let public = draft.as_ref().is_none_or(|d| d.contains_key("public"));
    let files_dropped = draft
        .as_ref()
        .is_some_and(|d| d.contains_key(FILES_DROPPED));
    let form = NodeRef::<leptos::html::Form>::new();
    // Once the form is in the document: fill it from the browser's draft, keep saving it, and
    // put the focus on the first error.
    Effect::new(move |_| {
        let Some(form) = form.get() else { return };
        let q = query.read_untracked();
        let sent = q.get("replied").is_some() && q.get("__err").is_none();
        if sent {
            drop_draft(&key);
        }
        keep_draft(&form, &key, !sent && !from_server);
        if error.get_untracked().is_some() {
            focus_error(&form);
        }
    });
    view! {
        <form
            node_ref=form
            method="post"
            action=PATH
            enctype="multipart/form-data"
            class="form"
            on:submit=move |ev| {
                // A second click while the first post is on its way would post the reply twice.
                if sending.get_untracked() {
                    ev.prevent_default();
                } else {
                    set_sending.set(true);
                }
            }
        >
            <FormAlert error />
            <input type="hidden" name="ticket" value=ticket />
            <label for="comment">"Comment"</label>
            <textarea id="comment" name="comment" rows="5" aria-describedby="comment-error">{comment}</textarea>
            <FieldError error field="comment" />
            <label class="check"><input type="checkbox" name="public" checked=public />" Public (the submitter may see it)"</label>
            <div class="grid-2">
                <div>
                    <label for="new_status">"New status"</label>
                    <select id="new_status" name="new_status" aria-describedby="new_status-error">
                        <option value="">"Unchanged"</option>
                        {TicketStatus::ALL
                            .into_iter()
                            .map(|s| {
                                let v = (s as i64).to_string();
                                let selected = v == new_status;
                                view! { <option value=v selected=selected>{s.label()}</option> }
                            })
                            .collect_view()}
                    </select>
                    <FieldError error field="new_status" />
                </div>
                <div>
                    <label for="time_spent">"Time spent (HH:MM:SS)"</label>
                    <input id="time_spent" name="time_spent" value=time_spent placeholder="00:15:00" aria-describedby="time_spent-error" />
                    <FieldError error field="time_spent" />
                </div>
            </div>
            <label for="attachments">"Attachments"</label>
            <input id="attachments" name="attachments" type="file" multiple=true aria-describedby="attachments-error" />
            {files_dropped.then(|| view! {
                <p class="help">"Please choose the files again: they were not saved."</p>
            })}
            <FieldError error field="attachments" />
            <button type="submit" class="primary" disabled=sending>
                {move || if sending.get() { "Sending…" } else { "Add reply" }}
            </button>
        </form>
    }
}
