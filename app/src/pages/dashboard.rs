//! The agents' home page: counts that link to the filtered ticket list, and the latest
//! activity.

use leptos::prelude::*;

use crate::components::error::ErrorMessage;
use crate::components::time::Time;
use crate::domain::ticket::TicketStatus;
use crate::pages::tickets::StatusBadge;
use crate::server_fns::auth::get_current_user;
use crate::server_fns::tickets::{ListQuery, get_ticket_counts, list_tickets};

/// The agents' home page.
#[component]
pub fn Dashboard() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| get_current_user());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) if u.is_staff => view! {
                        <section class="card">
                            <h1>"Dashboard"</h1>
                            <p>"Welcome, " {u.display_name()} "."</p>
                        </section>
                        {u.is_superuser.then(|| view! { <MailNotice /> })}
                        <DashboardCounts />
                    }
                    .into_any(),
                    Ok(Some(u)) => view! {
                        <section class="card">
                            <h1>"Dashboard"</h1>
                            <p>"Welcome, " {u.display_name()} ". " <a href="/my-tickets">"My tickets"</a></p>
                        </section>
                    }
                    .into_any(),
                    _ => view! {
                        <section class="card narrow">
                            <h1>"Helpdesk"</h1>
                            <p><a href="/login">"Sign in"</a>" to work on tickets."</p>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// For superusers: mail is not being sent (no `HELPDESK_SMTP_URL`), or notifications failed.
#[component]
fn MailNotice() -> impl IntoView {
    let status = Resource::new(|| (), |_| crate::server_fns::mail::mail_status());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let s = status.await.unwrap_or_default();
                let off = (!s.sending).then(|| view! {
                    <p class="error" role="alert">
                        "Mail is not being sent: HELPDESK_SMTP_URL is not set, so notifications wait in the "
                        <a href="/admin/outbox">"outbox"</a>" (" {s.pending} " pending)."
                    </p>
                });
                let failed = (s.failed > 0).then(|| view! {
                    <p class="error" role="alert">
                        {format!("{} notification(s) could not be delivered: ", s.failed)}
                        <a href="/admin/outbox?status=failed">"see the outbox"</a>"."
                    </p>
                });
                (off.is_some() || failed.is_some()).then(|| view! {
                    <section class="card">{off}{failed}</section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn DashboardCounts() -> impl IntoView {
    let counts = Resource::new(|| (), |_| get_ticket_counts());
    let latest = Resource::new(
        || (),
        |_| {
            list_tickets(ListQuery {
                ordering: "-modified".into(),
                page_size: "10".into(),
                ..ListQuery::default()
            })
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let counts = match counts.await {
                    Ok(c) => c,
                    Err(e) => return view! { <ErrorMessage error=e /> }.into_any(),
                };
                let latest = latest.await.map(|p| p.page.items).unwrap_or_default();
                view! {
                    <section class="card">
                        <h2>"Tickets"</h2>
                        <ul class="tiles">
                            <li>
                                <a href="/tickets?assigned_to=me&status=1&status=2">
                                    <span class="n">{counts.mine_active}</span>" assigned to me"
                                </a>
                            </li>
                            <li>
                                <a href="/tickets?assigned_to=unassigned&status=1&status=2">
                                    <span class="n">{counts.unassigned_active}</span>" unassigned and open"
                                </a>
                            </li>
                            {counts
                                .by_status
                                .iter()
                                .map(|(s, n)| {
                                    let s: TicketStatus = *s;
                                    let href = format!("/tickets?status={}", s as i64);
                                    view! {
                                        <li><a href=href><span class="n">{*n}</span>" " {s.label().to_lowercase()}</a></li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </section>
                    <section class="card">
                        <h2>"Latest activity"</h2>
                        {if latest.is_empty() {
                            view! { <p>"No tickets yet. " <a href="/tickets/new">"Open one"</a></p> }.into_any()
                        } else {
                            view! {
                                <ul class="latest">
                                    {latest
                                        .into_iter()
                                        .map(|t| view! {
                                            <li>
                                                <a href=format!("/tickets/{}", t.id)>{format!("#{} {}", t.id, t.title)}</a>
                                                " " <StatusBadge status=t.status />
                                                " · " <Time at=t.modified />
                                            </li>
                                        })
                                        .collect_view()}
                                </ul>
                                <p><a href="/tickets?ordering=-modified">"All tickets, latest changed first"</a></p>
                            }
                            .into_any()
                        }}
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}
