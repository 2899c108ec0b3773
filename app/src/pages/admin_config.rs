//! Superusers: queues and custom fields (list, create, edit, delete).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::domain::custom_field::{CustomField, DataType};
use crate::domain::queue::Queue;
use crate::error::AppError;
use crate::server_fns::admin::{
    CreateCustomField, CreateQueue, DeleteCustomField, DeleteQueue, UpdateCustomField, UpdateQueue,
    get_custom_field, get_queue, list_custom_fields, list_queues,
};

fn id_param() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    }
}

fn deleted_notice() -> impl IntoView {
    let query = use_query_map();
    move || {
        query
            .read()
            .get("deleted")
            .map(|_| view! { <Banner message="Deleted." /> })
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

#[component]
fn QueueFields(q: Option<Queue>, error: Signal<Option<AppError>>) -> impl IntoView {
    let title = q.as_ref().map(|q| q.title.clone()).unwrap_or_default();
    let slug = q.as_ref().map(|q| q.slug.clone()).unwrap_or_default();
    let email = q
        .as_ref()
        .and_then(|q| q.email_address.clone())
        .unwrap_or_default();
    let public = q.as_ref().is_some_and(|q| q.allow_public_submission);
    let owner = q.as_ref().and_then(|q| q.default_owner);
    let staff = Resource::new(|| (), |_| crate::server_fns::tickets::get_ticket_choices());
    // A new queue's slug follows its title until the admin types one of their own.
    let creating = q.is_none();
    let slug_ref = NodeRef::<leptos::html::Input>::new();
    let (slug_typed, set_slug_typed) = signal(false);
    let suggest = move |ev: leptos::ev::Event| {
        if creating
            && !slug_typed.get_untracked()
            && let Some(input) = slug_ref.get_untracked()
        {
            input.set_value(&suggest_slug(&event_target_value(&ev)));
        }
    };
    view! {
        <input type="hidden" name="bools" value="allow_public_submission" />
        <div>
            <label for="q-title">"Title"</label>
            <input id="q-title" name="f[title]" value=title required=true aria-describedby="title-error" on:input=suggest />
            <FieldError error field="title" />
        </div>
        <div>
            <label for="q-slug">"Slug"</label>
            <input id="q-slug" name="f[slug]" value=slug required=true aria-describedby="slug-error q-slug-help" node_ref=slug_ref on:input=move |_| set_slug_typed.set(true) />
            <small class="help" id="q-slug-help">"In web addresses: lowercase letters, digits, - and _."</small>
            <FieldError error field="slug" />
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let options = staff
                    .await
                    .map(|c| c.staff)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|u| {
                        let selected = owner == Some(u.id);
                        view! { <option value=u.id.to_string() selected=selected>{u.display_name()}</option> }
                    })
                    .collect_view();
                view! {
                    <div>
                        <label for="q-owner">"Default owner"</label>
                        <select id="q-owner" name="f[default_owner]" aria-describedby="default_owner-error">
                            <option value="">"Nobody (new tickets unassigned)"</option>
                            {options}
                        </select>
                        <FieldError error field="default_owner" />
                    </div>
                }
            })}
        </Suspense>
        <div>
            <label for="q-email">"Email address"</label>
            <input id="q-email" name="f[email_address]" type="email" value=email aria-describedby="email_address-error" />
            <FieldError error field="email_address" />
        </div>
        <div class="check-field">
            <label class="check">
                <input type="checkbox" name="f[allow_public_submission]" checked=public />
                " Allow public submission"
            </label>
        </div>
    }
}

/// A slug made from a title: lowercase ASCII letters and digits, other runs as one "-".
fn suggest_slug(title: &str) -> String {
    let mut slug = String::new();
    for c in title.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(50).collect()
}

/// `/admin/queues`.
#[component]
pub fn AdminQueues() -> impl IntoView {
    let create = ServerAction::<CreateQueue>::new();
    let queues = Resource::new(move || create.version().get(), |_| list_queues());
    let from_url = url_error("/sfn/create_queue");
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let created = move || create.value().get().and_then(Result::ok);
    let pending = create.pending();
    view! {
        <section class="card">
            <h1>"Queues"</h1>
            {deleted_notice()}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queues.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="list">
                                    <thead><tr>
                                        <th scope="col">"Title"</th>
                                        <th scope="col">"Slug"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Public submission"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|q| view! {
                                            <tr>
                                                <td><a href=format!("/admin/queues/{}", q.id)>{q.title}</a></td>
                                                <td>{q.slug}</td>
                                                <td>{q.email_address.unwrap_or_default()}</td>
                                                <td>{yes_no(q.allow_public_submission)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add a queue"</h2>
            <ActionForm action=create attr:class="form grid-2" attr:novalidate=true>
                <FormAlert error />
                {move || created().map(|q| view! { <Banner message=format!("Queue {} created.", q.title) /> })}
                <QueueFields q=None error />
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create queue" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `/admin/queues/{id}`.
#[component]
pub fn AdminQueueEdit() -> impl IntoView {
    let id = id_param();
    let update = ServerAction::<UpdateQueue>::new();
    let delete = ServerAction::<DeleteQueue>::new();
    let queue = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_queue(id),
    );
    let up_url = url_error("/sfn/update_queue");
    let del_url = url_error("/sfn/delete_queue");
    let error = Signal::derive(move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| up_url.get())
    });
    let del_error = Signal::derive(move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| del_url.get())
    });
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    view! {
        <p><a href="/admin/queues">"← All queues"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(q) => {
                        let qid = q.id;
                        let del_label = format!("Delete queue {}", q.title);
                        view! {
                        <section class="card">
                            <h1>"Queue " {q.title.clone()}</h1>
                            <ActionForm action=update attr:class="form grid-2" attr:novalidate=true>
                                <FormAlert error />
                                <Show when=saved><Banner message="Saved." /></Show>
                                <input type="hidden" name="id" value=q.id />
                                <QueueFields q=Some(q.clone()) error />
                                <button type="submit" class="primary" disabled=update.pending()>"Save"</button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>"Delete this queue"</h2>
                            <p>"Only a queue without tickets can be deleted."</p>
                            <ActionForm action=delete attr:class="form">
                                <FormAlert error=del_error />
                                <input type="hidden" name="id" value=qid />
                                <button type="submit" class="danger" disabled=delete.pending()>{del_label}</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn CustomFieldFields(f: Option<CustomField>, error: Signal<Option<AppError>>) -> impl IntoView {
    let name = f.as_ref().map(|f| f.name.clone()).unwrap_or_default();
    let label = f.as_ref().map(|f| f.label.clone()).unwrap_or_default();
    let help = f.as_ref().map(|f| f.help_text.clone()).unwrap_or_default();
    let kind = f.as_ref().map_or(DataType::Varchar, |f| f.data_type);
    let max_length = f
        .as_ref()
        .and_then(|f| f.max_length)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let decimals = f
        .as_ref()
        .and_then(|f| f.decimal_places)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let list_values = f
        .as_ref()
        .map(|f| f.list_values.clone())
        .unwrap_or_default();
    let ordering = f
        .as_ref()
        .and_then(|f| f.ordering)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let required = f.as_ref().is_some_and(|f| f.required);
    let staff_only = f.as_ref().is_some_and(|f| f.staff_only);
    let empty = f.as_ref().is_some_and(|f| f.empty_selection_list);
    view! {
        <input type="hidden" name="bools" value="required,staff_only,empty_selection_list" />
        <div>
            <label for="cf-name">"Name (used in the API as custom_<name>)"</label>
            <input id="cf-name" name="f[name]" value=name required=true aria-describedby="name-error" />
            <FieldError error field="name" />
        </div>
        <div>
            <label for="cf-label">"Label"</label>
            <input id="cf-label" name="f[label]" value=label required=true maxlength="30" aria-describedby="label-error" />
            <FieldError error field="label" />
        </div>
        <div>
            <label for="cf-type">"Data type"</label>
            <select id="cf-type" name="f[data_type]" aria-describedby="data_type-error">
                {DataType::ALL
                    .into_iter()
                    .map(|d| view! { <option value=d.as_str() selected={d == kind}>{d.label()}</option> })
                    .collect_view()}
            </select>
            <FieldError error field="data_type" />
        </div>
        <div>
            <label for="cf-ordering">"Ordering"</label>
            <input id="cf-ordering" name="f[ordering]" type="number" value=ordering aria-describedby="ordering-error" />
            <FieldError error field="ordering" />
        </div>
        <div>
            <label for="cf-max">"Max length"</label>
            <input id="cf-max" name="f[max_length]" type="number" min="0" value=max_length aria-describedby="max_length-error" />
            <FieldError error field="max_length" />
        </div>
        <div>
            <label for="cf-dec">"Decimal places"</label>
            <input id="cf-dec" name="f[decimal_places]" type="number" min="0" value=decimals aria-describedby="decimal_places-error" />
            <FieldError error field="decimal_places" />
        </div>
        <div class="wide">
            <label for="cf-list">"Choices (one a line, for lists)"</label>
            <textarea id="cf-list" name="f[list_values]" rows="3" aria-describedby="list_values-error">{list_values}</textarea>
            <FieldError error field="list_values" />
        </div>
        <div class="wide">
            <label for="cf-help">"Help text"</label>
            <input id="cf-help" name="f[help_text]" value=help />
        </div>
        <fieldset class="checks">
            <legend>"Options"</legend>
            <label><input type="checkbox" name="f[required]" checked=required />" Required"</label>
            <label><input type="checkbox" name="f[staff_only]" checked=staff_only />" Staff only"</label>
            <label><input type="checkbox" name="f[empty_selection_list]" checked=empty />" Empty first choice (lists)"</label>
        </fieldset>
    }
}

/// `/admin/custom-fields`.
#[component]
pub fn AdminCustomFields() -> impl IntoView {
    let create = ServerAction::<CreateCustomField>::new();
    let fields = Resource::new(move || create.version().get(), |_| list_custom_fields());
    let from_url = url_error("/sfn/create_custom_field");
    let error = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let created = move || create.value().get().and_then(Result::ok);
    let pending = create.pending();
    view! {
        <section class="card">
            <h1>"Custom fields"</h1>
            {deleted_notice()}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match fields.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="list">
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Label"</th>
                                        <th scope="col">"Type"</th>
                                        <th scope="col">"Required"</th>
                                        <th scope="col">"Staff only"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|f| view! {
                                            <tr>
                                                <td><a href=format!("/admin/custom-fields/{}", f.id)>{f.name}</a></td>
                                                <td>{f.label}</td>
                                                <td>{f.data_type.label()}</td>
                                                <td>{yes_no(f.required)}</td>
                                                <td>{yes_no(f.staff_only)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add a custom field"</h2>
            <ActionForm action=create attr:class="form grid-2" attr:novalidate=true>
                <FormAlert error />
                {move || created().map(|f| view! { <Banner message=format!("Custom field {} created.", f.name) /> })}
                <CustomFieldFields f=None error />
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create custom field" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `/admin/custom-fields/{id}`.
#[component]
pub fn AdminCustomFieldEdit() -> impl IntoView {
    let id = id_param();
    let update = ServerAction::<UpdateCustomField>::new();
    let delete = ServerAction::<DeleteCustomField>::new();
    let field = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_custom_field(id),
    );
    let up_url = url_error("/sfn/update_custom_field");
    let error = Signal::derive(move || {
        update
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| up_url.get())
    });
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    view! {
           <p><a href="/admin/custom-fields">"← All custom fields"</a></p>
           <Suspense fallback=|| view! { <p>"Loading…"</p> }>
               {move || Suspend::new(async move {
                   match field.await {
                       Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
    Ok(f) => {
                           let fid = f.id;
                           let del_label = format!("Delete custom field {}", f.name);
                           view! {
                           <section class="card">
                               <h1>"Custom field " {f.name.clone()}</h1>
                               <ActionForm action=update attr:class="form grid-2" attr:novalidate=true>
                                   <FormAlert error />
                                   <Show when=saved><Banner message="Saved." /></Show>
                                   <input type="hidden" name="id" value=f.id />
                                   <CustomFieldFields f=Some(f.clone()) error />
                                   <button type="submit" class="primary" disabled=update.pending()>"Save"</button>
                               </ActionForm>
                           </section>
                           <section class="card">
                               <h2>"Delete this custom field"</h2>
                               <p>"Every ticket's value for it is removed too."</p>
                               <ActionForm action=delete attr:class="form">
                                   <input type="hidden" name="id" value=fid />
                                   <button type="submit" class="danger" disabled=delete.pending()>{del_label}</button>
                               </ActionForm>
                           </section>
                       }.into_any()
                       }
                   }
               })}
           </Suspense>
       }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_suggested_slug_is_lowercase_words_joined_by_dashes() {
        assert_eq!(
            super::suggest_slug("  Billing & Invoices 2026! "),
            "billing-invoices-2026"
        );
        assert_eq!(super::suggest_slug("Über"), "ber");
    }
}
