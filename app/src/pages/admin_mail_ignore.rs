//! `/admin/mail-ignore`: superusers keep the list of senders whose mail is never filed (issue
//! 15, mail in): addresses, or patterns with `*` such as `*@noreply.example.com`.

use leptos::prelude::*;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, action_error};
use crate::server_fns::mail_ignore::{AddMailIgnore, DeleteMailIgnore, list_mail_ignore};

#[component]
pub fn AdminMailIgnore() -> impl IntoView {
    let add = ServerAction::<AddMailIgnore>::new();
    let delete = ServerAction::<DeleteMailIgnore>::new();
    let list = Resource::new(
        move || (add.version().get(), delete.version().get()),
        |_| list_mail_ignore(),
    );
    let error = action_error(add);
    let del_error = action_error(delete);
    let pending = add.pending();
    view! {
        <section class="card">
            <h1>"Ignored senders"</h1>
            <p>"Mail from these senders is never filed as a ticket or a reply (see the README, \"Email\"). Mail from the queues' own addresses, automatic replies and bounces are ignored without being listed here."</p>
            <FormAlert error=del_error />
            {move || matches!(delete.value().get(), Some(Ok(()))).then(|| view! { <Banner message="Deleted." /> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                        Ok(items) if items.is_empty() => view! { <p>"No sender is ignored."</p> }.into_any(),
                        Ok(items) => view! {
                            <div class="table-wrap"><table class="list">
                                <thead><tr><th scope="col">"Sender"</th><th scope="col">"Note"</th><th scope="col"></th></tr></thead>
                                <tbody>
                                    {items.into_iter().map(|i| {
                                        let label = format!("Stop ignoring {}", i.pattern);
                                        view! {
                                            <tr>
                                                <td><code>{i.pattern.clone()}</code></td>
                                                <td>{i.note.clone()}</td>
                                                <td>
                                                    <ActionForm action=delete>
                                                        <input type="hidden" name="id" value=i.id />
                                                        <button type="submit" class="danger" aria-label=label>"Delete"</button>
                                                    </ActionForm>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table></div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Ignore a sender"</h2>
            <ActionForm action=add attr:class="form grid-2" attr:novalidate=true>
                <FormAlert error />
                {move || add.value().get().and_then(Result::ok).map(|made| view! {
                    <Banner message=format!("Mail from {} is now ignored.", made.pattern) />
                })}
                <div>
                    <label for="mi-pattern">"Address or pattern"</label>
                    <input id="mi-pattern" name="pattern" required=true aria-describedby="pattern-error mi-pattern-help" />
                    <small class="help" id="mi-pattern-help">"Such as ann@example.com, or *@noreply.example.com (* matches anything)."</small>
                    <FieldError error field="pattern" />
                </div>
                <div>
                    <label for="mi-note">"Note"</label>
                    <input id="mi-note" name="note" aria-describedby="note-error" />
                    <FieldError error field="note" />
                </div>
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Adding…" } else { "Ignore this sender" }}
                </button>
            </ActionForm>
        </section>
    }
}
