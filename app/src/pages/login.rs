use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;
use crate::server_fns::auth::Login as LoginFn;

/// The sign-in form. A plain form post works before the wasm has loaded.
#[component]
pub fn Login() -> impl IntoView {
    let login = ServerAction::<LoginFn>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let from_url = crate::components::form::url_error("/sfn/login");
    let error = move || match login.value().get().or_else(|| from_url.get().map(Err)) {
        Some(Err(AppError::Unauthorized(m))) => Some(m),
        Some(Err(_)) => Some("Sign-in failed; please try again.".to_owned()),
        _ => None,
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
