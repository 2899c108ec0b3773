//! The agents' ticket page: the fields, the quick actions and the timeline.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::actions::QuickActions;
use super::{error_view, ticket_id};
use crate::components::form::url_error;
use crate::components::layout::PageTitle;
use crate::domain::ticket::{TicketChoices, TicketDetail};
use crate::error::AppError;
use crate::pages::tickets::{PriorityBadge, StatusBadge, queue_name, user_name};
use crate::server_fns::tickets::{TicketAction, get_ticket, get_ticket_choices};

/// A custom value as a person reads it.
fn custom_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::Bool(true) => "Yes".to_owned(),
        serde_json::Value::Bool(false) => "No".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[component]
pub(super) fn StaffTicketPage(
    reply_draft: Resource<Option<BTreeMap<String, String>>>,
) -> impl IntoView {
    let id = ticket_id();
    let query = use_query_map();
    let act = ServerAction::<TicketAction>::new();
    let ticket = Resource::new(
        move || (id(), act.version().get()),
        |(id, _)| get_ticket(id),
    );
    let choices = Resource::new(|| (), |_| get_ticket_choices());
    let act_url = url_error("/sfn/ticket_action");
    let act_error = Signal::derive(move || {
        act.value()
            .get()
            .and_then(Result::err)
            .or_else(|| act_url.get())
    });
    let notice = move || {
        // After a quick action the URL's banner (from the previous page) no longer applies.
        if act.version().get() > 0 {
            return act
                .value()
                .get()
                .and_then(Result::ok)
                .map(|()| "Ticket updated.");
        }
        let q = query.read();
        if q.get("created").is_some() {
            Some("Ticket created.")
        } else if q.get("saved").is_some() {
            Some("Changes saved.")
        } else if q.get("replied").is_some() && q.get("__err").is_none() {
            Some("Reply added.")
        } else {
            None
        }
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (d, c, draft) = match (ticket.await, choices.await, reply_draft.await) {
                    (Ok(d), Ok(c), draft) => (d, c, draft),
                    (Err(e), _, _) | (_, Err(e), _) => return error_view(e),
                };
                view! {
                    <PageTitle text=format!("#{} {}", d.ticket.id, d.ticket.title) />
                    {move || notice().map(|m| view! { <p class="success banner" role="status">{m}</p> })}
                    <TicketView detail=d.clone() choices=c.clone() act act_error />
                    <crate::pages::ticket_reply::ReplyForm ticket=d.ticket.id draft />
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn TicketView(
    detail: TicketDetail,
    choices: TicketChoices,
    act: ServerAction<TicketAction>,
    act_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let t = detail.ticket.clone();
    let id = t.id;
    let due = t
        .due_date
        .as_ref()
        .map(|d| d.to_display())
        .unwrap_or_else(|| "—".into());
    let custom_rows = choices
        .custom_fields
        .iter()
        .map(|f| {
            let v = t
                .custom
                .get(&f.key())
                .map(custom_text)
                .unwrap_or_else(|| "—".into());
            view! { <dt>{f.label.clone()}</dt><dd>{v}</dd> }
        })
        .collect_view();
    view! {
        <section class="card">
            <div class="head-row">
                <h1>{format!("#{} {}", t.id, t.title)}</h1>
                <div class="actions">
                    <a class="button" href=format!("/tickets/{id}/edit")>"Edit"</a>
                    <a class="button danger" href=format!("/tickets/{id}/delete")>"Delete…"</a>
                </div>
            </div>
            // A merged ticket is no longer worked on: say where its work went (issue 11.3).
            {t.merged_to.map(|m| view! {
                <p class="notice merged" role="note">
                    "This ticket was merged into " <a href=format!("/tickets/{m}")>{format!("#{m}")}</a> "."
                </p>
            })}
            <p class="badges">
                <StatusBadge status=t.status />
                " "
                <PriorityBadge priority=t.priority />
                {t.on_hold.then(|| view! { " " <span class="badge hold">"On hold"</span> })}
            </p>
            <dl class="fields">
                <dt>"Queue"</dt><dd>{queue_name(&choices, t.queue)}</dd>
                <dt>"Assigned to"</dt><dd>{user_name(&choices.staff, t.assigned_to)}</dd>
                <dt>"Submitter"</dt><dd>{t.submitter_email.clone().unwrap_or_else(|| "—".into())}</dd>
                {(!detail.cc.is_empty()).then(|| view! { <dt>"CC"</dt><dd>{detail.cc.join(", ")}</dd> })}
                <dt>"Created"</dt><dd>{t.created.to_display()}</dd>
                <dt>"Modified"</dt><dd>{t.modified.to_display()}</dd>
                <dt>"Due"</dt><dd>{due}</dd>
                <dt>"Resolution"</dt><dd>{t.resolution.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "—".into())}</dd>
                {t.merged_to.map(|m| view! {
                    <dt>"Merged into"</dt><dd><a href=format!("/tickets/{m}")>{format!("#{m}")}</a></dd>
                })}
                {custom_rows}
            </dl>
            <h2>"Description"</h2>
            <p class="text">{if t.description.is_empty() { "—".to_owned() } else { t.description.clone() }}</p>
        </section>
        <QuickActions ticket=t.clone() act error=act_error />
        <crate::pages::timeline::Timeline detail choices />
    }
}
