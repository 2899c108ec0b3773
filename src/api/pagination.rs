//! List requests: the query string, `?page`/`?page_size`, and the DRF page envelope
//! `{"count", "next", "previous", "results"}` with absolute links built from
//! `HELPDESK_PUBLIC_URL` when it is set, else from the Host header.

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, Query};
use axum::http::header::HOST;
use axum::http::request::Parts;
use serde::Serialize;
use serde_json::{Value, json};

use app::domain::page::{Page, PageRequest};
use app::error::AppError;

use crate::state::AppState;

/// The query string of a list request, and what is needed to link to other pages.
pub struct ListQuery {
    pub pairs: Vec<(String, String)>,
    /// `scheme://host[:port][/prefix]`, without a trailing slash.
    base: Option<String>,
    path: String,
}

impl FromRequestParts<AppState> for ListQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let uri = match OriginalUri::from_request_parts(parts, state).await {
            Ok(OriginalUri(u)) => u,
            Err(_) => parts.uri.clone(),
        };
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(&uri)
            .map(|Query(p)| p)
            .unwrap_or_default();
        // Paths arrive with the trailing slash trimmed; links use django-helpdesk's form.
        let path = format!("{}/", uri.path().trim_end_matches('/'));
        // The configured address wins: the Host header is whatever the client says.
        let base = match &state.settings.public_url {
            Some(url) => Some(url.clone()),
            None => host_base(parts),
        };
        Ok(Self { pairs, base, path })
    }
}

/// `scheme://host` from the request, when no public address is configured.
fn host_base(parts: &Parts) -> Option<String> {
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))?;
    // Behind a TLS-terminating proxy the links should say https.
    let https = parts
        .headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let scheme = if https { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::UNRESERVED).to_string()
}

impl ListQuery {
    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric filter (`?ticket=7`); a value that is not a number matches nothing.
    pub fn id_filter(&self, key: &str) -> Option<i64> {
        self.get(key)
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().parse::<i64>().unwrap_or(-1))
    }

    /// # Errors
    /// `NotFoundDetail("Invalid page.")` for a `?page` that is not a positive number.
    pub fn page_request(&self) -> Result<PageRequest, AppError> {
        PageRequest::parse(self.get("page"), self.get("page_size"))
    }

    /// The link to `page`: the same query with only `page` changed (dropped for page 1, as
    /// DRF does).
    fn link(&self, page: u64) -> Option<String> {
        let base = self.base.as_ref()?;
        let mut pairs: Vec<String> = Vec::new();
        let mut placed = false;
        for (k, v) in &self.pairs {
            if k == "page" {
                if !placed && page > 1 {
                    pairs.push(format!("page={page}"));
                }
                placed = true;
            } else {
                pairs.push(format!("{}={}", encode(k), encode(v)));
            }
        }
        if !placed && page > 1 {
            pairs.push(format!("page={page}"));
        }
        let query = if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        };
        Some(format!("{base}{}{query}", self.path))
    }

    /// The page envelope.
    pub fn respond<T: Serialize>(&self, page: Page<T>) -> Json<Value> {
        let next = page
            .has_next()
            .then(|| self.link(page.request.page + 1))
            .flatten();
        let previous = page
            .has_previous()
            .then(|| self.link(page.request.page - 1))
            .flatten();
        Json(json!({
            "count": page.count,
            "next": next,
            "previous": previous,
            "results": page.items,
        }))
    }
}
