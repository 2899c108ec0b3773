//! `Idempotency-Key` on POST under `/api/` (issue 14.2): a retry of a POST with the same key,
//! user, path and body gets the first answer again, with `Idempotent-Replayed: true`, and
//! writes nothing. The record commits with the write (`app::service::idempotency`); this
//! middleware checks the key, answers retries, and stores the answer. A POST without the
//! header passes through untouched.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;
use app::service::idempotency::{self, Answer, Scope, Stored};
use app::service::preconditions::etag_of_bytes;

use super::payload::Payload;
use crate::auth::basic::ApiUser;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// The answer's headers a replay repeats.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// The longest a record is kept, whatever the setting says (SQLite's date arithmetic).
const MAX_HOURS: u32 = 24 * 365 * 10;

/// Keys being processed by this server, per user: a second request with one of them gets
/// 409 at once instead of waiting for the first. In `AppState`; another server's request
/// with the same key is caught by the record's unique insert instead.
#[derive(Clone, Default)]
pub struct KeysInFlight(Arc<Mutex<HashSet<(i64, String)>>>);

/// Takes `(user, key)` off the in-flight set when the request ends, however it ends.
struct InFlight(KeysInFlight, i64, String);

impl InFlight {
    fn enter(keys: &KeysInFlight, user: i64, key: &str) -> Option<Self> {
        let mut set = keys.0.lock().unwrap_or_else(|e| e.into_inner());
        set.insert((user, key.to_owned()))
            .then(|| InFlight(keys.clone(), user, key.to_owned()))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut set = self.0.0.lock().unwrap_or_else(|e| e.into_inner());
        set.remove(&(self.1, std::mem::take(&mut self.2)));
    }
}

/// A valid key: 1 to 255 visible ASCII characters.
fn parse_key(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let ok = (1..=255).contains(&bytes.len()) && bytes.iter().all(|b| b.is_ascii_graphic());
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

fn bad_key() -> Response {
    AppError::BadRequest(
        "The Idempotency-Key header must be 1 to 255 visible ASCII characters.".to_owned(),
    )
    .into_response()
}

pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    // None: no header; Some(None): a bad one (or two of them).
    let key = {
        let mut values = req.headers().get_all(HEADER).iter();
        match (values.next(), values.next()) {
            (None, _) => None,
            (Some(v), None) => Some(parse_key(v)),
            (Some(_), Some(_)) => Some(None),
        }
    };
    let key = match key {
        None => return next.run(req).await,
        Some(None) => return bad_key(),
        Some(Some(k)) => k,
    };
    let (mut parts, body) = req.into_parts();
    // Who asks: keys are per user. A failure is the answer the handler would give.
    let user = match ApiUser::from_request_parts(&mut parts, &state).await {
        Ok(ApiUser(user)) => user,
        Err(e) => return e.into_response(),
    };
    // Every POST is for staff: anyone else is refused by the handler before a byte of the
    // body is read, key or not.
    if app::service::require_staff(&user).is_err() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        // Over the body limit (the only way reading fails here): the handler's answer.
        Err(_) => return AppError::PayloadTooLarge.into_response(),
    };
    // The body as the handler reads it, so that a multipart retry with a new boundary is
    // the same request. A body it cannot read is refused by the handler, and not stored.
    let probe = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let Ok(payload) = Payload::from_request(probe, &state).await else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    let print = idempotency::fingerprint(
        parts.method.as_str(),
        &parts.uri.to_string(),
        &payload.body,
        &payload.files,
    );
    let Some(_in_flight) = InFlight::enter(&state.idempotency_keys, user.id, &key) else {
        return AppError::IdempotencyKeyInFlight.into_response();
    };
    match idempotency::lookup(&state.pool, user.id, &key, &print).await {
        Ok(Stored::Nothing) => {}
        Ok(Stored::OtherRequest) => return AppError::IdempotencyKeyReused.into_response(),
        Ok(Stored::AnswerLost(created)) => {
            let scope = Scope::new(user.id, key, print, hours(&state));
            return recover(&state, &user, &scope, created).await;
        }
        Ok(Stored::Answer(answer)) => return replay(answer),
        Err(e) => return e.into_response(),
    }
    let scope = Scope::new(user.id, key, print, hours(&state));
    let req = Request::from_parts(parts, Body::from(bytes));
    let resp = idempotency::run(scope.clone(), next.run(req)).await;
    if scope.taken() {
        return AppError::IdempotencyKeyInFlight.into_response();
    }
    // Only successes are kept: after a 4xx the client may fix the request and retry.
    if !resp.status().is_success() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        tracing::error!("could not read an answer's body to store it");
        return AppError::Internal.into_response();
    };
    let answer = Answer {
        status: parts.status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|h| {
                let v = parts.headers.get(h)?.to_str().ok()?;
                Some((h.as_str().to_owned(), v.to_owned()))
            })
            .collect(),
        body: bytes.to_vec(),
    };
    if let Err(e) = idempotency::store_answer(&state.pool, &scope, &answer).await {
        // The write stands; a retry is told the answer was lost rather than writing again.
        tracing::error!(error = %e, "could not store an idempotent answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn hours(state: &AppState) -> u32 {
    state.settings.idempotency_hours.min(MAX_HOURS)
}

/// A retry of a request whose write committed but whose answer was never stored (the
/// process stopped in between): answered, and stored, from what the write created as it is
/// now. Without a record of what it created, 409, never a second write.
async fn recover(
    state: &AppState,
    user: &app::domain::user::CurrentUser,
    scope: &Scope,
    created: Option<(String, i64)>,
) -> Response {
    let Some((kind, id)) = created else {
        return AppError::IdempotencyKeyInFlight.into_response();
    };
    let body = match current(state, user, &kind, id).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let answer = Answer {
        status: StatusCode::CREATED.as_u16(),
        headers: vec![
            (
                header::CONTENT_TYPE.to_string(),
                "application/json".to_owned(),
            ),
            (header::ETAG.to_string(), etag_of_bytes(&body)),
        ],
        body,
    };
    if let Err(e) = idempotency::store_answer(&state.pool, scope, &answer).await {
        tracing::error!(error = %e, "could not store a recovered idempotent answer");
    }
    replay(answer)
}

/// The JSON of what a POST created, as its GET (or, for users, its POST) shows it.
async fn current(
    state: &AppState,
    user: &app::domain::user::CurrentUser,
    kind: &str,
    id: i64,
) -> Result<Vec<u8>, AppError> {
    use app::service::{attachments, custom_fields, followups, queues, tickets, users};
    let pool = &state.pool;
    let json = match kind {
        "tickets" => serde_json::to_vec(&tickets::get(pool, user, id).await?),
        "followups" => serde_json::to_vec(&followups::get(pool, user, id).await?),
        "followups-attachments" => serde_json::to_vec(&attachments::get(pool, user, id).await?),
        "queues" => serde_json::to_vec(&queues::get(pool, user, id).await?),
        "custom_fields" => serde_json::to_vec(&custom_fields::get(pool, user, id).await?),
        "users" => serde_json::to_vec(&users::get_user(pool, id).await?),
        _ => return Err(AppError::IdempotencyKeyInFlight),
    };
    json.map_err(|e| {
        tracing::error!(error = %e, "could not serialize a recovered answer");
        AppError::Internal
    })
}

/// The stored answer again, marked as a replay.
fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut resp = (status, Bytes::from(answer.body)).into_response();
    let headers = resp.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (name, value) in answer.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(n, v);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}
