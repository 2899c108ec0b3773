//! A ticket's timeline: its followups with their authors, comments, recorded changes and
//! attachments, for agents; and the conversation its submitter sees.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::time::Time;
use crate::domain::Timestamp;
use crate::domain::custom_field::DataType;
use crate::domain::ticket::{
    FollowUp, Priority, SubmitterFollowUp, TicketChange, TicketChoices, TicketDetail, TicketStatus,
};
use crate::pages::tickets::{queue_name, user_name};

/// Who wrote a followup, as the viewer may know them (the names come with the ticket).
pub fn author(f: &FollowUp, authors: &BTreeMap<i64, String>) -> String {
    f.user
        .and_then(|u| authors.get(&u).cloned())
        .unwrap_or_else(|| "Someone".to_owned())
}

/// A recorded field as a person names it: the form's label, a custom field's label.
pub(crate) fn field_label(field: &str, choices: &TicketChoices) -> String {
    let known = match field {
        "queue" => "Queue",
        "title" => "Title",
        "description" => "Description",
        "resolution" => "Resolution",
        "submitter_email" => "Submitter email",
        "assigned_to" => "Assigned to",
        "status" => "Status",
        "on_hold" => "On hold",
        "priority" => "Priority",
        "due_date" => "Due",
        "merged_to" => "Merged into",
        _ => {
            return choices
                .custom_fields
                .iter()
                .find(|f| f.key() == field)
                .map_or_else(|| field.to_owned(), |f| f.label.clone());
        }
    };
    known.to_owned()
}

fn yes_no(raw: &str) -> &'static str {
    if matches!(raw, "True" | "true" | "1") {
        "yes"
    } else {
        "no"
    }
}

/// A recorded value as a person reads it: names for statuses, priorities, users and queues,
/// yes/no, dates as the rest of the page shows them.
pub(crate) fn change_value(field: &str, raw: Option<&str>, choices: &TicketChoices) -> String {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return if field == "assigned_to" {
            "Unassigned"
        } else {
            "—"
        }
        .to_owned();
    };
    let n = raw.parse::<i64>().ok();
    let custom = choices.custom_fields.iter().find(|f| f.key() == field);
    match (field, n) {
        ("status", Some(n)) => {
            TicketStatus::from_i64(n).map_or(raw.to_owned(), |s| s.label().into())
        }
        ("priority", Some(n)) => Priority::from_i64(n).map_or(raw.to_owned(), |p| p.label().into()),
        ("assigned_to", Some(n)) => user_name(&choices.staff, Some(n)),
        ("queue", Some(n)) => queue_name(choices, n),
        ("merged_to", Some(n)) => format!("#{n}"),
        ("on_hold", _) => yes_no(raw).to_owned(),
        ("due_date", _) => when(raw),
        _ => match custom.map(|f| f.data_type) {
            Some(DataType::Boolean) => yes_no(raw).to_owned(),
            Some(DataType::Datetime) => when(raw),
            _ => raw.to_owned(),
        },
    }
}

/// An API timestamp as the page shows dates, else as it was recorded.
fn when(raw: &str) -> String {
    Timestamp::parse(raw).map_or_else(|_| raw.to_owned(), |t| t.to_display())
}

/// Whether a recorded field holds a datetime (shown as `<Time>`, in the viewer's zone).
fn is_datetime(field: &str, choices: &TicketChoices) -> bool {
    field == "due_date"
        || choices
            .custom_fields
            .iter()
            .any(|f| f.key() == field && f.data_type == DataType::Datetime)
}

/// "Label: old → new" for one recorded change; datetimes as `<Time>` (in the viewer's zone).
pub(crate) fn change_text(
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
    choices: &TicketChoices,
) -> AnyView {
    let label = field_label(field, choices);
    let when = |raw: Option<&str>| raw.and_then(|r| Timestamp::parse(r).ok());
    if is_datetime(field, choices) && (when(old).is_some() || when(new).is_some()) {
        let side = |raw: Option<&str>| match when(raw) {
            Some(at) => view! { <Time at=at /> }.into_any(),
            None => change_value(field, raw, choices).into_any(),
        };
        let (old, new) = (side(old), side(new));
        return view! { {format!("{label}: ")} {old} " → " {new} }.into_any();
    }
    let (old, new) = (
        change_value(field, old, choices),
        change_value(field, new, choices),
    );
    format!("{label}: {old} → {new}").into_any()
}

/// One recorded change as a line: "Assigned to: Unassigned → Ann Lee". Long texts are only
/// said to have changed; the new text is on the page.
fn change_line(c: &TicketChange, choices: &TicketChoices) -> AnyView {
    let long = c.field == "description"
        || choices
            .custom_fields
            .iter()
            .any(|f| f.key() == c.field && f.data_type == DataType::Text);
    if long {
        return format!("{}: edited", field_label(&c.field, choices)).into_any();
    }
    change_text(
        &c.field,
        c.old_value.as_deref(),
        c.new_value.as_deref(),
        choices,
    )
}

/// The agents' timeline: every followup, oldest first.
#[component]
pub fn Timeline(detail: TicketDetail, choices: TicketChoices) -> impl IntoView {
    let items = detail
        .ticket
        .followup_set
        .iter()
        .map(|f| {
            let changes: Vec<TicketChange> = detail
                .changes
                .iter()
                .filter(|c| c.followup == f.id)
                .cloned()
                .collect();
            let who = author(f, &detail.authors);
            view! { <FollowUpItem f=f.clone() changes choices=choices.clone() who /> }
        })
        .collect_view();
    // Notifications the mail server refused (issue 15), after the followups.
    let failures = detail
        .mail_failures
        .iter()
        .map(|m| {
            let code = m.code.map(|c| format!(" ({c})")).unwrap_or_default();
            let about = m.followup.map(|f| format!("#followup-{f}"));
            view! {
                <li class="followup mail-failure" role="note">
                    <p>
                        <strong>"A notification could not be delivered"</strong>
                        " to " {m.recipient.clone()} {code}
                        {m.at.map(|at| view! { " · " <Time at /> })}
                    </p>
                    <p>{m.subject.clone()}</p>
                    <p class="muted">{m.error.clone()}</p>
                    {about.map(|href| view! { <p><a href=href>"About this followup"</a></p> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline">{items}{failures}</ol>
        </section>
    }
}

#[component]
fn FollowUpItem(
    f: FollowUp,
    changes: Vec<TicketChange>,
    choices: TicketChoices,
    who: String,
) -> impl IntoView {
    let title = f
        .title
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Comment".into());
    view! {
        <li class="followup" id=format!("followup-{}", f.id) class:internal=!f.public>
            <p class="meta">
                <strong>{title}</strong>
                " · " <span class="author">{who}</span> " · " <Time at=f.date /> " · "
                {if f.public { "Public" } else { "Internal" }}
                {f.time_spent.clone().map(|t| view! { " · time spent " {t} })}
            </p>
            {f.comment.clone().filter(|c| !c.is_empty()).map(|c| view! { <CommentText text=c /> })}
            {(!changes.is_empty()).then(|| view! {
                <ul class="changes">
                    {changes
                        .into_iter()
                        .map(|c| view! { <li>{change_line(&c, &choices)}</li> })
                        .collect_view()}
                </ul>
            })}
            {(!f.followupattachment_set.is_empty()).then(|| view! {
                <ul class="attachments">
                    {f.followupattachment_set
                        .iter()
                        .map(|a| {
                            let href = format!("/api/followups-attachments/{}/download", a.id);
                            view! {
                                <li>
                                    <a href=href download=a.filename.clone()>{a.filename.clone()}</a>
                                    {format!(" ({} bytes)", a.size)}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            })}
        </li>
    }
}

/// What the submitter sees of their ticket's followups (the public ones): "You" for their own
/// comments and the agent's name for the others, with the files they may download.
#[component]
pub fn Conversation(followups: Vec<SubmitterFollowUp>) -> impl IntoView {
    followups
        .into_iter()
        .map(|f| {
            let who = f.author.clone().unwrap_or_else(|| "Support".to_owned());
            view! {
                <li class="followup">
                    <p class="meta">
                        <strong>{f.title.clone().unwrap_or_else(|| "Comment".into())}</strong>
                        " · " <span class="author">{who}</span>
                        " · " <Time at=f.date />
                    </p>
                    {f.comment.clone().filter(|c| !c.is_empty()).map(|c| view! { <CommentText text=c /> })}
                    {f.new_status.map(|s| view! { <p class="status-change">"Status: " {s.label()}</p> })}
                    {(!f.attachments.is_empty()).then(|| view! {
                        <ul class="attachments">
                            {f.attachments
                                .iter()
                                .map(|a| {
                                    let href = format!("/api/followups-attachments/{}/download", a.id);
                                    view! { <li><a href=href download=a.filename.clone()>{a.filename.clone()}</a></li> }
                                })
                                .collect_view()}
                        </ul>
                    })}
                </li>
            }
        })
        .collect_view()
}

/// Where a long comment is cut: after `PREVIEW_LINES` lines or `PREVIEW_CHARS` characters,
/// when it is longer than `LONG_LINES` lines or `LONG_CHARS` characters.
const LONG_LINES: usize = 40;
const LONG_CHARS: usize = 4000;
const PREVIEW_LINES: usize = 20;
const PREVIEW_CHARS: usize = 2000;

/// The byte index where a long text's preview ends, or `None` for a text shown whole.
fn preview_end(text: &str) -> Option<usize> {
    if text.lines().count() <= LONG_LINES && text.chars().count() <= LONG_CHARS {
        return None;
    }
    let by_lines = text
        .match_indices('\n')
        .nth(PREVIEW_LINES - 1)
        .map_or(text.len(), |(i, _)| i);
    let by_chars = text
        .char_indices()
        .nth(PREVIEW_CHARS)
        .map_or(text.len(), |(i, _)| i);
    Some(by_lines.min(by_chars))
}

/// A comment; a long one shows its start and folds the rest behind "Show all" (a `details`
/// element: it works without the wasm and with the keyboard, and the text is in the page once).
/// Earlier messages quoted below a mailed reply are folded behind "Quoted text" the same way
/// (`domain::quoted`); all of it is text, escaped as any other.
#[component]
pub fn CommentText(text: String) -> impl IntoView {
    let (reply, quoted) = crate::domain::quoted::split_quoted(&text);
    let quoted = quoted.map(|q| {
        let lines = q.lines().count().max(1);
        view! {
            <details class="quoted">
                <summary>{format!("Quoted text ({lines} lines)")}</summary>
                <p class="text">{q.to_owned()}</p>
            </details>
        }
    });
    let reply = reply.to_owned();
    view! { <ReplyText text=reply /> {quoted} }
}

#[component]
fn ReplyText(text: String) -> impl IntoView {
    match preview_end(&text) {
        None => view! { <p class="text">{text}</p> }.into_any(),
        Some(end) => {
            let (head, rest) = text.split_at(end);
            let rest = rest.strip_prefix('\n').unwrap_or(rest);
            let more = rest.lines().count().max(1);
            view! {
                <div class="long-comment">
                    <p class="text">{head.to_owned()}</p>
                    <details class="rest">
                        <summary>{format!("Show all ({more} more lines)")}</summary>
                        <p class="text">{rest.to_owned()}</p>
                    </details>
                </div>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_comments_are_whole_and_long_ones_are_cut_at_twenty_lines() {
        assert_eq!(preview_end("one\ntwo"), None);
        let forty: String = (1..=40).map(|i| format!("line {i}\n")).collect();
        assert_eq!(preview_end(forty.trim_end()), None);
        let fifty: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let end = preview_end(&fifty).unwrap();
        assert!(fifty[..end].ends_with("line 20"), "{}", &fifty[..end]);
        let wide = "é".repeat(5000);
        let end = preview_end(&wide).unwrap();
        assert_eq!(wide[..end].chars().count(), 2000);
    }
}
