//! The helpdesk's Leptos app and its shared core.
//!
//! - `domain`: types and parsers shared by the server and the browser.
//! - `error`: the one `AppError`.
//! - `service` (ssr only): every rule and every SQL statement.
//! - `server_fns`: thin `#[server]` functions over `service`.
//! - `pages`, `components`: the UI.

#![recursion_limit = "256"]

pub mod components;
pub mod domain;
pub mod error;
#[cfg(feature = "ssr")]
pub mod multipart;
pub mod pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod service;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use components::layout::PageTitle;
use domain::custom_field::CustomField;
use domain::queue::Queue;
use pages::admin_config::{edit_page, list_page};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.ico" />
                // By the name in hash.txt when the assets are hashed.
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
                <components::time::TimeZoneMeta />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::time::provide_time_zone();
    view! {
        <Title text="Helpdesk" />
        <Router>
            <components::layout::Layout>
                <Routes fallback=|| view! { <PageTitle text="Not found" /> <pages::not_found::NotFound /> }>
                    <Route path=path!("/") view=|| view! { <PageTitle text="Dashboard" /> <pages::dashboard::Dashboard /> } ssr=SsrMode::Async />
                    <Route path=path!("/login") view=|| view! { <PageTitle text="Sign in" /> <pages::login::Login /> } />
                    <Route path=path!("/submit") view=pages::portal::SubmitPage ssr=SsrMode::Async />
                    <Route path=path!("/view/:id") view=pages::portal::ViewPage ssr=SsrMode::Async />
                    <Route path=path!("/my-tickets") view=|| view! { <PageTitle text="My tickets" /> <pages::my_tickets::MyTickets /> } ssr=SsrMode::Async />
                    <Route path=path!("/tickets") view=|| view! { <PageTitle text="Tickets" /> <pages::tickets::TicketList /> } ssr=SsrMode::Async />
                    <Route path=path!("/tickets/new") view=|| view! { <PageTitle text="New ticket" /> <pages::ticket::TicketNew /> } ssr=SsrMode::Async />
                    <Route path=path!("/tickets/:id") view=pages::ticket::TicketPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/:id/edit") view=pages::titled::TicketEditPage ssr=SsrMode::Async />
                    <Route path=path!("/tickets/:id/delete") view=pages::titled::TicketDeletePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/settings/password")
                        view=|| view! { <PageTitle text="Settings" /> <pages::settings_password::SettingsPassword /> }
                    />
                    <Route path=path!("/admin/queues") view=|| view! { <PageTitle text="Queues" /> {list_page::<Queue>()} } ssr=SsrMode::Async />
                    <Route path=path!("/admin/queues/:id") view=|| view! { <PageTitle text="Queue" /> {edit_page::<Queue>()} } ssr=SsrMode::Async />
                    <Route path=path!("/admin/custom-fields") view=|| view! { <PageTitle text="Custom fields" /> {list_page::<CustomField>()} } ssr=SsrMode::Async />
                    <Route path=path!("/admin/custom-fields/:id") view=|| view! { <PageTitle text="Custom field" /> {edit_page::<CustomField>()} } ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=|| view! { <PageTitle text="Users" /> <pages::admin_users::AdminUsers /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/users/:id") view=|| view! { <PageTitle text="User" /> <pages::admin_users::AdminUserEdit /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox") view=|| view! { <PageTitle text="Mail outbox" /> <pages::admin_outbox::AdminOutbox /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/webhooks") view=|| view! { <PageTitle text="Webhooks" /> <pages::admin_webhooks::AdminWebhooks /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/mail-ignore") view=|| view! { <PageTitle text="Ignored senders" /> <pages::admin_mail_ignore::AdminMailIgnore /> } ssr=SsrMode::Async />
                    <Route path=path!("/admin/webhooks/:id") view=|| view! { <PageTitle text="Webhook" /> <pages::admin_webhooks::AdminWebhookEdit /> } ssr=SsrMode::Async />
                </Routes>
            </components::layout::Layout>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(
    inline_js = "export function mark_hydrated() { window.__helpdesk_hydrated = true; }"
)]
extern "C" {
    /// Tells browser tests that event handlers are attached.
    fn mark_hydrated();
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    mark_hydrated();
}
