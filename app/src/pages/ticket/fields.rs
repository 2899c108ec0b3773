//! The fields shared by the create and edit forms, custom fields included.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::form::FieldError;
use crate::domain::custom_field::{CustomField, DataType};
use crate::domain::ticket::{Priority, Ticket, TicketChoices, TicketStatus};
use crate::error::AppError;

/// The value to show in an input for a ticket's custom field.
fn custom_input_value(f: &CustomField, t: Option<&Ticket>) -> String {
    crate::domain::ticket::custom_form_value(f, t)
}

/// One custom field's input, by its data type.
#[component]
pub(crate) fn CustomInput(
    f: CustomField,
    value: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
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
pub(super) fn TicketFields(
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
