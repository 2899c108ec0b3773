//! The ticket list: filters, sort and page live in the URL query, so a view can be bookmarked,
//! shared and reloaded, and the back button works. The filter form is a plain GET form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::components::time::Time;
use crate::domain::Timestamp;
use crate::domain::ticket::{Priority, Ticket, TicketChoices, TicketStatus};
use crate::domain::user::User;
use crate::error::AppError;
use crate::server_fns::tickets::{BulkTickets, ListQuery, get_ticket_choices, list_tickets};

/// What the search box searches, shown under it (comments are not searched yet).
pub const SEARCH_HINT: &str = "Searches ticket numbers (301 or #301), titles, descriptions, \
    submitter emails and custom field values, not comments; text needs at least 3 characters.";

/// A status as a coloured label.
#[component]
pub fn StatusBadge(status: TicketStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status as i64)>{status.label()}</span> }
}

/// A priority as a coloured label.
#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    view! { <span class=format!("badge prio-{}", priority as i64)>{priority.label()}</span> }
}

/// A user's name from the staff list, or their id when they are not (or no longer) staff.
pub fn user_name(staff: &[User], id: Option<i64>) -> String {
    match id {
        None => "Unassigned".to_owned(),
        Some(id) => staff
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("User #{id}"), User::display_name),
    }
}

pub fn queue_name(choices: &TicketChoices, id: i64) -> String {
    choices
        .queues
        .iter()
        .find(|q| q.id == id)
        .map_or_else(|| format!("Queue #{id}"), |q| q.title.clone())
}

/// Whether a ticket still needing work is past its due date.
pub fn is_overdue(t: &Ticket, now: &Timestamp) -> bool {
    t.status.is_active() && t.due_date.as_ref().is_some_and(|d| d.inner() < now.inner())
}

const SORTABLE: [(&str, &str); 8] = [
    ("id", "#"),
    ("title", "Title"),
    ("queue", "Queue"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("created", "Created"),
    ("due_date", "Due"),
    // `modified`: bumped by every change and every followup (issue 11.5).
    ("modified", "Last activity"),
];

/// `/tickets`.
#[component]
pub fn TicketList() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| ListQuery::from_params(&query_map.read()));
    let deleted = move || query_map.read().get("deleted");
    let bulk = ServerAction::<BulkTickets>::new();
    // Counts successful bulk actions: the row checkboxes are cleared after each one, so that
    // a later action (a delete) never reaches rows chosen for an earlier one.
    let cleared = Memo::new(move |prev: Option<&u32>| {
        let p = prev.copied().unwrap_or(0);
        if matches!(bulk.value().get(), Some(Ok(_))) {
            p + 1
        } else {
            p
        }
    });
    // Reloaded after a successful bulk action only: a refused one keeps the selection.
    let tickets = Resource::new(
        move || (query.get(), cleared.get()),
        |(q, _)| list_tickets(q),
    );
    let bulk_url = url_error("/sfn/bulk_tickets");
    let bulk_error = Signal::derive(move || {
        bulk.value()
            .get()
            .and_then(Result::err)
            .or_else(|| bulk_url.get())
    });
    let choices = Resource::new(|| (), |_| get_ticket_choices());
    view! {
        <section class="card">
            <div class="head-row">
                <h1>"Tickets"</h1>
                <a class="button primary" href="/tickets/new">"New ticket"</a>
            </div>
            {move || deleted().map(|id| view! {
                <Banner message=format!("Ticket #{id} was deleted.") />
            })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let choices = match choices.await {
                        Ok(c) => c,
                        Err(e) => {
                            return view! { <ErrorMessage error=e /> }
                                .into_any();
                        }
                    };
                    let q = query.get();
                    let result = tickets.await;
                    let choices_for_bulk = choices.clone();
                    let for_filters = choices.clone();
                    view! {
                        // Keyed by the URL: each navigation (Back and Forward too) gets fresh
                        // controls showing the URL's filters. Rebuilt in place, a select the
                        // user had changed would keep showing their choice, not the URL's.
                        <For
                            each=move || std::iter::once(query.get())
                            key=ListQuery::href
                            children=move |q| {
                                // On a phone the filters fold away behind their summary (see
                                // main.css); on wider screens they are always shown.
                                let active = usize::from(!q.status.is_empty())
                                    + [&q.queue, &q.assigned_to, &q.priority, &q.q]
                                        .into_iter()
                                        .filter(|v| !v.is_empty())
                                        .count();
                                let summary = if active == 0 {
                                    "Filters".to_owned()
                                } else {
                                    format!("Filters ({active} active)")
                                };
                                view! {
                                    <details class="filters-box">
                                        <summary>{summary}</summary>
                                        <Filters query=q choices=for_filters.clone() />
                                    </details>
                                }
                            }
                        />
                        {match result {
                            Ok(tp) => view! { <Table query=q.clone() tickets=tp.page.items.clone() now=tp.now choices cleared /> <Pager query=q count=tp.page.count page=tp.page.request.page page_size=tp.page.request.page_size /> <BulkForm choices=choices_for_bulk bulk error=bulk_error /> }.into_any(),
                            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        }}
                    }
                    .into_any()
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Filters(query: ListQuery, choices: TicketChoices) -> impl IntoView {
    let has = |v: &str| query.status.iter().any(|s| s == v);
    let sel = |a: &str, b: &str| a == b;
    view! {
        <form method="get" action="/tickets" class="filters" aria-label="Filter tickets" autocomplete="off">
            <fieldset class="checks">
                <legend>"Status"</legend>
                {TicketStatus::ALL
                    .into_iter()
                    .map(|s| {
                        let v = (s as i64).to_string();
                        let checked = has(&v);
                        view! {
                            <label>
                                <input type="checkbox" name="status" value=v checked=checked />
                                " "
                                {s.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div>
                <label for="filter-queue">"Queue"</label>
                <select id="filter-queue" name="queue">
                    <option value="">"Any queue"</option>
                    {choices
                        .queues
                        .iter()
                        .map(|qu| {
                            let v = qu.id.to_string();
                            let s = sel(&v, &query.queue);
                            view! { <option value=v selected=s>{qu.title.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-assigned">"Assigned to"</label>
                <select id="filter-assigned" name="assigned_to">
                    <option value="">"Anyone"</option>
                    <option value="me" selected=sel("me", &query.assigned_to)>"Me"</option>
                    <option value="unassigned" selected=sel("unassigned", &query.assigned_to)>
                        "Unassigned"
                    </option>
                    {choices
                        .staff
                        .iter()
                        .map(|u| {
                            let v = u.id.to_string();
                            let s = sel(&v, &query.assigned_to);
                            view! { <option value=v selected=s>{u.display_name()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-priority">"Priority"</label>
                <select id="filter-priority" name="priority">
                    <option value="">"Any priority"</option>
                    {Priority::ALL
                        .into_iter()
                        .map(|p| {
                            let v = (p as i64).to_string();
                            let s = sel(&v, &query.priority);
                            view! { <option value=v selected=s>{p.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-q">"Search"</label>
                <input id="filter-q" name="q" type="search" value=query.q.clone() placeholder="#301, title, description, email, custom field" aria-describedby="filter-q-hint" />
                <small class="help" id="filter-q-hint">{SEARCH_HINT}</small>
            </div>
            <div>
                <label for="filter-size">"Per page"</label>
                <select id="filter-size" name="page_size">
                    {["10", "25", "50", "100"]
                        .into_iter()
                        .map(|n| {
                            let s = sel(n, &query.page_size)
                                || (query.page_size.is_empty() && n == "25");
                            view! { <option value=n selected=s>{n}</option> }
                        })
                        .collect_view()}
                </select>
            </div>
            {(!query.ordering.is_empty()).then(|| view! {
                <input type="hidden" name="ordering" value=query.ordering.clone() />
            })}
            <div class="filter-buttons">
                <button type="submit" class="primary">"Apply filters"</button>
                <a href="/tickets">"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn SortHeader(query: ListQuery, key: &'static str, label: &'static str) -> impl IntoView {
    let current = if query.ordering.is_empty() {
        "id".to_owned()
    } else {
        query.ordering.clone()
    };
    let (next, arrow, aria) = if current == key {
        (format!("-{key}"), " ▲", "ascending")
    } else if current == format!("-{key}") {
        (key.to_owned(), " ▼", "descending")
    } else {
        (key.to_owned(), "", "none")
    };
    let href = query.sorted(&next).href();
    view! {
        <th scope="col" aria-sort=aria>
            <a href=href>{label}{arrow}</a>
        </th>
    }
}

#[component]
fn Table(
    query: ListQuery,
    tickets: Vec<Ticket>,
    now: Timestamp,
    choices: TicketChoices,
    cleared: Memo<u32>,
) -> impl IntoView {
    if tickets.is_empty() {
        return view! { <p class="empty">"No tickets match these filters."</p> }.into_any();
    }
    let sort = |i: usize| {
        let (key, label) = SORTABLE[i];
        view! { <SortHeader query=query.clone() key label /> }
    };
    view! {
        <div class="table-wrap">
            <table class="list tickets">
                <thead>
                    <tr>
                        <th scope="col"><span class="visually-hidden">"Select"</span></th>
                        {sort(0)}
                        {sort(1)}
                        {sort(2)}
                        {sort(3)}
                        {sort(4)}
                        <th scope="col">"Assigned to"</th>
                        <th scope="col">"Submitter"</th>
                        {sort(5)}
                        {sort(6)}
                        {sort(7)}
                    </tr>
                </thead>
                <tbody>
                    {tickets
                        .into_iter()
                        .map(|t| {
                            let href = format!("/tickets/{}", t.id);
                            let overdue = is_overdue(&t, &now);
                            let due = t.due_date.map(|at| view! { <Time at=at /> });
                            let no_due = due.is_none();
                            view! {
                                <tr>
                                    <td class="sel">
                                        <input
                                            type="checkbox"
                                            class="select"
                                            form="bulk-form"
                                            name=format!("sel[{}]", t.id)
                                            aria-label=format!("Select ticket #{}", t.id)
                                            prop:checked=move || {
                                                cleared.track();
                                                false
                                            }
                                        />
                                    </td>
                                    <td class="num">{t.id}</td>
                                    <td class="title"><a href=href>{t.title.clone()}</a>
                                        {t.on_hold.then(|| view! { " " <span class="badge hold">"On hold"</span> })}
                                    </td>
                                    // data-label: the column's name, shown in the card layout.
                                    <td data-label="Queue">{queue_name(&choices, t.queue)}</td>
                                    <td class="badge-cell"><StatusBadge status=t.status /></td>
                                    <td class="badge-cell"><PriorityBadge priority=t.priority /></td>
                                    <td data-label="Assigned to">{user_name(&choices.staff, t.assigned_to)}</td>
                                    <td data-label="Submitter" class="submitter">{t.submitter_email.clone().unwrap_or_default()}</td>
                                    <td data-label="Created" class="created"><Time at=t.created /></td>
                                    <td data-label="Due" class="due" class:overdue=overdue class:empty-cell=no_due>
                                        {due}
                                        {overdue.then(|| view! { " " <span class="badge overdue-badge">"Overdue"</span> })}
                                    </td>
                                    <td><Time at=t.modified /></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Pager(query: ListQuery, count: u64, page: u64, page_size: u64) -> impl IntoView {
    let pages = count.div_ceil(page_size).max(1);
    let prev = (page > 1).then(|| query.at_page(page - 1).href());
    let next = (page < pages).then(|| query.at_page(page + 1).href());
    view! {
        <nav class="pager" aria-label="Pages">
            {prev.map(|h| view! { <a href=h rel="prev">"← Previous"</a> })}
            <span>{format!("Page {page} of {pages} · {count} tickets")}</span>
            {next.map(|h| view! { <a href=h rel="next">"Next →"</a> })}
        </nav>
    }
}

/// Acts on the ticked rows: the checkboxes in the table belong to this form (`form=`).
#[component]
fn BulkForm(
    choices: TicketChoices,
    bulk: ServerAction<BulkTickets>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let pending = bulk.pending();
    let done = move || match bulk.value().get() {
        Some(Ok(n)) => Some(format!("{n} tickets updated.")),
        _ => None,
    };
    view! {
        <ActionForm action=bulk attr:id="bulk-form" attr:class="form bulk">
            <h2>"With the selected tickets"</h2>
            <FormAlert error />
            <FieldError error field="sel" />
            {move || done().map(|m| view! { <Banner message=m /> })}
            <div class="bulk-row">
                <div>
                    <label for="bulk-action">"Action"</label>
                    <select id="bulk-action" name="action" aria-describedby="action-error">
                        <option value="">"Choose…"</option>
                        <optgroup label="Assign">
                            <option value="assign:me">"Assign to me"</option>
                            <option value="assign:none">"Unassign"</option>
                            {choices
                                .staff
                                .iter()
                                .map(|u| view! { <option value=format!("assign:{}", u.id)>{format!("Assign to {}", u.display_name())}</option> })
                                .collect_view()}
                        </optgroup>
                        <optgroup label="Status">
                            {TicketStatus::ALL
                                .into_iter()
                                .map(|s| view! { <option value=format!("status:{}", s as i64)>{format!("Set status {}", s.label())}</option> })
                                .collect_view()}
                        </optgroup>
                        <option value="delete">"Delete"</option>
                    </select>
                    <FieldError error field="action" />
                </div>
                <label class="check">
                    <input type="checkbox" name="confirm" aria-describedby="confirm-error" />
                    " Yes, delete the selected tickets (needed for Delete)"
                </label>
                <button type="submit" disabled=pending>
                    {move || if pending.get() { "Applying…" } else { "Apply to selected" }}
                </button>
            </div>
            <FieldError error field="confirm" />
        </ActionForm>
    }
}
