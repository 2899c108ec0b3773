//! Pages whose `<title>` comes from the URL: the ticket edit and delete pages, wrapped here so
//! that their forms stay as they are.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::layout::PageTitle;

fn id_text() -> String {
    use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default()
}

/// `/tickets/{id}/edit`.
#[component]
pub fn TicketEditPage() -> impl IntoView {
    view! {
        <PageTitle text=format!("Edit ticket #{}", id_text()) />
        <crate::pages::ticket::TicketEdit />
    }
}

/// `/tickets/{id}/delete`.
#[component]
pub fn TicketDeletePage() -> impl IntoView {
    view! {
        <PageTitle text=format!("Delete ticket #{}", id_text()) />
        <crate::pages::ticket::TicketDelete />
    }
}
