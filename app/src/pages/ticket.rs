//! One ticket: its page (fields, timeline, reply, quick actions), the create and edit forms,
//! and the delete confirmation.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::components::layout::PageTitle;
use crate::domain::custom_field::{CustomField, DataType};
use crate::domain::ticket::{Priority, Ticket, TicketChoices, TicketDetail, TicketStatus};
use crate::error::AppError;
use crate::pages::tickets::{PriorityBadge, StatusBadge, queue_name, user_name};
use crate::pages::timeline::{change_value, field_label};
use crate::server_fns::forms::{FILES_DROPPED, use_draft};
use crate::server_fns::tickets::{
    DeleteTicket, TicketAction, UpdateTicket, get_ticket, get_ticket_choices,
};

fn ticket_id() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    }
}

fn error_view(e: AppError) -> AnyView {
    view! { <section class="card"><ErrorMessage error=e missing="ticket" /></section> }.into_any()
}

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

/// `/tickets/{id}`: the agents' ticket page, or for a non-staff user their own ticket.
#[component]
pub fn TicketPage() -> impl IntoView {
    let id = ticket_id();
    let user = Resource::new_blocking(|| (), |_| crate::server_fns::auth::get_current_user());
    // Here, not in the staff page: the server may render what is inside the suspense twice,
    // and the draft can be taken from the session only once.
    let reply_draft = crate::pages::ticket_reply::reply_draft();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) if u.is_staff => view! { <StaffTicketPage reply_draft /> }.into_any(),
                    Ok(Some(_)) => view! { <crate::pages::my_tickets::OwnTicket id=id() /> }.into_any(),
                    _ => view! { <SignInAgain /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a signed-out visitor of a ticket page gets (often: their session expired while they
/// typed a reply): a way back to this very page, where the draft is waiting.
#[component]
fn SignInAgain() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let href = move || {
        format!(
            "/login?next={}",
            crate::server_fns::tickets::encode(&location.pathname.get())
        )
    };
    view! {
        <section class="card narrow" role="alert">
            <p>"You are signed out (sessions end after a while). Sign in again to come back to this ticket; a reply you were typing is kept."</p>
            <p><a class="button primary" href=href>"Sign in"</a></p>
        </section>
    }
}

#[component]
fn StaffTicketPage(reply_draft: Resource<Option<BTreeMap<String, String>>>) -> impl IntoView {
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

#[component]
fn QuickActions(
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

/// The value to show in an input for a ticket's custom field.
fn custom_input_value(f: &CustomField, t: Option<&Ticket>) -> String {
    crate::domain::ticket::custom_form_value(f, t)
}

/// One custom field's input, by its data type.
#[component]
fn CustomInput(f: CustomField, value: String, error: Signal<Option<AppError>>) -> impl IntoView {
    let key = f.key();
    let id = format!("f-{key}");
    let name = format!("f[{key}]");
    let described = format!("{key}-error");
    let required = f.required;
    let label = if required {
        format!("{} *", f.label)
    } else {
        f.label.clone()
    };
    let help = (!f.help_text.is_empty())
        .then(|| view! { <small class="help">{f.help_text.clone()}</small> });
    let input = match f.data_type {
        DataType::Text => view! {
            <textarea id=id.clone() name=name required=required aria-describedby=described rows="3">{value}</textarea>
        }
        .into_any(),
        DataType::List => {
            let options = f
                .choices()
                .into_iter()
                .map(|c| {
                    let s = c == value;
                    view! { <option value=c.clone() selected=s>{c.clone()}</option> }
                })
                .collect_view();
            view! {
                <select id=id.clone() name=name required=required aria-describedby=described>
                    <option value="">"—"</option>
                    {options}
                </select>
            }
            .into_any()
        }
        DataType::Boolean => {
            let on = value == "true";
            return view! {
                <div class="check-field">
                    <label class="check">
                        <input type="checkbox" id=id name=name value="on" checked=on aria-describedby=described />
                        " " {label}
                    </label>
                    {help}
                    <FieldError error field=key />
                </div>
            }
            .into_any();
        }
        other => {
            let (kind, step) = match other {
                DataType::Integer => ("number", Some("1")),
                DataType::Decimal => ("number", Some("any")),
                DataType::Date => ("date", None),
                DataType::Time => ("time", Some("1")),
                DataType::Datetime => ("datetime-local", None),
                DataType::Email => ("email", None),
                DataType::Url => ("url", None),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() name=name type=kind step=step value=value required=required aria-describedby=described />
            }
            .into_any()
        }
    };
    view! {
        <div>
            <label for=id>{label}</label>
            {input}
            {help}
            <FieldError error field=key />
        </div>
    }
    .into_any()
}

/// What a form field shows: its value in the draft of a failed post, else the ticket's value.
/// An edit's draft holds only the fields the agent changed (a checkbox as "on" or "false"), so
/// a field missing from it shows the ticket as it is now.
struct Prefill {
    draft: Option<BTreeMap<String, String>>,
}

impl Prefill {
    fn text(&self, key: &str, current: impl FnOnce() -> String) -> String {
        match self.draft.as_ref().and_then(|d| d.get(key)) {
            Some(v) => v.clone(),
            None => current(),
        }
    }

    fn checked(&self, key: &str, current: bool) -> bool {
        match self.draft.as_ref().and_then(|d| d.get(key)) {
            Some(v) => matches!(v.as_str(), "on" | "true" | "1"),
            None => current,
        }
    }
}

/// The fields shared by the create and edit forms, filled from `t` when editing, or from the
/// draft of a failed post.
#[component]
fn TicketFields(
    choices: TicketChoices,
    t: Option<Ticket>,
    draft: Option<BTreeMap<String, String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let editing = t.is_some();
    let tr = t.as_ref();
    let fill = Prefill { draft };
    let queue = fill.text("queue", || {
        tr.map(|t| t.queue.to_string()).unwrap_or_default()
    });
    let title = fill.text("title", || tr.map(|t| t.title.clone()).unwrap_or_default());
    let description = fill.text("description", || {
        tr.map(|t| t.description.clone()).unwrap_or_default()
    });
    let email = fill.text("submitter_email", || {
        tr.and_then(|t| t.submitter_email.clone())
            .unwrap_or_default()
    });
    let priority = fill.text("priority", || {
        (tr.map(|t| t.priority).unwrap_or_default() as i64).to_string()
    });
    let due = fill.text("due_date", || {
        tr.and_then(|t| t.due_date.as_ref().map(|d| d.to_input()))
            .unwrap_or_default()
    });
    let assigned = fill.text("assigned_to", || {
        tr.and_then(|t| t.assigned_to)
            .map(|u| u.to_string())
            .unwrap_or_default()
    });
    let mut bools: Vec<String> = choices
        .custom_fields
        .iter()
        .filter(|f| f.data_type == DataType::Boolean)
        .map(|f| f.key())
        .collect();
    if editing {
        bools.push("on_hold".to_owned());
    }
    // The server function reads `bools` to tell unticked boxes from absent ones.
    let bools = bools.join(",");
    let edit_fields = t.clone().map(|t| {
        let status = fill.text("status", || (t.status as i64).to_string());
        let resolution = fill.text("resolution", || t.resolution.clone().unwrap_or_default());
        let merged = fill.text("merged_to", || {
            t.merged_to.map(|m| m.to_string()).unwrap_or_default()
        });
        let on_hold = fill.checked("on_hold", t.on_hold);
        view! {
            <div>
                <label for="f-status">"Status"</label>
                <select id="f-status" name="f[status]" aria-describedby="status-error">
                    {TicketStatus::ALL
                        .into_iter()
                        .map(|s| {
                            let v = (s as i64).to_string();
                            let selected = v == status;
                            view! { <option value=v selected=selected>{s.label()}</option> }
                        })
                        .collect_view()}
                </select>
                <FieldError error field="status" />
            </div>
            <div>
                <label for="f-merged_to">"Merged into ticket #"</label>
                <input id="f-merged_to" name="f[merged_to]" type="number" min="1" value=merged aria-describedby="merged_to-error" />
                <FieldError error field="merged_to" />
            </div>
            <div class="wide">
                <label for="f-resolution">"Resolution"</label>
                <textarea id="f-resolution" name="f[resolution]" rows="2" aria-describedby="resolution-error">{resolution}</textarea>
                <FieldError error field="resolution" />
            </div>
            <div class="check-field">
                <label class="check"><input type="checkbox" name="f[on_hold]" checked=on_hold />" On hold"</label>
            </div>
        }
    });
    let custom_inputs = choices
        .custom_fields
        .iter()
        .map(|f| {
            let key = f.key();
            let value = if f.data_type == DataType::Boolean {
                fill.checked(&key, custom_input_value(f, t.as_ref()) == "true")
                    .to_string()
            } else {
                fill.text(&key, || custom_input_value(f, t.as_ref()))
            };
            view! { <CustomInput f=f.clone() value error /> }
        })
        .collect_view();
    view! {
        <input type="hidden" name="bools" value=bools />
        <div>
            <label for="f-queue">"Queue *"</label>
            <select id="f-queue" name="f[queue]" required=true aria-describedby="queue-error">
                {(!editing).then(|| view! { <option value="">"Choose a queue"</option> })}
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
            <label for="f-title">"Title *"</label>
            <input id="f-title" name="f[title]" value=title required=true maxlength="200" aria-describedby="title-error" />
            <FieldError error field="title" />
        </div>
        <div class="wide">
            <label for="f-description">"Description"</label>
            <textarea id="f-description" name="f[description]" rows="5" aria-describedby="description-error">{description}</textarea>
            <FieldError error field="description" />
        </div>
        <div>
            <label for="f-submitter_email">"Submitter email"</label>
            <input id="f-submitter_email" name="f[submitter_email]" type="email" value=email aria-describedby="submitter_email-error" />
            <FieldError error field="submitter_email" />
        </div>
        <div>
            <label for="f-priority">"Priority"</label>
            <select id="f-priority" name="f[priority]" aria-describedby="priority-error">
                {Priority::ALL
                    .into_iter()
                    .map(|p| {
                        let v = (p as i64).to_string();
                        let selected = v == priority;
                        view! { <option value=v selected=selected>{p.label()}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError error field="priority" />
        </div>
        <div>
            <label for="f-due_date">"Due date (UTC)"</label>
            <input id="f-due_date" name="f[due_date]" type="datetime-local" value=due aria-describedby="due_date-error" />
            <FieldError error field="due_date" />
        </div>
        <div>
            <label for="f-assigned_to">"Assigned to"</label>
            <select id="f-assigned_to" name="f[assigned_to]" aria-describedby="assigned_to-error">
                <option value="">"Unassigned"</option>
                {choices
                    .staff
                    .iter()
                    .map(|u| {
                        let v = u.id.to_string();
                        let selected = v == assigned;
                        view! { <option value=v selected=selected>{u.display_name()}</option> }
                    })
                    .collect_view()}
            </select>
            <FieldError error field="assigned_to" />
        </div>
        {edit_fields}
        {custom_inputs}
    }
}

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
