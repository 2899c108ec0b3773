//! Helpers for forms that work with and without the wasm.

use base64::Engine;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::banner::{Banner, BannerKind};
use crate::error::AppError;

/// The error a plain (no-JavaScript) form post came back with: leptos redirects to the form's
/// page with `__path` (the server function) and `__err` (the encoded error) in the query.
pub fn url_error(server_fn_path: &'static str) -> Memo<Option<AppError>> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        if q.get("__path").as_deref() != Some(server_fn_path) {
            return None;
        }
        let raw = q.get("__err")?;
        let bytes = base64::engine::general_purpose::URL_SAFE.decode(raw).ok()?;
        serde_json::from_slice(&bytes).ok()
    })
}

/// What the last run of `action` failed with, or else the error a plain form post to the same
/// server function came back with (see [`url_error`]).
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let from_url = url_error(S::PATH);
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| from_url.get())
    })
}

/// The page's `:id` route parameter; 0 when it is not a number, which the server answers
/// with "not found" like any other unknown id.
pub fn id_param() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    }
}

/// The messages for one field, shown next to it (and tied to it by `aria-describedby`).
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] field: String,
) -> impl IntoView {
    move || {
        let msgs = error
            .get()
            .map(|e| e.field_messages(&field))
            .unwrap_or_default();
        (!msgs.is_empty()).then(|| {
            view! { <p class="error field-error" id=format!("{field}-error")>{msgs.join(" ")}</p> }
        })
    }
}

/// A form-level message: what went wrong when it is not about one field. It takes the focus
/// (or hands it to the first field with an error) when it appears.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let text = match e {
                AppError::Validation(_) => "Please correct the errors below.".to_owned(),
                AppError::Internal | AppError::ServerFn(_) => {
                    "Something went wrong; please try again.".to_owned()
                }
                other => other.to_string(),
            };
            view! { <Banner kind=BannerKind::Error message=text /> }
        })
    }
}
