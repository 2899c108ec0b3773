//! Queues on the shared admin pages: their columns and form fields.

use leptos::prelude::*;

use super::{AdminRecord, yes_no};
use crate::components::form::FieldError;
use crate::domain::queue::Queue;
use crate::error::AppError;
use crate::server_fns::admin::{CreateQueue, DeleteQueue, UpdateQueue, get_queue, list_queues};

impl AdminRecord for Queue {
    const NOUN: &'static str = "queue";
    const COLUMNS: &'static [&'static str] = &["Title", "Slug", "Email", "Public submission"];
    const DELETE_NOTE: &'static str = "Only a queue without tickets can be deleted.";
    type Create = CreateQueue;
    type Update = UpdateQueue;
    type Delete = DeleteQueue;

    fn list() -> impl Future<Output = Result<Vec<Self>, AppError>> + Send + 'static {
        list_queues()
    }
    fn get(id: i64) -> impl Future<Output = Result<Self, AppError>> + Send + 'static {
        get_queue(id)
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn name(&self) -> String {
        self.title.clone()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.slug.clone(),
            self.email_address.clone().unwrap_or_default(),
            yes_no(self.allow_public_submission),
        ]
    }
    fn fields(record: Option<Self>, error: Signal<Option<AppError>>) -> AnyView {
        view! { <QueueFields q=record error /> }.into_any()
    }
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
    let new_cc = q
        .as_ref()
        .and_then(|q| q.new_ticket_cc.clone())
        .unwrap_or_default();
    let updated_cc = q
        .as_ref()
        .and_then(|q| q.updated_ticket_cc.clone())
        .unwrap_or_default();
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
        <div>
            <label for="q-new-cc">"New ticket CC"</label>
            <input id="q-new-cc" name="f[new_ticket_cc]" value=new_cc aria-describedby="new_ticket_cc-error q-new-cc-help" />
            <small class="help" id="q-new-cc-help">"Addresses mailed about every new ticket in this queue, separated by commas."</small>
            <FieldError error field="new_ticket_cc" />
        </div>
        <div>
            <label for="q-updated-cc">"Updated ticket CC"</label>
            <input id="q-updated-cc" name="f[updated_ticket_cc]" value=updated_cc aria-describedby="updated_ticket_cc-error q-updated-cc-help" />
            <small class="help" id="q-updated-cc-help">"Addresses mailed about every new ticket, followup and change in this queue, separated by commas."</small>
            <FieldError error field="updated_ticket_cc" />
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
