//! Webhook endpoints and their deliveries (issue 14.4). Superusers manage endpoints; every
//! change-feed event an active endpoint subscribes to gets a delivery row in the transaction
//! that records the event (`enqueue`), and the worker (`send`) posts it, signed, until the
//! receiver takes it or three days have passed.

mod guard;
pub mod send;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sqlx::AnyConnection;

use super::db::{Db, dialect};
use super::require_superuser;
use crate::domain::Timestamp;
use crate::domain::input::{Body, WriteMode};
use crate::domain::page::{Page, PageRequest};
use crate::domain::user::CurrentUser;
use crate::domain::webhook::{Delivery, Webhook, WebhookPatch, WebhookWithSecret};
use crate::error::AppError;

pub use guard::{address_allowed, check_url};

const COLUMNS: &str = "id, url, events, active, description, disabled_reason, secret, created";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    url: String,
    events: String,
    active: i64,
    description: String,
    disabled_reason: String,
    secret: String,
    created: String,
}

impl Row {
    fn into_webhook(self) -> (Webhook, String) {
        let events: Vec<String> = serde_json::from_str(&self.events).unwrap_or_default();
        let created = Timestamp::from_db(&self.created)
            .map(|t| t.to_api())
            .unwrap_or(self.created);
        let hint = format!("{}…", self.secret.chars().take(10).collect::<String>());
        (
            Webhook {
                id: self.id,
                url: self.url,
                events,
                active: self.active != 0,
                description: self.description,
                disabled_reason: self.disabled_reason,
                secret_hint: hint,
                created,
            },
            self.secret,
        )
    }
}

/// A new secret: `whsec_` and the base64 of 24 random bytes, as Standard Webhooks has it.
fn new_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut key = [0u8; 24];
    OsRng.fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// `NotFound` when a write by id touched no row (the endpoint is gone).
fn found(rows: u64) -> Result<(), AppError> {
    if rows == 0 {
        Err(AppError::NotFound)
    } else {
        Ok(())
    }
}

async fn find(db: &Db, id: i64) -> Result<(Webhook, String), AppError> {
    sqlx::query_as::<_, Row>(&format!(
        "select {COLUMNS} from webhook_endpoints where id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?
    .map(Row::into_webhook)
    .ok_or(AppError::NotFound)
}

/// Every endpoint, a page at a time.
///
/// # Errors
/// `Forbidden` for anyone but a superuser.
pub async fn list(
    db: &Db,
    actor: &CurrentUser,
    page: PageRequest,
) -> Result<Page<Webhook>, AppError> {
    require_superuser(actor)?;
    let (count, request, rows) =
        super::db::page_by_id::<Row>(db, "webhook_endpoints", COLUMNS, None, page).await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(|r| r.into_webhook().0).collect(),
    })
}

/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`.
pub async fn get(db: &Db, actor: &CurrentUser, id: i64) -> Result<Webhook, AppError> {
    require_superuser(actor)?;
    Ok(find(db, id).await?.0)
}

/// The URL's host may be reached (see `guard`), as a field error on `url`.
async fn reachable(db: &Db, url: &str) -> Result<(), AppError> {
    check_url(url, db.allow_private_webhooks())
        .await
        .map_err(|reason| AppError::field("url", reason))
}

/// Creates an endpoint with a new secret, returned this once in full.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `Validation` naming each bad field (nothing is
/// written then).
pub async fn create(
    db: &Db,
    actor: &CurrentUser,
    body: &Body,
) -> Result<WebhookWithSecret, AppError> {
    require_superuser(actor)?;
    let new = WebhookPatch::parse(body, WriteMode::Create).map_err(AppError::from)?;
    // `parse` reports a missing `url` or `events` when creating.
    let (Some(url), Some(events)) = (new.url, new.events) else {
        return Err(AppError::Internal);
    };
    reachable(db, &url).await?;
    let secret = new_secret();
    let mut tx = super::db::begin_write(db).await?;
    let id: i64 = sqlx::query_scalar(
        "insert into webhook_endpoints (url, events, active, description, secret, created) \
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(&url)
    .bind(serde_json::to_string(&events).unwrap_or_else(|_| "[]".into()))
    .bind(i64::from(new.active.unwrap_or(true)))
    .bind(new.description.unwrap_or_default())
    .bind(&secret)
    .bind(Timestamp::now().to_db())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let (webhook, secret) = find(db, id).await?;
    Ok(WebhookWithSecret { webhook, secret })
}

/// Changes an endpoint (PUT: `url` and `events` required; PATCH: what is given). Turning an
/// endpoint on again clears why the server had turned it off.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`; `Validation` naming each bad field.
pub async fn update(
    db: &Db,
    actor: &CurrentUser,
    id: i64,
    body: &Body,
    mode: WriteMode,
) -> Result<Webhook, AppError> {
    require_superuser(actor)?;
    find(db, id).await?;
    let patch = WebhookPatch::parse(body, mode).map_err(AppError::from)?;
    if let Some(url) = &patch.url {
        reachable(db, url).await?;
    }
    let mut tx = super::db::begin_write(db).await?;
    let changed = sqlx::query(
        "update webhook_endpoints set url = coalesce($1, url), events = coalesce($2, events), \
         description = coalesce($3, description), active = coalesce($4, active), \
         disabled_reason = case when $5 = 1 then '' else disabled_reason end, \
         failing_since = case when $6 = 1 then null else failing_since end where id = $7",
    )
    .bind(&patch.url)
    .bind(
        patch
            .events
            .as_ref()
            .map(|e| serde_json::to_string(e).unwrap_or_else(|_| "[]".into())),
    )
    .bind(&patch.description)
    .bind(patch.active.map(i64::from))
    .bind(i64::from(patch.active == Some(true)))
    .bind(i64::from(patch.active == Some(true)))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    found(changed)?;
    Ok(find(db, id).await?.0)
}

/// Deletes an endpoint and its deliveries.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`.
pub async fn delete(db: &Db, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    require_superuser(actor)?;
    let mut tx = super::db::begin_write(db).await?;
    let gone = sqlx::query("delete from webhook_endpoints where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    found(gone)?;
    Ok(())
}

/// Gives an endpoint a new secret, returned this once in full; the old one stops at once.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`.
pub async fn rotate_secret(
    db: &Db,
    actor: &CurrentUser,
    id: i64,
) -> Result<WebhookWithSecret, AppError> {
    require_superuser(actor)?;
    let secret = new_secret();
    let mut tx = super::db::begin_write(db).await?;
    let changed = sqlx::query("update webhook_endpoints set secret = $1 where id = $2")
        .bind(&secret)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    found(changed)?;
    let (webhook, secret) = find(db, id).await?;
    Ok(WebhookWithSecret { webhook, secret })
}

const DELIVERY_COLUMNS: &str = "id, endpoint, event, event_type, attempts, status_code, error, \
    latency_ms, last_attempt_at, next_attempt_at, delivered_at";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    endpoint: i64,
    event: i64,
    event_type: String,
    attempts: i64,
    status_code: Option<i64>,
    error: String,
    latency_ms: Option<i64>,
    last_attempt_at: Option<String>,
    next_attempt_at: Option<String>,
    delivered_at: Option<String>,
}

fn api_time(raw: Option<String>) -> Option<String> {
    raw.map(|s| Timestamp::from_db(&s).map(|t| t.to_api()).unwrap_or(s))
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        let state = if r.delivered_at.is_some() {
            "delivered"
        } else if r.next_attempt_at.is_some() {
            "pending"
        } else {
            "failed"
        };
        Delivery {
            id: r.id,
            endpoint: r.endpoint,
            event: r.event,
            event_type: r.event_type,
            attempts: r.attempts,
            state: state.to_owned(),
            status_code: r.status_code,
            error: r.error,
            latency_ms: r.latency_ms,
            last_attempt_at: api_time(r.last_attempt_at),
            next_attempt_at: api_time(r.next_attempt_at),
            delivered_at: api_time(r.delivered_at),
        }
    }
}

/// An endpoint's deliveries, oldest first (as every list of the API).
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound` for an unknown endpoint.
pub async fn deliveries(
    db: &Db,
    actor: &CurrentUser,
    endpoint: i64,
    page: PageRequest,
) -> Result<Page<Delivery>, AppError> {
    require_superuser(actor)?;
    find(db, endpoint).await?;
    let (count, request, rows) = super::db::page_by_id::<DeliveryRow>(
        db,
        "webhook_deliveries",
        DELIVERY_COLUMNS,
        Some(("endpoint", Some(endpoint))),
        page,
    )
    .await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

/// Sends an event to an endpoint again: a new delivery of the same event, due now.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound` for an unknown endpoint or delivery.
pub async fn redeliver(
    db: &Db,
    actor: &CurrentUser,
    endpoint: i64,
    delivery: i64,
) -> Result<Delivery, AppError> {
    require_superuser(actor)?;
    let mut tx = super::db::begin_write(db).await?;
    let now = Timestamp::now().to_db();
    let id: Option<i64> = sqlx::query_scalar(
        "insert into webhook_deliveries (endpoint, event, event_type, next_attempt_at, created) \
         select endpoint, event, event_type, $1, $2 from webhook_deliveries \
         where id = $3 and endpoint = $4 returning id",
    )
    .bind(&now)
    .bind(&now)
    .bind(delivery)
    .bind(endpoint)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        return Err(AppError::NotFound);
    };
    tx.commit().await?;
    sqlx::query_as::<_, DeliveryRow>(&format!(
        "select {DELIVERY_COLUMNS} from webhook_deliveries where id = $1"
    ))
    .bind(id)
    .fetch_one(db)
    .await
    .map(Into::into)
    .map_err(Into::into)
}

/// Records, in the caller's transaction, a delivery of event `event` (of type `kind`) to every
/// active endpoint that subscribes to it. Called by `events::record`, so a change, its event
/// and its deliveries commit together or not at all.
///
/// # Errors
/// The database error (the caller rolls back).
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    event: i64,
    kind: &str,
) -> Result<(), sqlx::Error> {
    let now = Timestamp::now().to_db();
    sqlx::query(&format!(
        "insert into webhook_deliveries (endpoint, event, event_type, next_attempt_at, created) \
         select e.id, $1, $2, $3, $4 from webhook_endpoints e where e.active = 1 and exists \
         (select 1 from {} j where j.value in ('*', $5))",
        dialect::json_texts(dialect::of(conn), "e.events")
    ))
    .bind(event)
    .bind(kind)
    .bind(&now)
    .bind(&now)
    .bind(kind)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
