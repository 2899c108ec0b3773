use leptos::prelude::*;

use crate::components::banner::Banner;
use crate::components::error::ErrorMessage;
use crate::components::form::{FieldError, FormAlert, action_error, id_param};
use crate::domain::user::User;
use crate::server_fns::users::{CreateUser, SetUserPassword, UpdateUser, get_user, list_users};

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// Superusers: every user, and a form to add one.
#[component]
pub fn AdminUsers() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let users = Resource::new(move || create.version().get(), |_| list_users());
    let error = action_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    let pending = create.pending();
    view! {
        <section class="card">
            <h1>"Users"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable users=list /> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
        <section class="card">
            <h2>"Add a user"</h2>
            <ActionForm action=create attr:class="form grid-2">
                <FormAlert error />
                {move || created().map(|u| view! {
                    <Banner message=format!("User {} created.", u.username) />
                })}
                <div>
                    <label for="username">"Username"</label>
                    <input id="username" name="username" required autocomplete="off" aria-describedby="username-error" />
                    <FieldError error field="username" />
                </div>
                <div>
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="off" aria-describedby="email-error" />
                    <FieldError error field="email" />
                </div>
                <div>
                    <label for="first_name">"First name"</label>
                    <input id="first_name" name="first_name" />
                </div>
                <div>
                    <label for="last_name">"Last name"</label>
                    <input id="last_name" name="last_name" />
                </div>
                <div>
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="password-error" />
                    <FieldError error field="password" />
                </div>
                <fieldset class="checks">
                    <legend>"Rights"</legend>
                    <label><input type="checkbox" name="is_active" checked=true />" Active"</label>
                    // Most users added here are agents; customers usually come with their tickets.
                    <label><input type="checkbox" name="is_staff" checked=true />" Staff (agent)"</label>
                    <label><input type="checkbox" name="is_superuser" />" Superuser (admin)"</label>
                </fieldset>
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Creating…" } else { "Create user" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn UserTable(users: Vec<User>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="list">
                <thead>
                    <tr>
                        <th scope="col">"Username"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Active"</th>
                        <th scope="col">"Staff"</th>
                        <th scope="col">"Superuser"</th>
                    </tr>
                </thead>
                <tbody>
                    {users
                        .into_iter()
                        .map(|u| {
                            let href = format!("/admin/users/{}", u.id);
                            let name = format!("{} {}", u.first_name, u.last_name);
                            view! {
                                <tr class:inactive=!u.is_active>
                                    <td><a href=href>{u.username}</a></td>
                                    <td>{name}</td>
                                    <td>{u.email}</td>
                                    <td>{yes_no(u.is_active)}</td>
                                    <td>{yes_no(u.is_staff)}</td>
                                    <td>{yes_no(u.is_superuser)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Superusers: edit one user's profile and rights, deactivate them, set a new password.
#[component]
pub fn AdminUserEdit() -> impl IntoView {
    let id = id_param();
    let update = ServerAction::<UpdateUser>::new();
    let set_pw = ServerAction::<SetUserPassword>::new();
    let user = Resource::new(
        move || (id(), update.version().get()),
        |(id, _)| get_user(id),
    );
    let update_error = action_error(update);
    let pw_error = action_error(set_pw);
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let pw_saved = move || matches!(set_pw.value().get(), Some(Ok(())));
    view! {
        <p><a href="/admin/users">"← All users"</a></p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    Ok(u) => view! {
                        <section class="card">
                            <h1>"User " {u.username.clone()}</h1>
                            <ActionForm action=update attr:class="form grid-2">
                                <FormAlert error=update_error />
                                <Show when=saved>
                                    <Banner message="Saved." />
                                </Show>
                                <input type="hidden" name="id" value=u.id />
                                <div>
                                    <label for="email">"Email"</label>
                                    <input id="email" name="email" type="email" value=u.email.clone() aria-describedby="email-error" />
                                    <FieldError error=update_error field="email" />
                                </div>
                                <div>
                                    <label for="first_name">"First name"</label>
                                    <input id="first_name" name="first_name" value=u.first_name.clone() />
                                </div>
                                <div>
                                    <label for="last_name">"Last name"</label>
                                    <input id="last_name" name="last_name" value=u.last_name.clone() />
                                </div>
                                <fieldset class="checks">
                                    <legend>"Rights"</legend>
                                    <label><input type="checkbox" name="is_active" checked=u.is_active />" Active (untick to deactivate)"</label>
                                    <label><input type="checkbox" name="is_staff" checked=u.is_staff />" Staff (agent)"</label>
                                    <label><input type="checkbox" name="is_superuser" checked=u.is_superuser />" Superuser (admin)"</label>
                                    <FieldError error=update_error field="is_superuser" />
                                </fieldset>
                                <button type="submit" class="primary" disabled=update.pending()>"Save"</button>
                            </ActionForm>
                        </section>
                        <section class="card">
                            <h2>"Set a new password"</h2>
                            <ActionForm action=set_pw attr:class="form">
                                <FormAlert error=pw_error />
                                <Show when=pw_saved>
                                    <Banner message="Password set." />
                                </Show>
                                <input type="hidden" name="id" value=u.id />
                                <label for="new-password">"New password"</label>
                                <input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="password-error" />
                                <FieldError error=pw_error field="password" />
                                <button type="submit" class="primary" disabled=set_pw.pending()>"Set password"</button>
                            </ActionForm>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
