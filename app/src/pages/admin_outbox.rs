//! `/admin/outbox`: superusers see the notifications the helpdesk sends (issue 15): pending,
//! sent and failed, newest first, a page at a time, with each one's last answer.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::error::ErrorMessage;
use crate::components::time::Time;
use crate::server_fns::mail::mail_outbox;

#[component]
pub fn AdminOutbox() -> impl IntoView {
    let query = use_query_map();
    let status = move || query.read().get("status").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    };
    let data = Resource::new(move || (status(), page()), |(s, p)| mail_outbox(s, p));
    let tab = move |value: &'static str, label: &'static str| {
        let href = if value.is_empty() {
            "/admin/outbox".to_owned()
        } else {
            format!("/admin/outbox?status={value}")
        };
        let current = move || status() == value;
        view! { <li><a href=href aria-current=move || current().then_some("page")>{label}</a></li> }
    };
    view! {
        <section class="card">
            <h1>"Mail outbox"</h1>
            <p>"Every notification is written here with the change that caused it and sent by the mail worker, tried again after temporary failures for up to 3 days (see the README, \"Email\")."</p>
            <ul class="nav">
                {tab("", "All")}
                {tab("pending", "Pending")}
                {tab("failed", "Failed")}
                {tab("sent", "Sent")}
            </ul>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(p) => {
                            let not_sending = (!p.sending).then(|| view! {
                                <p class="error" role="alert">"Mail is not being sent: HELPDESK_SMTP_URL is not set. Messages wait here until it is."</p>
                            });
                            let summary = format!("{} pending, {} failed, {} sent.", p.pending, p.failed, p.sent);
                            let pages = ((p.count + p.per_page - 1) / p.per_page).max(1);
                            let s = status();
                            let link = move |n: i64| if s.is_empty() {
                                format!("/admin/outbox?page={n}")
                            } else {
                                format!("/admin/outbox?status={s}&page={n}")
                            };
                            let prev = (p.page > 1).then(|| view! { <a href=link(p.page - 1) rel="prev">"Newer"</a> });
                            let next = (p.page < pages).then(|| view! { <a href=link(p.page + 1) rel="next">"Older"</a> });
                            let rows = p.messages.into_iter().map(|m| {
                                let outcome = match (m.smtp_code, m.last_error.is_empty()) {
                                    (Some(c), true) => c.to_string(),
                                    (Some(c), false) => format!("{c} {}", m.last_error),
                                    (None, false) => m.last_error.clone(),
                                    (None, true) => "—".to_owned(),
                                };
                                let when = m.sent_at.or(m.last_attempt_at).or(m.created);
                                view! {
                                    <tr>
                                        <td>{m.status.clone()}</td>
                                        <td><a href=format!("/tickets/{}", m.ticket)>{format!("#{}", m.ticket)}</a></td>
                                        <td>{m.recipient.clone()}</td>
                                        <td>{m.subject.clone()}</td>
                                        <td>{m.attempts}</td>
                                        <td>{outcome}</td>
                                        <td>{when.map(|at| view! { <Time at /> })}</td>
                                    </tr>
                                }
                            }).collect_view();
                            view! {
                                {not_sending}
                                <p>{summary}</p>
                                <div class="table-wrap"><table class="list">
                                    <thead><tr>
                                        <th scope="col">"Status"</th><th scope="col">"Ticket"</th>
                                        <th scope="col">"To"</th><th scope="col">"Subject"</th>
                                        <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th>
                                        <th scope="col">"When"</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table></div>
                                <p>{prev}" " {format!("Page {} of {pages}", p.page)} " " {next}</p>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
