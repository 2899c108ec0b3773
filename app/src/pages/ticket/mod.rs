//! One ticket: its page (`view`, with the quick actions in `actions`), the create and edit
//! forms (`form`, their shared fields in `fields`), and the delete confirmation (`actions`).

mod actions;
pub(crate) mod fields;
mod form;
mod view;

pub use actions::TicketDelete;
pub use form::{TicketEdit, TicketNew};

use leptos::prelude::*;

use crate::components::error::ErrorMessage;
use crate::error::AppError;
use view::StaffTicketPage;

use crate::components::form::id_param as ticket_id;

fn error_view(e: AppError) -> AnyView {
    view! { <section class="card"><ErrorMessage error=e missing="ticket" /></section> }.into_any()
}

/// `/tickets/{id}`: the agents' ticket page, or for a non-staff user their own ticket.
#[component]
pub fn TicketPage() -> impl IntoView {
    let id = ticket_id();
    let user = Resource::new_blocking(|| (), |_| crate::server_fns::auth::get_current_user());
    // Here, not in the staff page: the server may render what is inside the suspense twice,
    // and the draft can be taken from the session only once.
    let reply_draft = crate::pages::ticket_reply::reply_draft();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) if u.is_staff => view! { <StaffTicketPage reply_draft /> }.into_any(),
                    Ok(Some(_)) => view! { <crate::pages::my_tickets::OwnTicket id=id() /> }.into_any(),
                    _ => view! { <SignInAgain /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a signed-out visitor of a ticket page gets (often: their session expired while they
/// typed a reply): a way back to this very page, where the draft is waiting.
#[component]
fn SignInAgain() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let href = move || {
        format!(
            "/login?next={}",
            crate::server_fns::tickets::encode(&location.pathname.get())
        )
    };
    view! {
        <section class="card narrow" role="alert">
            <p>"You are signed out (sessions end after a while). Sign in again to come back to this ticket; a reply you were typing is kept."</p>
            <p><a class="button primary" href=href>"Sign in"</a></p>
        </section>
    }
}
