use leptos::prelude::*;

use crate::server_fns::auth::get_current_user;

/// The agents' home page.
#[component]
pub fn Dashboard() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| get_current_user());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! {
                        <section class="card">
                            <h1>"Dashboard"</h1>
                            <p>"Welcome, " {u.display_name()} "."</p>
                        </section>
                    }
                    .into_any(),
                    _ => view! {
                        <section class="card narrow">
                            <h1>"Helpdesk"</h1>
                            <p><a href="/login">"Sign in"</a>" to work on tickets."</p>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
