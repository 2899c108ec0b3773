//! What a signed-in user without staff rights gets: the tickets they submitted, each readable
//! with its public followups, and a form to add a public comment.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::components::time::Time;
use crate::domain::ticket::SubmitterTicket;
use crate::pages::tickets::StatusBadge;
use crate::server_fns::tickets::{CommentOwnTicket, get_own_ticket, list_own_tickets};

/// `/my-tickets`.
#[component]
pub fn MyTickets() -> impl IntoView {
    let query = use_query_map();
    let tickets = Resource::new(move || query.read().get("page"), list_own_tickets);
    view! {
        <section class="card">
            <h1>"My tickets"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tickets.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(p) if p.items.is_empty() => view! { <p class="empty">"You have no tickets."</p> }.into_any(),
                        Ok(p) => view! {
                            <div class="table-wrap">
                                <table class="list tickets">
                                    <thead>
                                        <tr>
                                            <th scope="col">"#"</th>
                                            <th scope="col">"Title"</th>
                                            <th scope="col">"Queue"</th>
                                            <th scope="col">"Status"</th>
                                            <th scope="col">"Created"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {p.items
                                            .into_iter()
                                            .map(|t| view! {
                                                <tr>
                                                    <td>{t.id}</td>
                                                    <td><a href=format!("/tickets/{}", t.id)>{t.title}</a></td>
                                                    <td>{t.queue}</td>
                                                    <td><StatusBadge status=t.status /></td>
                                                    <td><Time at=t.created /></td>
                                                </tr>
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/tickets/{id}` for the ticket's submitter.
#[component]
pub fn OwnTicket(id: i64) -> impl IntoView {
    let comment = ServerAction::<CommentOwnTicket>::new();
    let ticket = Resource::new(move || comment.version().get(), move |_| get_own_ticket(id));
    let from_url = url_error("/sfn/comment_own_ticket");
    let error = Signal::derive(move || {
        comment
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let query = use_query_map();
    let added = move || {
        matches!(comment.value().get(), Some(Ok(())))
            || (query.read().get("__path").is_none() && query.read().get("commented").is_some())
    };
    let pending = comment.pending();
    // Once posted, the text leaves the box, so that another click cannot post it again.
    let text = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if matches!(comment.value().get(), Some(Ok(())))
            && let Some(el) = text.get_untracked()
        {
            el.set_value("");
        }
    });
    view! {
        <p><a href="/my-tickets">"← My tickets"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match ticket.await {
                    Err(_) => view! { <section class="card"><p class="error" role="alert">"There is no such ticket among yours."</p></section> }.into_any(),
                    Ok(t) => view! { <OwnTicketView t /> }.into_any(),
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Add a comment"</h2>
            <ActionForm action=comment attr:class="form">
                <FormAlert error />
                <Show when=added>
                    <Banner message="Comment added." />
                </Show>
                <input type="hidden" name="id" value=id />
                <label for="comment">"Comment"</label>
                <textarea id="comment" name="comment" rows="4" required=true aria-describedby="comment-error" node_ref=text></textarea>
                <FieldError error field="comment" />
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Sending…" } else { "Add comment" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn OwnTicketView(t: SubmitterTicket) -> impl IntoView {
    view! {
        <crate::components::layout::PageTitle text=format!("#{} {}", t.id, t.title) />
        <section class="card">
            <h1>{format!("#{} {}", t.id, t.title)}</h1>
            <p class="badges"><StatusBadge status=t.status /></p>
            <dl class="fields">
                <dt>"Created"</dt><dd><Time at=t.created /></dd>
                <dt>"Resolution"</dt><dd>{t.resolution.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| "—".into())}</dd>
            </dl>
            <h2>"Conversation"</h2>
            <ol class="timeline">
                <crate::pages::timeline::Conversation followups=t.followups />
            </ol>
        </section>
    }
}
