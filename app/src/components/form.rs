//! Helpers for forms that work with and without the wasm.

use base64::Engine;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

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
