//! The frame of every page: a header with the navigation, and the main area.

use leptos::prelude::*;

use crate::server_fns::auth::{Logout, get_current_user};

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // Keyed on the path so that signing in or out (a client-side navigation) refreshes it.
    let location = leptos_router::hooks::use_location();
    let user = Resource::new_blocking(move || location.pathname.get(), |_| get_current_user());
    let logout = ServerAction::<Logout>::new();
    let main_ref = NodeRef::<leptos::html::Main>::new();
    view! {
        <a
            class="skip-link"
            href="#main"
            on:click=move |ev| {
                // The router handles in-page links itself and would not move the focus.
                if let Some(m) = main_ref.get_untracked() {
                    ev.prevent_default();
                    let _ = m.focus();
                }
            }
        >
            "Skip to main content"
        </a>
        <header class="site-header">
            <a class="brand" href="/">"Helpdesk"</a>
            <nav aria-label="Main">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(u)) => {
                                let staff = u.is_staff;
                                let admin = u.is_superuser;
                                let name = u.display_name();
                                view! {
                                    <ul class="nav">
                                        <Show when=move || staff>
                                            <li><a href="/">"Dashboard"</a></li>
                                            <li><a href="/tickets">"Tickets"</a></li>
                                            <li><a href="/tickets/new">"New ticket"</a></li>
                                        </Show>
                                        <Show when=move || admin>
                                            <li><a href="/admin/users">"Users"</a></li>
                                            <li><a href="/admin/queues">"Queues"</a></li>
                                            <li><a href="/admin/custom-fields">"Custom fields"</a></li>
                                            <li><a href="/admin/webhooks">"Webhooks"</a></li>
                                            <li><a href="/admin/mail-ignore">"Ignored senders"</a></li>
                                            <li><a href="/admin/outbox">"Mail"</a></li>
                                        </Show>
                                        <Show when=move || !staff>
                                            <li><a href="/my-tickets">"My tickets"</a></li>
                                        </Show>
                                        <li><a href="/settings/password">"Settings"</a></li>
                                        <li class="who">{name}</li>
                                        <li>
                                            <ActionForm action=logout>
                                                <button type="submit" class="link">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                }
                                .into_any()
                            }
                            _ => view! {
                                <ul class="nav"><li><a href="/login">"Sign in"</a></li></ul>
                            }
                            .into_any(),
                        }
                    })}
                </Suspense>
            </nav>
        </header>
        <main id="main" tabindex="-1" node_ref=main_ref>{children()}</main>
    }
}

/// The page's `<title>`: what it shows, then the site ("Tickets · Helpdesk"), so that tabs,
/// history and screen readers tell pages apart.
#[component]
pub fn PageTitle(#[prop(into)] text: String) -> impl IntoView {
    let text = format!("{text} · Helpdesk");
    // leptos_meta writes the server's `<title>` as it is, unescaped: a ticket titled
    // `</title><meta http-equiv=refresh ...>` (from the public portal or a mail's subject)
    // would add elements to the page. The browser sets `document.title`, which is text.
    #[cfg(feature = "ssr")]
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    view! { <leptos_meta::Title text=text /> }
}
