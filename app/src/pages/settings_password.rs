use leptos::prelude::*;

use crate::components::form::{FieldError, FormAlert, url_error};
use crate::server_fns::users::ChangePassword;

/// "Change my password", for every signed-in user.
#[component]
pub fn SettingsPassword() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let from_url = url_error("/sfn/change_password");
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let saved = move || matches!(action.value().get(), Some(Ok(())));
    let pending = action.pending();
    view! {
        <section class="card narrow">
            <h1>"Change my password"</h1>
            <ActionForm action=action attr:class="form">
                <FormAlert error />
                <label for="old_password">"Current password"</label>
                <input id="old_password" name="old_password" type="password" autocomplete="current-password" required aria-describedby="old_password-error" />
                <FieldError error field="old_password" />
                <label for="new_password">"New password"</label>
                <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="new_password-error" />
                <FieldError error field="new_password" />
                <label for="confirm">"New password again"</label>
                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required aria-describedby="confirm-error" />
                <FieldError error field="confirm" />
                <Show when=saved>
                    <p class="success" role="status">"Your password has been changed."</p>
                </Show>
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Saving…" } else { "Change password" }}
                </button>
            </ActionForm>
        </section>
    }
}
