//! What an agent does to a ticket from its page: the quick actions, and the delete
//! confirmation.

use leptos::prelude::*;

use super::{error_view, ticket_id};
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::domain::ticket::Ticket;
use crate::error::AppError;
use crate::server_fns::tickets::{DeleteTicket, TicketAction, get_ticket};

#[component]
pub(super) fn QuickActions(
    ticket: Ticket,
    act: ServerAction<TicketAction>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = ticket.id;
    let pending = act.pending();
    let button = move |action: &'static str, label: &'static str| {
        view! {
            <ActionForm action=act attr:class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" disabled=pending>{label}</button>
            </ActionForm>
        }
    };
    let active = ticket.status.is_active();
    view! {
        <section class="card">
            <h2>"Quick actions"</h2>
            <FormAlert error />
            <div class="quick">
                {button("assign_me", "Assign to me")}
                {if ticket.on_hold { button("unhold", "Take off hold") } else { button("hold", "Put on hold") }}
                {active.then(|| button("close", "Close"))}
                {(!active).then(|| button("reopen", "Reopen"))}
            </div>
            {active.then(|| view! {
                <ActionForm action=act attr:class="form resolve">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="action" value="resolve" />
                    <label for="resolution">"Resolution"</label>
                    <textarea id="resolution" name="resolution" rows="2"></textarea>
                    <button type="submit" disabled=pending>"Resolve"</button>
                </ActionForm>
            })}
            <ActionForm action=act attr:class="form merge">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value="merge" />
                <label for="merge-target">"Merge into ticket #"</label>
                <input id="merge-target" name="target" type="number" min="1" aria-describedby="merged_to-error" />
                <FieldError error field="merged_to" />
                <button type="submit" disabled=pending>"Merge"</button>
            </ActionForm>
        </section>
    }
}

/// `/tickets/{id}/delete`: a confirmation step that names the ticket.
#[component]
pub fn TicketDelete() -> impl IntoView {
    let id = ticket_id();
    let delete = ServerAction::<DeleteTicket>::new();
    let ticket = Resource::new(id, get_ticket);
    let from_url = url_error("/sfn/delete_ticket");
    let error = Signal::derive(move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let pending = delete.pending();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let t = match ticket.await {
                    Ok(d) => d.ticket,
                    Err(e) => return error_view(e),
                };
                let name = format!("#{} “{}”", t.id, t.title);
                view! {
                    <section class="card narrow">
                        <h1>"Delete ticket " {name.clone()} "?"</h1>
                        <p>"This removes the ticket " {name.clone()} " with all its followups and attachments. It cannot be undone."</p>
                        <ActionForm action=delete attr:class="form">
                            <FormAlert error />
                            <input type="hidden" name="id" value=t.id />
                            <button type="submit" class="danger" disabled=pending>
                                {move || if pending.get() { "Deleting…".to_owned() } else { format!("Delete ticket #{}", t.id) }}
                            </button>
                            <a href=format!("/tickets/{}", t.id)>"Cancel"</a>
                        </ActionForm>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
