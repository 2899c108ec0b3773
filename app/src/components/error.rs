//! How a page shows an error it could not recover from: a sentence a person can act on, the
//! matching HTTP status when rendered on the server, and never internal details (those are
//! logged where they happened).

use leptos::prelude::*;

use crate::error::AppError;

/// The sentence shown for `e`; `missing` names what was not found ("ticket", "page").
pub fn friendly_text(e: &AppError, missing: &str) -> String {
    match e {
        AppError::NotFound => format!("There is no such {missing}."),
        AppError::Internal | AppError::ServerFn(_) => {
            "Something went wrong on our side. Please try again in a moment.".to_owned()
        }
        AppError::Unauthorized(_) => "Please sign in again.".to_owned(),
        other => other.to_string(),
    }
}

/// An error in place of a page's content. On the server it also sets the response status
/// (404, 403, 500, ...), so that a failed page is not cached or indexed as a good one.
#[component]
pub fn ErrorMessage(
    error: AppError,
    /// What the page was looking for, named in the "no such ..." sentence.
    #[prop(default = "page")]
    missing: &'static str,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(
                http::StatusCode::from_u16(error.status_code())
                    .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
            );
        }
    }
    let text = friendly_text(&error, missing);
    let sign_in = matches!(error, AppError::Unauthorized(_));
    view! {
        <div class="error-page" role="alert">
            <p class="error">{text}</p>
            <p>
                {if sign_in {
                    view! { <a href="/login">"Sign in"</a> }.into_any()
                } else {
                    view! { <a href="/">"Go to the dashboard"</a> }.into_any()
                }}
            </p>
        </div>
    }
}
