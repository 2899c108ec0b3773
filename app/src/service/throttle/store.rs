//! The throttle's rows (`login_throttle`, see its migration): reading, locking and writing one
//! username's or address's entry, pruning expired rows, and the per-database hash key. No
//! decisions here; `super` makes them.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::datetime::Timestamp;
use crate::error::AppError;
use crate::service::db::{Db, WriteTx, begin_write};

/// A username or an address, as a keyed hash: fixed-size whatever the caller sent.
pub(super) type Key = [u8; 16];

/// What is known about one username or address: its recent failures (each with the username
/// it was for, so that a success clears only that username's failures from an address), and
/// the attempts being verified right now (each with its start and token), which count as
/// failures until they turn out otherwise, so that a parallel burst cannot all pass the check
/// before one is counted.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Entry {
    pub failures: Vec<(DateTime<Utc>, Key)>,
    pub in_flight: Vec<(DateTime<Utc>, u64)>,
}

/// Time elapsed from `then` to `now`; nothing if `then` is later (another server's clock).
pub(super) fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (now - then).to_std().unwrap_or_default()
}

impl Entry {
    /// Forgets failures that left `window` and attempts older than `in_flight_timeout`.
    fn prune(&mut self, now: DateTime<Utc>, window: Duration, in_flight_timeout: Duration) {
        self.failures.retain(|(t, _)| age(now, *t) < window);
        self.in_flight
            .retain(|(t, _)| age(now, *t) < in_flight_timeout);
    }

    /// When nothing in the entry counts any more; `None` when that is already so.
    fn expires_at(&self, window: Duration, in_flight_timeout: Duration) -> Option<DateTime<Utc>> {
        let failures = self.failures.iter().map(|(t, _)| *t + window);
        let in_flight = self.in_flight.iter().map(|(t, _)| *t + in_flight_timeout);
        failures.chain(in_flight).max()
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != 2 * N || !s.is_ascii() {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn to_db(t: DateTime<Utc>) -> String {
    Timestamp::from_utc(t).to_db()
}

/// A JSON list of "<timestamp> <value>" strings; items that do not parse are dropped (they
/// can only be lost counts, never a lock).
fn decode<T>(json: &str, value: impl Fn(&str) -> Option<T>) -> Vec<(DateTime<Utc>, T)> {
    let items: Vec<String> = serde_json::from_str(json).unwrap_or_default();
    items
        .iter()
        .filter_map(|item| {
            let (at, v) = item.split_once(' ')?;
            Some((Timestamp::from_db(at)?.inner(), value(v)?))
        })
        .collect()
}

fn encode<T>(items: &[(DateTime<Utc>, T)], value: impl Fn(&T) -> String) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|(t, v)| format!("{} {}", to_db(*t), value(v)))
        .collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// The entries of `keys` (one or two) as stored, with what no longer counts at `now` left
/// out: one read by primary key.
pub(super) async fn load<'c, E>(
    conn: E,
    keys: &[Key],
    now: DateTime<Utc>,
    window: Duration,
    in_flight_timeout: Duration,
) -> Result<HashMap<Key, Entry>, AppError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let first = hex(&keys[0]);
    let second = keys.get(1).map_or_else(|| first.clone(), |k| hex(k));
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select key_hash, failures, in_flight from login_throttle where key_hash in ($1, $2)",
    )
    .bind(first)
    .bind(second)
    .fetch_all(conn)
    .await?;
    let mut entries = HashMap::new();
    for (key, failures, in_flight) in rows {
        let Some(key) = unhex::<16>(&key) else {
            continue;
        };
        let mut entry = Entry {
            failures: decode(&failures, unhex::<16>),
            in_flight: decode(&in_flight, |v| u64::from_str_radix(v, 16).ok()),
        };
        entry.prune(now, window, in_flight_timeout);
        entries.insert(key, entry);
    }
    Ok(entries)
}

/// Takes the rows of `keys` for this transaction, creating them if missing: on PostgreSQL
/// the upsert locks each row, so two servers cannot both read a count and both add to it.
/// In key order, so that two transactions never wait on each other's second row.
pub(super) async fn lock(
    tx: &mut WriteTx,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for key in sorted {
        sqlx::query(
            "insert into login_throttle (key_hash, failures, in_flight, expires_at) \
             values ($1, '[]', '[]', $2) \
             on conflict (key_hash) do update set expires_at = login_throttle.expires_at",
        )
        .bind(hex(&key))
        .bind(to_db(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Writes `entry` as `key`'s row, or deletes the row when nothing in it counts any more.
pub(super) async fn save(
    tx: &mut WriteTx,
    key: &Key,
    entry: &Entry,
    window: Duration,
    in_flight_timeout: Duration,
) -> Result<(), AppError> {
    match entry.expires_at(window, in_flight_timeout) {
        None => {
            sqlx::query("delete from login_throttle where key_hash = $1")
                .bind(hex(key))
                .execute(&mut **tx)
                .await?;
        }
        Some(expires_at) => {
            sqlx::query(
                "update login_throttle set failures = $2, in_flight = $3, expires_at = $4 \
                 where key_hash = $1",
            )
            .bind(hex(key))
            .bind(encode(&entry.failures, |k| hex(k)))
            .bind(encode(&entry.in_flight, |t| format!("{t:016x}")))
            .bind(to_db(expires_at))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Deletes the rows nothing in counts any more: an indexed range, cheap at every write.
pub(super) async fn prune(tx: &mut WriteTx, now: DateTime<Utc>) -> Result<(), AppError> {
    sqlx::query("delete from login_throttle where expires_at <= $1")
        .bind(to_db(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many usernames and addresses have a row.
pub(super) async fn count(tx: &mut WriteTx) -> Result<usize, AppError> {
    let count: i64 = sqlx::query_scalar("select count(*) from login_throttle")
        .fetch_one(&mut **tx)
        .await?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// How many rows there are, expired or not (for tests).
pub(super) async fn rows(db: &Db) -> Result<usize, AppError> {
    let count: i64 = sqlx::query_scalar("select count(*) from login_throttle")
        .fetch_one(db)
        .await?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// This database's hash key, made by whichever server needs it first.
pub(super) async fn secret(db: &Db) -> Result<[u8; 32], AppError> {
    async fn stored(db: &Db) -> Result<Option<[u8; 32]>, AppError> {
        let secret: Option<String> =
            sqlx::query_scalar("select secret from login_throttle_secret where id = 1")
                .fetch_optional(db)
                .await?;
        Ok(secret.as_deref().and_then(unhex::<32>))
    }
    if let Some(secret) = stored(db).await? {
        return Ok(secret);
    }
    let mut fresh = [0u8; 32];
    {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        OsRng.fill_bytes(&mut fresh);
    }
    let mut tx = begin_write(db).await?;
    // Another server may have made it meanwhile: then its key is kept.
    sqlx::query(
        "insert into login_throttle_secret (id, secret) values (1, $1) on conflict (id) do nothing",
    )
    .bind(hex(&fresh))
    .execute(&mut *tx)
    .await?;
    tx.commit_alone().await?;
    stored(db).await?.ok_or_else(|| {
        tracing::error!("the sign-in throttle's key is unreadable");
        AppError::Internal
    })
}
