use leptos::prelude::*;

use crate::components::banner::Banner;
use crate::components::form::{FieldError, FormAlert, url_error};
use crate::components::time::TimeZone;
use crate::server_fns::settings::{
    SetEmailNotifications, SetTimeZone, email_notifications, time_zone_settings,
};
use crate::server_fns::users::ChangePassword;

/// The user's settings: their time zone, and "Change my password" (every signed-in user).
#[component]
pub fn SettingsPassword() -> impl IntoView {
    view! {
        <h1>"Settings"</h1>
        <TimeZoneSetting />
        <NotificationSetting />
        <ChangeMyPassword />
    }
}

/// The zone times are shown in: "Browser default" or an IANA name (issue 11).
#[component]
fn TimeZoneSetting() -> impl IntoView {
    let action = ServerAction::<SetTimeZone>::new();
    let data = Resource::new(|| (), |_| time_zone_settings());
    let from_url = url_error("/sfn/set_time_zone");
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    // Later pages (and this one's context) use the new zone at once.
    Effect::new(move |_| {
        if let (Some(Ok(zone)), Some(tz)) = (action.value().get(), use_context::<TimeZone>()) {
            if zone.is_empty() {
                tz.from_setting.set(false);
            } else {
                tz.name.set(zone);
                tz.from_setting.set(true);
            }
        }
    });
    let pending = action.pending();
    view! {
        <section class="card narrow">
            <h2>"Time zone"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(s) => {
                            let current = s.time_zone.clone();
                            view! {
                                <ActionForm action=action attr:class="form">
                                    <FormAlert error />
                                    <label for="time_zone">"Show times in"</label>
                                    <select id="time_zone" name="time_zone" aria-describedby="time_zone-error">
                                        <option value="" selected=current.is_empty()>"Browser default"</option>
                                        {s.choices.into_iter().map(|z| {
                                            let sel = z == current;
                                            view! { <option value=z.clone() selected=sel>{z.clone()}</option> }
                                        }).collect_view()}
                                    </select>
                                    <FieldError error field="time_zone" />
                                    <Show when=saved>
                                        <Banner message="Time zone saved." />
                                    </Show>
                                    <button type="submit" class="primary" disabled=pending>
                                        {move || if pending.get() { "Saving…" } else { "Save time zone" }}
                                    </button>
                                </ActionForm>
                            }
                            .into_any()
                        }
                        Err(_) => view! { <p class="error" role="alert">"Could not load your settings."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The user's own notifications by mail: on (the default) or off (issue 15).
#[component]
fn NotificationSetting() -> impl IntoView {
    let action = ServerAction::<SetEmailNotifications>::new();
    let data = Resource::new(move || action.version().get(), |_| email_notifications());
    let from_url = url_error("/sfn/set_email_notifications");
    let error = Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    });
    let saved = move || matches!(action.value().get(), Some(Ok(_)));
    let pending = action.pending();
    view! {
        <section class="card narrow">
            <h2>"Email notifications"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(on) => view! {
                            <ActionForm action=action attr:class="form">
                                <FormAlert error />
                                <label for="enabled">"Mail me about tickets (assigned to me, changed by others)"</label>
                                <select id="enabled" name="enabled" aria-describedby="enabled-error">
                                    <option value="true" selected=on>"On"</option>
                                    <option value="false" selected=!on>"Off"</option>
                                </select>
                                <FieldError error field="enabled" />
                                <Show when=saved>
                                    <Banner message="Notification setting saved." />
                                </Show>
                                <button type="submit" class="primary" disabled=pending>
                                    {move || if pending.get() { "Saving…" } else { "Save notifications" }}
                                </button>
                            </ActionForm>
                        }
                        .into_any(),
                        Err(_) => view! { <p class="error" role="alert">"Could not load your settings."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ChangeMyPassword() -> impl IntoView {
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
            <h2>"Change my password"</h2>
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
                    <Banner message="Your password has been changed." />
                </Show>
                <button type="submit" class="primary" disabled=pending>
                    {move || if pending.get() { "Saving…" } else { "Change password" }}
                </button>
            </ActionForm>
        </section>
    }
}
