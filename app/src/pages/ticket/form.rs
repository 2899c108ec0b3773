//! The create and edit forms, and the notice shown when an edit meets a colleague's change.

use leptos::prelude::*;

use super::fields::TicketFields;
use super::{error_view, ticket_id};
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::domain::ticket::TicketChoices;
use crate::error::AppError;
use crate::pages::timeline::{change_value, field_label};
use crate::server_fns::forms::{FILES_DROPPED, use_draft};
use crate::server_fns::tickets::{UpdateTicket, get_ticket, get_ticket_choices};

/// `/tickets/new`: a multipart form posted straight to the server function, so that files go
/// with it; it works the same with and without the wasm.
#[component]
pub fn TicketNew() -> impl IntoView {
    let choices = Resource::new(|| (), |_| get_ticket_choices());
    let error = url_error("/sfn/create_ticket");
    let error = Signal::derive(move || error.get());
    let draft = use_draft("/sfn/create_ticket");
    let (sending, set_sending) = signal(false);
    view! {
        <section class="card">
            <h1>"New ticket"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (c, d) = match (choices.await, draft.await) {
                        (Ok(c), d) => (c, d),
                        (Err(e), _) => return error_view(e),
                    };
                    let files_dropped = d
                        .as_ref()
                        .is_some_and(|d| d.contains_key(FILES_DROPPED));
                    view! {
                        <form
                            method="post"
                            action="/sfn/create_ticket"
                            enctype="multipart/form-data"
                            class="form grid-2"
                            novalidate=true
                            on:submit=move |_| set_sending.set(true)
                        >
                            <FormAlert error />
                            <TicketFields choices=c t=None draft=d error />
                            <div class="wide">
                                <label for="attachments">"Attachments"</label>
                                <input id="attachments" name="attachments" type="file" multiple=true aria-describedby="attachments-error" />
                                {files_dropped.then(|| view! {
                                    <p class="help" id="attachments-error">"Please choose the files again: they were not saved."</p>
                                })}
                                <FieldError error field="attachments" />
                            </div>
                            <button type="submit" class="primary" disabled=sending>
                                {move || if sending.get() { "Creating…" } else { "Create ticket" }}
                            </button>
                        </form>
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}

/// `/tickets/{id}/edit`. The form carries the ticket's version and its original values, so
/// a save changes only what the agent changed, and a save over a colleague's change made
/// meanwhile is refused: the form is drawn again from the ticket as it is now, with the
/// agent's changes on top and the colleague's listed (issue 11.1).
#[component]
pub fn TicketEdit() -> impl IntoView {
    let id = ticket_id();
    let update = ServerAction::<UpdateTicket>::new();
    let choices = Resource::new(|| (), |_| get_ticket_choices());
    let from_url = url_error("/sfn/update_ticket");
    let draft = use_draft("/sfn/update_ticket");
    let error = Signal::derive(move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let conflict = Memo::new(move |_| match error.get() {
        Some(AppError::Conflict(c)) => Some(*c),
        _ => None,
    });
    // Read again after a conflict, to draw the form from the ticket as it is now.
    let ticket = Resource::new(
        move || (id(), conflict.get().map(|c| c.version)),
        |(id, _)| get_ticket(id),
    );
    // The conflict has its own message below; the alert shows the other errors.
    let alert = Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Conflict(_))));
    let pending = update.pending();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (d, c, draft) = match (ticket.await, choices.await, draft.await) {
                    (Ok(d), Ok(c), draft) => (d, c, draft),
                    (Err(e), _, _) | (_, Err(e), _) => return error_view(e),
                };
                let clash = conflict.get_untracked();
                // After a conflict with the wasm loaded, the agent's changes come with it.
                let draft = clash
                    .as_ref()
                    .map(|k| k.yours.clone())
                    .filter(|y| !y.is_empty())
                    .or(draft);
                let t = d.ticket;
                let originals = crate::domain::ticket::edit_form_values(&t, &c.custom_fields)
                    .into_iter()
                    .map(|(k, v)| view! { <input type="hidden" name=format!("o[{k}]") value=v /> })
                    .collect_view();
                let clash = clash.map(|k| view! { <ConflictNotice conflict=k choices=c.clone() /> });
                view! {
                    <p><a href=format!("/tickets/{}", t.id)>"← Back to the ticket"</a></p>
                    <section class="card">
                        <h1>{format!("Edit #{} {}", t.id, t.title)}</h1>
                        {clash}
                        <ActionForm action=update attr:class="form grid-2" attr:novalidate=true>
                            <FormAlert error=alert />
                            <input type="hidden" name="id" value=t.id />
                            <input type="hidden" name="version" value=d.version />
                            {originals}
                            <TicketFields choices=c t=Some(t.clone()) draft error />
                            <button type="submit" class="primary" disabled=pending>
                                {move || if pending.get() { "Saving…" } else { "Save changes" }}
                            </button>
                        </ActionForm>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// "This ticket was changed by NAME at TIME", with the fields that changed.
#[component]
fn ConflictNotice(
    conflict: crate::domain::ticket::EditConflict,
    choices: TicketChoices,
) -> impl IntoView {
    let rows = conflict
        .changed
        .iter()
        .map(|c| {
            let old = change_value(&c.field, c.old_value.as_deref(), &choices);
            let new = change_value(&c.field, c.new_value.as_deref(), &choices);
            view! { <li>{format!("{}: {} → {}", field_label(&c.field, &choices), old, new)}</li> }
        })
        .collect_view();
    view! {
        <div class="error conflict" role="alert">
            <p>{format!("This ticket was changed by {} at {}.", conflict.by, conflict.at.to_display())}</p>
            {if conflict.changed.is_empty() {
                view! { <p>"No field of this form changed: a reply or a note was added."</p> }.into_any()
            } else {
                view! { <ul class="changes">{rows}</ul> }.into_any()
            }}
            <p>"Your changes are kept below, over the ticket as it is now. Review them and save again."</p>
        </div>
    }
}
