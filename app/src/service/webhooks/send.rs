//! The delivery worker: posts due deliveries, signed as Standard Webhooks specifies, and
//! records each attempt. At least once: a delivery is leased (its next attempt moved past the
//! request's time-out) in a committed write before it is sent, so a server killed mid-send
//! sends it again after the lease, and one that restarts finds every pending delivery in the
//! database.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::guard;
use crate::domain::Timestamp;
use crate::error::AppError;
use crate::service::db::Db;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed delivery is sent again after this if its attempt was never recorded.
const LEASE: Duration = Duration::from_secs(15);
/// Deliveries sent at once.
const BATCH: i64 = 16;
/// After this long failing, a delivery is given up and its endpoint turned off.
const GIVE_UP: chrono::Duration = chrono::Duration::days(3);
/// How often the worker looks for due deliveries when it found none.
const POLL: Duration = Duration::from_secs(1);

/// The default waits between attempts, in seconds; the last one repeats.
pub const DEFAULT_DELAYS: &str = "5,60,600,3600,14400";

/// Runs until the process ends. `delays` are the waits after the first, second, ... failed
/// attempt (the last one repeats).
pub async fn run(db: Db, delays: Vec<Duration>) {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("helpdesk-webhooks/", env!("CARGO_PKG_VERSION")));
    if !db.allow_private_webhooks() {
        builder = builder.dns_resolver(guard::resolver());
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; webhooks are not sent");
            return;
        }
    };
    loop {
        match round(&db, &client, &delays).await {
            Ok(0) => tokio::time::sleep(POLL).await,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "webhook round failed; trying again");
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    endpoint: i64,
    url: String,
    secret: String,
    event: i64,
    attempts: i64,
    created: String,
}

/// What one attempt came to.
enum Outcome {
    Delivered(u16),
    /// The receiver asked never to be sent anything again.
    Gone,
    Failed(Option<u16>, String),
}

/// Sends what is due now; returns how many.
async fn round(db: &Db, client: &reqwest::Client, delays: &[Duration]) -> Result<usize, AppError> {
    let due = claim(db).await?;
    let n = due.len();
    let mut sends = tokio::task::JoinSet::new();
    for d in due {
        let (db, client) = (db.clone(), client.clone());
        sends.spawn(async move {
            let started = Instant::now();
            let outcome = attempt(&db, &client, &d).await;
            (d, outcome, started.elapsed())
        });
    }
    while let Some(done) = sends.join_next().await {
        let Ok((d, outcome, took)) = done else {
            continue;
        };
        record(db, &d, outcome, took, delays).await?;
    }
    Ok(n)
}

/// Takes the due deliveries of active endpoints, and leases them in the same write.
async fn claim(db: &Db) -> Result<Vec<Due>, AppError> {
    let now = Timestamp::now();
    let lease = Timestamp::from_utc(
        now.inner() + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::zero()),
    );
    // A plain read first: the worker asks every second, and taking the write lock (whose
    // commit also drops every read cache) when nothing is due would cost every request.
    let any: Option<i64> = sqlx::query_scalar(
        "select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint \
         where d.next_attempt_at <= $1 and e.active = 1 limit 1",
    )
    .bind(now.to_db())
    .fetch_optional(db)
    .await?;
    if any.is_none() {
        return Ok(Vec::new());
    }
    let mut tx = crate::service::db::begin_write(db).await?;
    let due: Vec<Due> = sqlx::query_as(
        "select d.id, d.endpoint, e.url, e.secret, d.event, d.attempts + 1 as attempts, d.created \
         from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint \
         where d.next_attempt_at <= $1 and e.active = 1 order by d.next_attempt_at limit $2",
    )
    .bind(now.to_db())
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for d in &due {
        sqlx::query(
            "update webhook_deliveries set next_attempt_at = $1, attempts = attempts + 1, \
             last_attempt_at = $2 where id = $3",
        )
        .bind(lease.to_db())
        .bind(now.to_db())
        .bind(d.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(due)
}

/// The Standard Webhooks signature of `body`: `v1,` and the base64 of HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the base64 after `whsec_`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

async fn attempt(db: &Db, client: &reqwest::Client, d: &Due) -> Outcome {
    if let Err(reason) = super::check_url(&d.url, db.allow_private_webhooks()).await {
        return Outcome::Failed(None, reason);
    }
    let body = match crate::service::events::body_of(db, d.event).await {
        Ok(Some(body)) => body,
        Ok(None) => return Outcome::Failed(None, "the event is no longer retained".into()),
        Err(e) => return Outcome::Failed(None, format!("the event could not be read: {e}")),
    };
    let id = d.event.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let Some(signature) = sign(&d.secret, &id, timestamp, &body) else {
        return Outcome::Failed(None, "the endpoint's secret is not valid base64".into());
    };
    let sent = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => Outcome::Delivered(resp.status().as_u16()),
        Ok(resp) if resp.status() == reqwest::StatusCode::GONE => Outcome::Gone,
        Ok(resp) => Outcome::Failed(Some(resp.status().as_u16()), String::new()),
        Err(e) if e.is_timeout() => Outcome::Failed(None, "timed out after 10 s".into()),
        // The chain names the cause (refused, reset, a refused address) without the URL's
        // query, which reqwest's own message would repeat.
        Err(e) => Outcome::Failed(None, error_chain(&e.without_url())),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(500).collect()
}

/// The wait after the `attempts`-th failed attempt.
fn delay(delays: &[Duration], attempts: i64) -> Duration {
    let i = usize::try_from(attempts.max(1) - 1).unwrap_or(usize::MAX);
    delays
        .get(i)
        .or(delays.last())
        .copied()
        .unwrap_or(Duration::from_secs(5))
}

async fn record(
    db: &Db,
    d: &Due,
    outcome: Outcome,
    took: Duration,
    delays: &[Duration],
) -> Result<(), AppError> {
    let now = Timestamp::now();
    let latency = i64::try_from(took.as_millis()).unwrap_or(i64::MAX);
    let mut tx = crate::service::db::begin_write(db).await?;
    match outcome {
        Outcome::Delivered(status) => {
            sqlx::query(
                "update webhook_deliveries set status_code = $1, error = '', latency_ms = $2, \
                 delivered_at = $3, next_attempt_at = null where id = $4",
            )
            .bind(i64::from(status))
            .bind(latency)
            .bind(now.to_db())
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("update webhook_endpoints set failing_since = null where id = $1")
                .bind(d.endpoint)
                .execute(&mut *tx)
                .await?;
        }
        Outcome::Gone => {
            sqlx::query(
                "update webhook_deliveries set status_code = 410, error = '', latency_ms = $1, \
                 next_attempt_at = null where id = $2",
            )
            .bind(latency)
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "update webhook_endpoints set active = 0, disabled_reason = 'gone' where id = $1",
            )
            .bind(d.endpoint)
            .execute(&mut *tx)
            .await?;
            tracing::warn!(
                endpoint = d.endpoint,
                "webhook receiver answered 410; endpoint off"
            );
        }
        Outcome::Failed(status, error) => {
            let created = Timestamp::from_db(&d.created).unwrap_or(now);
            let next = (now.inner() - created.inner() < GIVE_UP).then(|| {
                let wait = chrono::Duration::from_std(delay(delays, d.attempts))
                    .unwrap_or(chrono::Duration::hours(4));
                Timestamp::from_utc(now.inner() + wait).to_db()
            });
            sqlx::query(
                "update webhook_deliveries set status_code = $1, error = $2, latency_ms = $3, \
                 next_attempt_at = $4 where id = $5",
            )
            .bind(status.map(i64::from))
            .bind(&error)
            .bind(latency)
            .bind(next)
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
            let limit = Timestamp::from_utc(now.inner() - GIVE_UP).to_db();
            sqlx::query(
                "update webhook_endpoints set failing_since = coalesce(failing_since, $1) \
                 where id = $2",
            )
            .bind(now.to_db())
            .bind(d.endpoint)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "update webhook_endpoints set active = 0, disabled_reason = 'failing' \
                 where id = $1 and failing_since < $2",
            )
            .bind(d.endpoint)
            .bind(limit)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn waits_grow_then_repeat_the_last() {
        let d: Vec<Duration> = [5, 60, 600].map(Duration::from_secs).to_vec();
        assert_eq!(delay(&d, 1), Duration::from_secs(5));
        assert_eq!(delay(&d, 3), Duration::from_secs(600));
        assert_eq!(delay(&d, 9), Duration::from_secs(600));
    }
}
