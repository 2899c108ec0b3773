//! `/admin/webhooks`: superusers add webhook endpoints, see each one's recent deliveries,
//! send one again, rotate the secret, turn an endpoint off or delete it. A secret is shown
//! once, in the answer that made it.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, action_error, id_param};
use crate::components::time::Time;
use crate::domain::webhook::{Delivery, Webhook, WebhookWithSecret};
use crate::error::AppError;
use crate::server_fns::webhooks::{
    CreateWebhook, DeleteWebhook, RedeliverWebhook, RotateWebhookSecret, UpdateWebhook,
    get_webhook, list_webhook_deliveries, list_webhooks,
};

fn state_of(w: &Webhook) -> String {
    match (w.active, w.disabled_reason.as_str()) {
        (true, _) => "Active".to_owned(),
        (false, "gone") => "Off: the receiver answered 410 Gone".to_owned(),
        (false, "failing") => "Off: every delivery failed for 3 days".to_owned(),
        (false, _) => "Off".to_owned(),
    }
}

/// The whole secret, once, with what to do with it.
#[component]
fn SecretNotice(made: WebhookWithSecret, #[prop(into)] what: String) -> impl IntoView {
    view! {
        <Banner message=format!("{what} Copy the secret now: it is not shown again.") />
        <p class="wide"><code class="secret">{made.secret}</code></p>
    }
}

#[component]
fn WebhookFields(w: Option<Webhook>, error: Signal<Option<AppError>>) -> impl IntoView {
    let url = w.as_ref().map(|w| w.url.clone()).unwrap_or_default();
    let events = w.as_ref().map_or("*".to_owned(), |w| w.events.join(", "));
    let description = w
        .as_ref()
        .map(|w| w.description.clone())
        .unwrap_or_default();
    let editing = w.is_some();
    let active = w.as_ref().is_none_or(|w| w.active);
    view! {
        <div>
            <label for="w-url">"URL"</label>
            <input id="w-url" name="f[url]" type="url" value=url required=true aria-describedby="url-error" />
            <FieldError error field="url" />
        </div>
        <div>
            <label for="w-events">"Events"</label>
            <input id="w-events" name="f[events]" value=events aria-describedby="events-error w-events-help" />
            <small class="help" id="w-events-help">"* for all, or types such as ticket.created, followup.created, separated by commas."</small>
            <FieldError error field="events" />
        </div>
        <div>
            <label for="w-description">"Description"</label>
            <input id="w-description" name="f[description]" value=description aria-describedby="description-error" />
            <FieldError error field="description" />
        </div>
        <Show when=move || editing>
            <input type="hidden" name="bools" value="active" />
            <div>
                <label><input type="checkbox" name="f[active]" value="on" checked=active /> " Active"</label>
            </div>
        </Show>
    }
}

/// `/admin/webhooks`: the endpoints, and a form to add one.
#[component]
pub fn AdminWebhooks() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let list = Resource::new(move || create.version().get(), |_| list_webhooks());
    let error = action_error(create);
    let pending = create.pending();
    let query = use_query_map();
    let deleted = move || {
        query
            .read()
            .get("deleted")
            .map(|_| view! { <Banner message="Deleted." /> })
    };
    view! {
        <section class="card">
            <h1>"Webhooks"</h1>
            {deleted}
            <p>"Each change to a ticket, followup or attachment is posted, signed, to every active endpoint that subscribes to its type (see the README, \"Webhooks\")."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(hooks) if hooks.is_empty() => view! { <p>"No endpoint yet."</p> }.into_any(),
                        Ok(hooks) => view! {
                            <div class="table-wrap"><table class="list">
                                <thead><tr><th scope="col">"URL"</th><th scope="col">"Events"</th><th scope="col">"State"</th><th scope="col">"Description"</th></tr></thead>
                                <tbody>
                                    {hooks.into_iter().map(|w| {
                                        let href = format!("/admin/webhooks/{}", w.id);
                                        let state = state_of(&w);
                                        view! { <tr><td><a href=href>{w.url.clone()}</a></td><td>{w.events.join(", ")}</td><td>{state}</td><td>{w.description.clone()}</td></tr> }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add an endpoint"</h2>
            <ActionForm action=create attr:class="form grid-2" attr:novalidate=true>
                <FormAlert error />
                {move || create.value().get().and_then(Result::ok).map(|made| {
                    let what = format!("Endpoint {} created.", made.webhook.url);
                    view! { <SecretNotice made what /> }
                })}
                <WebhookFields w=None error />
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create endpoint" }}
                </button>
            </ActionForm>
        </section>
    }
}

fn delivery_row(
    d: Delivery,
    hook: i64,
    redeliver: ServerAction<RedeliverWebhook>,
) -> impl IntoView {
    let outcome = match (d.status_code, d.error.is_empty()) {
        (Some(code), _) => code.to_string(),
        (None, false) => d.error.clone(),
        (None, true) => "—".to_owned(),
    };
    let latency = d
        .latency_ms
        .map(|ms| format!("{ms} ms"))
        .unwrap_or_default();
    let next = d
        .next_attempt_at
        .as_deref()
        .filter(|_| d.state == "pending")
        .and_then(|t| crate::domain::Timestamp::parse(t).ok());
    let label = format!("Send event {} again", d.event);
    view! {
        <tr>
            <td>{d.event}" "{d.event_type.clone()}</td>
            <td>{d.state.clone()}</td>
            <td>{d.attempts}</td>
            <td>{outcome}</td>
            <td>{latency}</td>
            <td>{next.map(|t| view! { <Time at=t /> })}</td>
            <td>
                <ActionForm action=redeliver>
                    <input type="hidden" name="id" value=hook />
                    <input type="hidden" name="delivery" value=d.id />
                    <button type="submit" aria-label=label>"Redeliver"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// `/admin/webhooks/{id}`: one endpoint, its recent deliveries, its secret and its deletion.
#[component]
pub fn AdminWebhookEdit() -> impl IntoView {
    let id = id_param();
    let update = ServerAction::<UpdateWebhook>::new();
    let rotate = ServerAction::<RotateWebhookSecret>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let hook = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_webhook(id),
    );
    let deliveries = Resource::new(
        move || (id(), redeliver.version().get()),
        |(id, _)| list_webhook_deliveries(id),
    );
    let error = action_error(update);
    let del_error = action_error(delete);
    let redeliver_error = action_error(redeliver);
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    view! {
        <p><a href="/admin/webhooks">"← All webhooks"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match hook.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(w) => {
                        let wid = w.id;
                        let title = format!("Webhook {}", w.url);
                        let state = state_of(&w);
                        let hint = w.secret_hint.clone();
                        view! {
                            <section class="card">
                                <h1>{title}</h1>
                                <p>{state}</p>
                                <ActionForm action=update attr:class="form grid-2" attr:novalidate=true>
                                    <FormAlert error />
                                    <Show when=saved><Banner message="Saved." /></Show>
                                    <input type="hidden" name="id" value=wid />
                                    <WebhookFields w=Some(w) error />
                                    <button type="submit" class="primary" disabled=update.pending()>"Save"</button>
                                </ActionForm>
                            </section>
                            <section class="card">
                                <h2>"Secret"</h2>
                                <p>"Receivers check each signature with it. It starts " <code>{hint}</code> "."</p>
                                {move || rotate.value().get().and_then(Result::ok).map(|made| view! {
                                    <SecretNotice made what="A new secret was made; the old one no longer signs." />
                                })}
                                <ActionForm action=rotate attr:class="form">
                                    <input type="hidden" name="id" value=wid />
                                    <button type="submit" disabled=rotate.pending()>"Rotate the secret"</button>
                                </ActionForm>
                            </section>
                            <section class="card">
                                <h2>"Delete this endpoint"</h2>
                                <p>"Its deliveries are deleted with it."</p>
                                <ActionForm action=delete attr:class="form">
                                    <FormAlert error=del_error />
                                    <input type="hidden" name="id" value=wid />
                                    <button type="submit" class="danger" disabled=delete.pending()>"Delete endpoint"</button>
                                </ActionForm>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
        <section class="card">
            <h2>"Recent deliveries"</h2>
            <FormAlert error=redeliver_error />
            {move || redeliver.value().get().and_then(Result::ok).map(|d| view! {
                <Banner message=format!("Event {} will be sent again.", d.event) />
            })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p>"Nothing sent yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap"><table class="list">
                                <thead><tr>
                                    <th scope="col">"Event"</th><th scope="col">"State"</th><th scope="col">"Attempts"</th>
                                    <th scope="col">"Last answer"</th><th scope="col">"Latency"</th><th scope="col">"Next try"</th><th scope="col"></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(|d| delivery_row(d, id(), redeliver)).collect_view()}</tbody>
                            </table></div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
