//! Queues on the shared admin pages: their columns and form fields.

use leptos::prelude::*;

use super::{AdminRecord, yes_no};
use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, action_error};
use crate::domain::mailbox::QueueMailbox;
use crate::domain::queue::Queue;
use crate::error::AppError;
use crate::server_fns::admin::{
    CreateQueue, DeleteQueue, RemoveQueueMailbox, SaveQueueMailbox, UpdateQueue, get_queue,
    get_queue_mailbox, list_queues,
};

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
    fn extra(id: i64) -> AnyView {
        view! { <MailboxCard queue=id /> }.into_any()
    }
}

/// The queue's mailbox, polled over IMAP (issue 15): its settings and the last poll.
#[component]
fn MailboxCard(queue: i64) -> impl IntoView {
    let save = ServerAction::<SaveQueueMailbox>::new();
    let remove = ServerAction::<RemoveQueueMailbox>::new();
    let mailbox = Resource::new(
        move || (save.version().get(), remove.version().get()),
        move |_| get_queue_mailbox(queue),
    );
    let error = action_error(save);
    let remove_error = action_error(remove);
    let saved = move || matches!(save.value().get(), Some(Ok(_)));
    view! {
        <section class="card" id="mailbox">
            <h2>"Mailbox (IMAP)"</h2>
            <p>"Mail in this mailbox becomes tickets and replies in this queue. Unseen messages are fetched at every poll; filed ones are marked seen and moved to the done folder (or deleted); one that can never be filed is moved to helpdesk-failed."</p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mailbox.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(m) => {
                            let configured = m.configured;
                            view! {
                            <MailboxStatus m=m.clone() />
                            <ActionForm action=save attr:class="form grid-2" attr:novalidate=true>
                                <FormAlert error />
                                <Show when=saved><Banner message="Mailbox saved." /></Show>
                                <input type="hidden" name="id" value=queue />
                                <MailboxFields m error />
                                <button type="submit" class="primary" disabled=save.pending()>"Save mailbox"</button>
                            </ActionForm>
                            <Show when=move || configured>
                                <ActionForm action=remove attr:class="form">
                                    <FormAlert error=remove_error />
                                    <input type="hidden" name="id" value=queue />
                                    <button type="submit" class="danger" disabled=remove.pending()>"Remove the mailbox"</button>
                                </ActionForm>
                            </Show>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MailboxStatus(m: QueueMailbox) -> impl IntoView {
    let text = if !m.configured {
        "No mailbox: nothing is polled for this queue.".to_owned()
    } else if !m.enabled {
        "Polling is off.".to_owned()
    } else {
        match &m.last_poll_at {
            None => "Not polled yet.".to_owned(),
            Some(at) => {
                let at = crate::domain::Timestamp::from_db(at)
                    .map(|t| t.to_display())
                    .unwrap_or_else(|| at.clone());
                format!("Last polled {at}.")
            }
        }
    };
    let error = (!m.last_error.is_empty()).then(|| {
        let e = m.last_error.clone();
        view! { <p class="error" id="mailbox-last-error">"Last poll failed: " {e}</p> }
    });
    view! {
        <p id="mailbox-status">{text}</p>
        {error}
    }
}

#[component]
fn MailboxFields(m: QueueMailbox, error: Signal<Option<AppError>>) -> impl IntoView {
    use crate::domain::mailbox::{AFTER_DELETE, AFTER_MOVE, SECURITY_STARTTLS, SECURITY_TLS};
    let password_help = if m.has_password {
        "A password is stored; leave this empty to keep it."
    } else {
        "Required."
    };
    let option = |value: &'static str, label: &'static str, current: &str| {
        let selected = value == current;
        view! { <option value=value selected=selected>{label}</option> }
    };
    view! {
        <div>
            <label for="mb-host">"Host"</label>
            <input id="mb-host" name="f[host]" value=m.host.clone() aria-describedby="host-error" />
            <FieldError error field="host" />
        </div>
        <div>
            <label for="mb-port">"Port"</label>
            <input id="mb-port" name="f[port]" type="number" min="1" max="65535" value=m.port.to_string() aria-describedby="port-error mb-port-help" />
            <small class="help" id="mb-port-help">"Usually 993 with TLS, 143 with STARTTLS."</small>
            <FieldError error field="port" />
        </div>
        <div>
            <label for="mb-security">"Security"</label>
            <select id="mb-security" name="f[security]" aria-describedby="security-error">
                {option(SECURITY_TLS, "TLS", &m.security)}
                {option(SECURITY_STARTTLS, "STARTTLS", &m.security)}
            </select>
            <FieldError error field="security" />
        </div>
        <div>
            <label for="mb-username">"Username"</label>
            <input id="mb-username" name="f[username]" value=m.username.clone() autocomplete="off" aria-describedby="username-error" />
            <FieldError error field="username" />
        </div>
        <div>
            <label for="mb-password">"Password"</label>
            <input id="mb-password" name="f[password]" type="password" value="" autocomplete="new-password" aria-describedby="password-error mb-password-help" />
            <small class="help" id="mb-password-help">{password_help}</small>
            <FieldError error field="password" />
        </div>
        <div>
            <label for="mb-folder">"Folder"</label>
            <input id="mb-folder" name="f[folder]" value=m.folder.clone() aria-describedby="folder-error" />
            <FieldError error field="folder" />
        </div>
        <div>
            <label for="mb-after">"After filing"</label>
            <select id="mb-after" name="f[after_filing]" aria-describedby="after_filing-error">
                {option(AFTER_MOVE, "Move to the done folder", &m.after_filing)}
                {option(AFTER_DELETE, "Delete", &m.after_filing)}
            </select>
            <FieldError error field="after_filing" />
        </div>
        <div>
            <label for="mb-done">"Done folder"</label>
            <input id="mb-done" name="f[done_folder]" value=m.done_folder.clone() aria-describedby="done_folder-error" />
            <FieldError error field="done_folder" />
        </div>
        <div>
            <label for="mb-poll">"Poll every (seconds)"</label>
            <input id="mb-poll" name="f[poll_seconds]" type="number" min="5" value=m.poll_seconds.to_string() aria-describedby="poll_seconds-error" />
            <FieldError error field="poll_seconds" />
        </div>
        <div class="check-field">
            <label class="check">
                <input type="checkbox" name="f[enabled]" checked=m.enabled />
                " Poll this mailbox"
            </label>
        </div>
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
