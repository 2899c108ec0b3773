use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::server_fns::auth::Login as LoginFn;

const SIGN_IN_FAILED: &str = "Sign-in failed; please try again.";

/// The message shown for a failed sign-in.
fn fixed_message(e: &AppError) -> &'static str {
    match e {
        AppError::Unauthorized(_) => "Please enter a correct username and password.",
        AppError::TooManyRequests { .. } => {
            "Too many failed sign-in attempts. Please try again later."
        }
        _ => SIGN_IN_FAILED,
    }
}

/// The sign-in form. A plain form post works before the wasm has loaded.
#[component]
pub fn Login() -> impl IntoView {
    let login = ServerAction::<LoginFn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let from_url = crate::components::form::url_error("/sfn/login");
    // An error can come back in the URL (after a plain form post; leptos also puts it in the
    // action's value), and anyone can send a link with one: only its kind is used, to choose
    // one of our own messages.
    let error = move || match login.value().get() {
        Some(Err(e)) => Some(fixed_message(&e)),
        Some(Ok(())) => None,
        None => from_url.get().map(|e| fixed_message(&e)),
    };
    let pending = login.pending();
    view! {
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=login attr:class="form">
                <input type="hidden" name="next" prop:value=next />
                <label for="username">"Username"</label>
                <input id="username" name="username" autocomplete="username" required autofocus />
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required />
                {move || error().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </section>
    }
}
