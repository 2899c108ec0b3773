//! `Idempotency-Key` records (issue 14.2, draft-ietf-httpapi-idempotency-key-header): a POST
//! with a key is processed once per user; a retry gets the stored answer.
//!
//! # Implementation Notes
//! The record must commit with the write it stands for, or a crash between the two could
//! leave a ticket without its key (a retry would create a second one) or a key without its
//! ticket. So the HTTP layer runs the handler inside `run`, which sets a task-local `Scope`,
//! and `WriteTx::commit` calls `record_in` just before COMMIT: the key and the request's
//! fingerprint are inserted by the very transaction that writes the ticket. The answer is
//! only known after that commit (it is read back through the pool), so it is added to the
//! record right after (`store_answer`). To close that last gap, each create names what it
//! created (`created`) before its commit, and the record carries it: a retry that finds a
//! record without an answer (the process died in between) is answered from the resource as
//! it is now, and the write is never made twice.
//! This module must not know about HTTP beyond status codes and header pairs.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::domain::datetime::Timestamp;
use crate::service::db::Db;

use crate::error::AppError;

/// The key of the request being handled, and what became of it.
#[derive(Debug)]
pub struct Scope {
    pub user: i64,
    pub key: String,
    /// A hash of the method, path and body: a retry must send the same.
    pub fingerprint: String,
    /// How long the record is kept (`HELPDESK_IDEMPOTENCY_HOURS`).
    pub hours: u32,
    recorded: AtomicBool,
    taken: AtomicBool,
    /// What the write created, as `<resource>/<id>`.
    resource: std::sync::Mutex<Option<String>>,
}

impl Scope {
    pub fn new(user: i64, key: String, fingerprint: String, hours: u32) -> Arc<Self> {
        Arc::new(Scope {
            user,
            key,
            fingerprint,
            hours,
            recorded: AtomicBool::new(false),
            taken: AtomicBool::new(false),
            resource: std::sync::Mutex::new(None),
        })
    }

    /// Whether a write transaction committed the record (so the write was made).
    pub fn recorded(&self) -> bool {
        self.recorded.load(Ordering::Acquire)
    }

    /// Whether another process had stored this key when our write tried to: that write was
    /// rolled back.
    pub fn taken(&self) -> bool {
        self.taken.load(Ordering::Acquire)
    }
}

tokio::task_local! {
    static SCOPE: Arc<Scope>;
}

/// Runs `fut` (the request's handler) with `scope` as its key.
pub async fn run<F: Future>(scope: Arc<Scope>, fut: F) -> F::Output {
    SCOPE.scope(scope, fut).await
}

/// Names what the current write creates (`kind` as the API's path names it, such as
/// `tickets`), before its commit; a no-op outside a request with a key.
pub(crate) fn created(kind: &str, id: i64) {
    let _ = SCOPE.try_with(|scope| {
        *scope.resource.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{kind}/{id}"));
    });
}

/// Inside a write transaction, just before COMMIT (`WriteTx::commit`): inserts the key's
/// record when this task handles a request with a key, once per request; deletes expired
/// records on the way (an indexed range delete, cheap at every write).
///
/// # Errors
/// The database error; `RowNotFound` when the key is already stored (by another process:
/// this one lets a key in flight through only once), with `Scope::taken` set, so that the
/// transaction is rolled back and the HTTP layer answers 409.
/// Now, and `hours` from now, as stored.
fn times(hours: u32) -> (String, String) {
    let now = Timestamp::now();
    let expires = now.inner() + chrono::Duration::hours(i64::from(hours));
    (now.to_db(), Timestamp::from_utc(expires).to_db())
}

pub(crate) async fn record_in(conn: &mut sqlx::AnyConnection) -> Result<(), sqlx::Error> {
    let Ok(scope) = SCOPE.try_with(Arc::clone) else {
        return Ok(());
    };
    if scope.recorded() {
        return Ok(());
    }
    let (now, expires) = times(scope.hours);
    sqlx::query("delete from idempotency_keys where expires_at <= $1")
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    let resource = scope
        .resource
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let done = sqlx::query(
        "insert into idempotency_keys (\"user\", key, fingerprint, created_at, expires_at, resource) \
         values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
    )
    .bind(scope.user)
    .bind(&scope.key)
    .bind(&scope.fingerprint)
    .bind(&now)
    .bind(&expires)
    .bind(resource)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        scope.taken.store(true, Ordering::Release);
        return Err(sqlx::Error::RowNotFound);
    }
    scope.recorded.store(true, Ordering::Release);
    Ok(())
}

/// The fingerprint of a request: its method, target and body as the handler reads it (the
/// fields, and each file's field, name, type and bytes), so that a multipart retry with a
/// new boundary is the same request and any other change is not.
pub fn fingerprint(
    method: &str,
    target: &str,
    body: &crate::domain::input::Body,
    files: &[crate::domain::attachment::UploadedFile],
) -> String {
    use blake2::Digest;
    let mut hash = blake2::Blake2s256::new();
    let fields = serde_json::to_vec(body).unwrap_or_default();
    let mut parts: Vec<&[u8]> = vec![method.as_bytes(), target.as_bytes(), &fields];
    for f in files {
        parts.extend([
            f.field.as_bytes(),
            f.filename.as_bytes(),
            f.content_type.as_bytes(),
            f.bytes.as_slice(),
        ]);
    }
    // Each part with its length first, so that no two different requests hash alike.
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored answer: status, the headers kept (`Content-Type`, `Location`, `ETag`), body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What is stored for a user's key.
#[derive(Debug)]
pub enum Stored {
    /// Nothing (or only an expired record).
    Nothing,
    /// The key was used with another request.
    OtherRequest,
    /// The write was made but its answer not stored (the process stopped in between); what
    /// it created, as `(kind, id)`, when known.
    AnswerLost(Option<(String, i64)>),
    /// The answer to give again.
    Answer(Answer),
}

/// The record of `user`'s `key`, compared with this request's `fingerprint`.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn lookup(
    pool: &Db,
    user: i64,
    key: &str,
    fingerprint: &str,
) -> Result<Stored, AppError> {
    type Row = (
        String,
        Option<i64>,
        Option<String>,
        Option<Vec<u8>>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "select fingerprint, status, headers, body, resource from idempotency_keys \
         where \"user\" = $1 and key = $2 and expires_at > $3",
    )
    .bind(user)
    .bind(key)
    .bind(Timestamp::now().to_db())
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => Stored::Nothing,
        Some((stored, ..)) if stored != fingerprint => Stored::OtherRequest,
        Some((_, Some(status), headers, body, _)) => Stored::Answer(Answer {
            status: u16::try_from(status).unwrap_or(500),
            headers: headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body: body.unwrap_or_default(),
        }),
        Some((.., resource)) => Stored::AnswerLost(resource.and_then(|r| {
            let (kind, id) = r.split_once('/')?;
            Some((kind.to_owned(), id.parse().ok()?))
        })),
    })
}

/// Stores the successful `answer` of the request `scope` stands for. When its write went
/// through a write transaction the record is there and gets the answer; otherwise (a write
/// made some other way) the whole record is inserted now.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn store_answer(pool: &Db, scope: &Scope, answer: &Answer) -> Result<(), AppError> {
    let headers = serde_json::to_string(&answer.headers).unwrap_or_else(|_| "[]".to_owned());
    let mut tx = super::db::begin_write(pool).await?;
    if !scope.recorded() {
        let (now, expires) = times(scope.hours);
        sqlx::query(
            "insert into idempotency_keys (\"user\", key, fingerprint, created_at, expires_at) \
             values ($1, $2, $3, $4, $5) on conflict do nothing",
        )
        .bind(scope.user)
        .bind(&scope.key)
        .bind(&scope.fingerprint)
        .bind(now)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "update idempotency_keys set status = $1, headers = $2, body = $3 \
         where \"user\" = $4 and key = $5 and fingerprint = $6",
    )
    .bind(i64::from(answer.status))
    .bind(headers)
    .bind(&answer.body)
    .bind(scope.user)
    .bind(&scope.key)
    .bind(&scope.fingerprint)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
