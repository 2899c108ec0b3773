//! The public portal (issue 15), for people without an account: `/submit` opens a ticket in a
//! queue that allows public submission, `/view/{id}?key=SECRET` (the link in every mail) shows
//! it with its public followups, takes replies and closes or reopens it. Every form is a plain
//! HTML post to a server function, so all of it works before (or without) the wasm.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::banner::Banner;
use crate::components::form::{FieldError, FormAlert, id_param, url_error};
use crate::components::layout::PageTitle;
use crate::components::time::Time;
use crate::domain::portal::{HONEYPOT, PortalChoices};
use crate::domain::ticket::{SubmitterTicket, TicketStatus};
use crate::error::AppError;
use crate::pages::tickets::StatusBadge;
use crate::server_fns::forms::{FILES_DROPPED, use_draft};
use crate::server_fns::portal::{
    REPLY_PATH, STATUS_PATH, SUBMIT_PATH, get_portal_choices, get_portal_ticket, view_href,
};

/// `/submit`: the public form.
#[component]
pub fn SubmitPage() -> impl IntoView {
    let choices = Resource::new(|| (), |_| get_portal_choices());
    let error = url_error(SUBMIT_PATH);
    let error = Signal::derive(move || error.get());
    let draft = use_draft(SUBMIT_PATH);
    view! {
        <PageTitle text="Submit a ticket" />
        <section class="card">
            <h1>"Submit a ticket"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (choices.await, draft.await) {
                        (Err(e), _) => view! { <crate::components::error::ErrorMessage error=e /> }.into_any(),
                        (Ok(c), _) if c.queues.is_empty() => view! {
                            <p class="empty">"No queue takes tickets from this page at the moment. Please contact us another way."</p>
                        }
                        .into_any(),
                        (Ok(c), d) => view! { <SubmitForm choices=c draft=d error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SubmitForm(
    choices: PortalChoices,
    draft: Option<BTreeMap<String, String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (sending, set_sending) = signal(false);
    let text = |k: &str| {
        draft
            .as_ref()
            .and_then(|d| d.get(k).cloned())
            .unwrap_or_default()
    };
    let queue = text("queue");
    let files_dropped = draft
        .as_ref()
        .is_some_and(|d| d.contains_key(FILES_DROPPED));
    let one_queue = choices.queues.len() == 1;
    let custom = choices
        .custom_fields
        .iter()
        .map(|f| {
            let key = f.key();
            let value = match f.data_type {
                crate::domain::custom_field::DataType::Boolean => draft
                    .as_ref()
                    .and_then(|d| d.get(&key))
                    .is_some_and(|v| v == "on")
                    .to_string(),
                _ => text(&key),
            };
            view! { <crate::pages::ticket::fields::CustomInput f=f.clone() value error /> }
        })
        .collect_view();
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(form) = form.get()
            && error.get_untracked().is_some()
        {
            crate::components::draft::focus_error(&form);
        }
    });
    view! {
        <p>"Tell us what you need. You will get a link to follow your ticket, by email and on the next page; no account is needed."</p>
        <form
            node_ref=form
            method="post"
            action=SUBMIT_PATH
            enctype="multipart/form-data"
            class="form grid-2"
            novalidate=true
            on:submit=move |ev| {
                if sending.get_untracked() {
                    ev.prevent_default();
                } else {
                    set_sending.set(true);
                }
            }
        >
            <FormAlert error />
            <div>
                <label for="queue">"Queue *"</label>
                <select id="queue" name="queue" required=true aria-describedby="queue-error">
                    {(!one_queue).then(|| view! { <option value="">"Choose a queue"</option> })}
                    {choices
                        .queues
                        .iter()
                        .map(|q| {
                            let v = q.id.to_string();
                            let selected = v == queue;
                            view! { <option value=v selected=selected>{q.title.clone()}</option> }
                        })
                        .collect_view()}
                </select>
                <FieldError error field="queue" />
            </div>
            <div>
                <label for="email">"Your email address *"</label>
                <input id="email" name="email" type="email" autocomplete="email" required=true value=text("email") aria-describedby="email-error" />
                <FieldError error field="email" />
            </div>
            <div class="wide">
                <label for="title">"Summary of the problem *"</label>
                <input id="title" name="title" required=true maxlength="200" value=text("title") aria-describedby="title-error" />
                <FieldError error field="title" />
            </div>
            <div class="wide">
                <label for="description">"Description *"</label>
                <textarea id="description" name="description" rows="6" required=true aria-describedby="description-error">{text("description")}</textarea>
                <FieldError error field="description" />
            </div>
            {custom}
            // The honeypot: out of sight and out of the tab order; people leave it empty.
            <div class="visually-hidden" aria-hidden="true">
                <label for=HONEYPOT>"Leave this field empty"</label>
                <input id=HONEYPOT name=HONEYPOT type="text" tabindex="-1" autocomplete="off" value="" />
            </div>
            <div class="wide">
                <label for="attachments">"Attachments"</label>
                <input id="attachments" name="attachments" type="file" multiple=true aria-describedby="attachments-error" />
                {files_dropped.then(|| view! {
                    <p class="help">"Please choose the files again: they were not saved."</p>
                })}
                <FieldError error field="attachments" />
            </div>
            <button type="submit" class="primary" disabled=sending>
                {move || if sending.get() { "Sending…" } else { "Submit ticket" }}
            </button>
        </form>
    }
}

/// What a wrong key and an unknown ticket both get: the same 404 page, which names neither.
#[component]
fn NoSuchTicket() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageTitle text="Not found" />
        <section class="card narrow" role="alert">
            <h1>"Ticket not found"</h1>
            <p>"This link does not lead to a ticket. Please use the whole link from your email."</p>
            <p><a href="/submit">"Submit a new ticket"</a></p>
        </section>
    }
}

/// `/view/{id}?key=SECRET`: the ticket for whoever holds its link.
#[component]
pub fn ViewPage() -> impl IntoView {
    let id = id_param();
    let query = use_query_map();
    let key = move || query.read().get("key").unwrap_or_default();
    let ticket = Resource::new(
        move || (id(), key()),
        |(id, key)| get_portal_ticket(id, key),
    );
    // Here, outside the suspense: the draft can be taken from the session only once.
    let draft = use_draft(REPLY_PATH);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (ticket.await, draft.await) {
                    (Ok(t), d) => view! { <PortalTicketView t secret=key() draft=d /> }.into_any(),
                    (Err(AppError::NotFound), _) => view! { <NoSuchTicket /> }.into_any(),
                    (Err(e), _) => view! { <section class="card"><crate::components::error::ErrorMessage error=e missing="ticket" /></section> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PortalTicketView(
    t: SubmitterTicket,
    secret: String,
    draft: Option<BTreeMap<String, String>>,
) -> impl IntoView {
    let key = secret;
    let query = use_query_map();
    let q = query.get_untracked();
    let failed = q.get("__err").is_some();
    let notice = if failed {
        None
    } else if q.get("submitted").is_some() {
        Some(
            "Your ticket was submitted. Keep this page's address: it is the only way to follow the ticket without an account.",
        )
    } else if q.get("replied").is_some() {
        Some("Reply sent.")
    } else if q.get("closed").is_some() {
        Some("Ticket closed.")
    } else if q.get("reopened").is_some() {
        Some("Ticket reopened.")
    } else {
        None
    };
    let link = view_href(t.id, &key, "");
    let finished = matches!(t.status, TicketStatus::Closed | TicketStatus::Resolved);
    let title = format!("#{} {}", t.id, t.title);
    let status_error = url_error(STATUS_PATH);
    let status_error = Signal::derive(move || status_error.get());
    view! {
        <PageTitle text=title.clone() />
        {notice.map(|m| view! { <Banner message=m /> })}
        <section class="card">
            <h1>{title}</h1>
            <p class="badges"><StatusBadge status=t.status /></p>
            <dl class="fields">
                <dt>"Ticket number"</dt><dd>{t.id}</dd>
                <dt>"Queue"</dt><dd>{t.queue.clone()}</dd>
                <dt>"Created"</dt><dd><Time at=t.created /></dd>
                <dt>"Link to this ticket"</dt><dd><a class="ticket-link" href=link.clone()>{link.clone()}</a></dd>
                {t.resolution.clone().filter(|r| !r.is_empty()).map(|r| view! { <dt>"Resolution"</dt><dd class="text">{r}</dd> })}
            </dl>
            <h2>"Conversation"</h2>
            <ol class="timeline">
                <PortalConversation t=t.clone() secret=key.clone() />
            </ol>
        </section>
        <PortalReply ticket=t.id secret=key.clone() draft finished />
        <section class="card">
            <h2>{if finished { "Reopen the ticket" } else { "Close the ticket" }}</h2>
            <form method="post" action=STATUS_PATH class="form">
                <FormAlert error=status_error />
                <input type="hidden" name="id" value=t.id />
                <input type="hidden" name="key" value=key />
                {if finished {
                    view! {
                        <p>"Still not solved? Reopen it, or simply reply above."</p>
                        <input type="hidden" name="action" value="reopen" />
                        <button type="submit">"Reopen ticket"</button>
                    }
                    .into_any()
                } else {
                    view! {
                        <p>"Solved, or no longer needed? Close the ticket; a reply reopens it."</p>
                        <input type="hidden" name="action" value="close" />
                        <button type="submit">"Close ticket"</button>
                    }
                    .into_any()
                }}
            </form>
        </section>
    }
}

/// The public followups, with their files downloadable through the ticket's key.
#[component]
fn PortalConversation(t: SubmitterTicket, secret: String) -> impl IntoView {
    let (id, key) = (t.id, secret);
    t.followups
        .into_iter()
        .map(|f| {
            // Followups without an author are the submitter's own (written without an account).
            let who = f.author.clone().unwrap_or_else(|| "You".to_owned());
            let files = f
                .attachments
                .iter()
                .map(|a| {
                    let href = format!(
                        "/view/{id}/attachments/{}?key={}",
                        a.id,
                        crate::server_fns::tickets::encode(&key)
                    );
                    view! {
                        <li>
                            <a href=href download=a.filename.clone()>{a.filename.clone()}</a>
                            {format!(" ({} bytes)", a.size)}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li class="followup">
                    <p class="meta">
                        <strong>{f.title.clone().unwrap_or_else(|| "Comment".into())}</strong>
                        " · " <span class="author">{who}</span>
                        " · " <Time at=f.date />
                    </p>
                    {f.comment.clone().filter(|c| !c.is_empty()).map(|c| view! { <crate::pages::timeline::CommentText text=c /> })}
                    {f.new_status.map(|s| view! { <p class="status-change">"Status: " {s.label()}</p> })}
                    {(!f.attachments.is_empty()).then(|| view! { <ul class="attachments">{files}</ul> })}
                </li>
            }
        })
        .collect_view()
}

#[component]
fn PortalReply(
    ticket: i64,
    secret: String,
    draft: Option<BTreeMap<String, String>>,
    finished: bool,
) -> impl IntoView {
    let error = url_error(REPLY_PATH);
    let error = Signal::derive(move || error.get());
    let (sending, set_sending) = signal(false);
    let comment = draft
        .as_ref()
        .and_then(|d| d.get("comment").cloned())
        .unwrap_or_default();
    let files_dropped = draft
        .as_ref()
        .is_some_and(|d| d.contains_key(FILES_DROPPED));
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(form) = form.get()
            && error.get_untracked().is_some()
        {
            crate::components::draft::focus_error(&form);
        }
    });
    view! {
        <section class="card" id="reply">
            <h2>"Reply"</h2>
            {finished.then(|| view! { <p class="help">"This ticket is finished; a reply reopens it."</p> })}
            <form
                node_ref=form
                method="post"
                action=REPLY_PATH
                enctype="multipart/form-data"
                class="form"
                on:submit=move |ev| {
                    if sending.get_untracked() {
                        ev.prevent_default();
                    } else {
                        set_sending.set(true);
                    }
                }
            >
                <FormAlert error />
                <input type="hidden" name="ticket" value=ticket />
                <input type="hidden" name="key" value=secret />
                <label for="comment">"Your reply"</label>
                <textarea id="comment" name="comment" rows="5" required=true aria-describedby="comment-error">{comment}</textarea>
                <FieldError error field="comment" />
                <label for="attachments">"Attachments"</label>
                <input id="attachments" name="attachments" type="file" multiple=true aria-describedby="attachments-error" />
                {files_dropped.then(|| view! {
                    <p class="help">"Please choose the files again: they were not saved."</p>
                })}
                <FieldError error field="attachments" />
                <button type="submit" class="primary" disabled=sending>
                    {move || if sending.get() { "Sending…" } else { "Send reply" }}
                </button>
            </form>
        </section>
    }
}
