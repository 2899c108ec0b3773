//! Superusers' pages for queues and custom fields. Both kinds get the same two pages, written
//! once here: a list (a table and a create form) and an edit page (the form and a delete
//! button). A kind brings only what is its own, through [`AdminRecord`]: its columns, its form
//! fields and its server functions (`queues.rs`, `custom_fields.rs`). The routes call
//! `list_page::<Queue>()` and so on.

mod custom_fields;
mod queues;

use std::future::Future;

use leptos::prelude::*;
use leptos::server_fn::client::browser::BrowserClient;
use leptos::server_fn::codec::{Json, PostUrl};
use leptos::server_fn::{Http, ServerFn};
use leptos_router::hooks::use_query_map;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FormAlert, action_error, id_param};
use crate::error::AppError;

/// A server function that an `ActionForm` posts to (URL-encoded in, JSON out).
pub trait FormFn:
    ServerFn<Protocol = Http<PostUrl, Json>, Client = BrowserClient, Error = AppError>
    + DeserializeOwned
    + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> FormFn for S where
    S: ServerFn<Protocol = Http<PostUrl, Json>, Client = BrowserClient, Error = AppError>
        + DeserializeOwned
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// What one kind of record brings to the shared admin pages.
pub trait AdminRecord: Clone + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind in lowercase ("custom field"); the pages add an "s" for the plural, and
    /// live at `/admin/<plural with dashes>`.
    const NOUN: &'static str;
    /// The list's column headings; the first column is the linked [`AdminRecord::name`],
    /// the others are [`AdminRecord::cells`].
    const COLUMNS: &'static [&'static str];
    /// What the edit page says about deleting one.
    const DELETE_NOTE: &'static str;
    type Create: FormFn<Output = Self>;
    type Update: FormFn<Output = Self>;
    type Delete: FormFn<Output = ()>;

    fn list() -> impl Future<Output = Result<Vec<Self>, AppError>> + Send + 'static;
    fn get(id: i64) -> impl Future<Output = Result<Self, AppError>> + Send + 'static;
    fn id(&self) -> i64;
    fn name(&self) -> String;
    fn cells(&self) -> Vec<String>;
    /// The form's fields, empty (create) or filled from `record` (edit).
    fn fields(record: Option<Self>, error: Signal<Option<AppError>>) -> AnyView;
    /// More of the edit page, below the record's form (a queue's mailbox).
    fn extra(_id: i64) -> AnyView {
        ().into_any()
    }
}

fn capitalized(noun: &str) -> String {
    let mut chars = noun.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn list_path<R: AdminRecord>() -> String {
    format!("/admin/{}s", R::NOUN.replace(' ', "-"))
}

fn yes_no(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_owned()
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

fn table<R: AdminRecord>(records: Vec<R>) -> impl IntoView {
    let rows = records
        .into_iter()
        .map(|r| {
            let href = format!("{}/{}", list_path::<R>(), r.id());
            let cells = r.cells().into_iter().map(|c| view! { <td>{c}</td> });
            view! { <tr><td><a href=href>{r.name()}</a></td>{cells.collect_view()}</tr> }
        })
        .collect_view();
    let headings = R::COLUMNS
        .iter()
        .map(|c| view! { <th scope="col">{*c}</th> })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="list">
                <thead><tr>{headings}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/admin/<kind>s`: every record of the kind, and a form to add one.
pub fn list_page<R: AdminRecord>() -> impl IntoView {
    let create = ServerAction::<R::Create>::new();
    let records = Resource::new(move || create.version().get(), |_| R::list());
    let error = action_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    let pending = create.pending();
    let noun = R::NOUN;
    view! {
        <section class="card">
            <h1>{capitalized(noun)} "s"</h1>
            {deleted_notice()}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match records.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(list) => table(list).into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add a " {noun}</h2>
            <ActionForm action=create attr:class="form grid-2" attr:novalidate=true>
                <FormAlert error />
                {move || created().map(|r| view! {
                    <Banner message=format!("{} {} created.", capitalized(noun), r.name()) />
                })}
                {R::fields(None, error)}
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Creating…".to_owned() } else { format!("Create {noun}") }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `/admin/<kind>s/{id}`: one record's form, and a button to delete it.
pub fn edit_page<R: AdminRecord>() -> impl IntoView {
    let id = id_param();
    let update = ServerAction::<R::Update>::new();
    let delete = ServerAction::<R::Delete>::new();
    let record = Resource::new(move || (id(), update.version().get()), |(id, _)| R::get(id));
    let error = action_error(update);
    let del_error = action_error(delete);
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let noun = R::NOUN;
    let back = list_path::<R>();
    view! {
        <p><a href=back>"← All " {noun} "s"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match record.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(r) => {
                        let rid = r.id();
                        let name = r.name();
                        let del_label = format!("Delete {noun} {name}");
                        view! {
                            <section class="card">
                                <h1>{capitalized(noun)} " " {name}</h1>
                                <ActionForm action=update attr:class="form grid-2" attr:novalidate=true>
                                    <FormAlert error />
                                    <Show when=saved><Banner message="Saved." /></Show>
                                    <input type="hidden" name="id" value=rid />
                                    {R::fields(Some(r), error)}
                                    <button type="submit" class="primary" disabled=update.pending()>"Save"</button>
                                </ActionForm>
                            </section>
                            {R::extra(rid)}
                            <section class="card">
                                <h2>"Delete this " {noun}</h2>
                                <p>{R::DELETE_NOTE}</p>
                                <ActionForm action=delete attr:class="form">
                                    <FormAlert error=del_error />
                                    <input type="hidden" name="id" value=rid />
                                    <button type="submit" class="danger" disabled=delete.pending()>{del_label}</button>
                                </ActionForm>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
