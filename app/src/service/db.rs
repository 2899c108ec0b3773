//! Opening the SQLite database the way a web server needs it, and applying migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Why the database could not be opened, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot open database {url:?}: {reason}")]
    Open { url: String, reason: String },
    #[error("cannot apply migrations to {url:?}: {reason}")]
    Migrate { url: String, reason: String },
}

/// Opens (creating if missing) the database at `url` with WAL, foreign keys and a busy timeout.
///
/// # Errors
/// `DbError` when the URL is malformed or the file cannot be opened or created.
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    if !url.starts_with("sqlite:") {
        return Err(DbError::BadUrl {
            url: url.to_owned(),
            reason: "only sqlite: URLs are supported, e.g. sqlite://helpdesk.db".to_owned(),
        });
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| DbError::BadUrl {
            url: url.to_owned(),
            reason: e.to_string(),
        })?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // Every row change, by any code path, invalidates the read caches.
                conn.lock_handle()
                    .await?
                    .set_update_hook(|change| super::cache::row_changed(change.table));
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| DbError::Open {
            url: url.to_owned(),
            reason: e.to_string(),
        })
}

/// Opens the database at `url` and applies the migrations: how every command that uses the
/// schema starts (all but `backup`, which copies the database as it is).
///
/// # Errors
/// `DbError` as `connect` and `migrate` return it.
pub async fn connect_and_migrate(url: &str) -> Result<SqlitePool, DbError> {
    let pool = connect(url).await?;
    migrate(&pool, url).await?;
    Ok(pool)
}

/// Applies the embedded migrations; a no-op when they are all applied.
///
/// # Errors
/// `DbError::Migrate` when a migration fails or the database is newer than this binary.
pub async fn migrate(pool: &SqlitePool, url: &str) -> Result<(), DbError> {
    sqlx::migrate!("../migrations")
        .run(pool)
        .await
        .map_err(|e| DbError::Migrate {
            url: url.to_owned(),
            reason: e.to_string(),
        })
}

/// One write transaction at a time for the whole process, begun IMMEDIATE.
///
/// SQLite allows one writer. A deferred transaction that reads and then writes can fail with
/// "database is locked" whatever the busy timeout; and many writers polling the lock in
/// SQLite's busy handler waste the two cores. So writers queue here, in order, and hold the
/// write lock from their first statement. Readers are not affected (WAL).
static WRITE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A write transaction; dereferences to the connection, so `&mut *tx` is an executor.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::SqliteConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl WriteTx {
    /// # Errors
    /// The database error of the commit.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // The request's Idempotency-Key, if any, commits with its write (see `idempotency`).
        super::idempotency::record_in(&mut self.tx).await?;
        let result = self.tx.commit().await;
        // Also on failure: whether a failed COMMIT applied anything is not known here.
        super::cache::committed();
        result
    }
}

impl WriteTx {
    /// Commits, and keeps this process's turn to write until the returned guard is dropped:
    /// what is read meanwhile is exactly what this transaction left, so a response can show
    /// the caller its own write rather than a later one.
    ///
    /// # Errors
    /// The database error of the commit.
    pub async fn commit_keeping_turn(mut self) -> Result<WriteTurn, sqlx::Error> {
        super::idempotency::record_in(&mut self.tx).await?;
        let result = self.tx.commit().await;
        super::cache::committed();
        result?;
        Ok(WriteTurn(self._turn))
    }
}

/// This process's turn to write, held after a commit (see `WriteTx::commit_keeping_turn`).
pub struct WriteTurn(#[allow(dead_code)] tokio::sync::MutexGuard<'static, ()>);

pub use crate::error::is_busy;

/// How often `begin_write` tries again after the busy timeout ran out.
const BEGIN_ATTEMPTS: u32 = 3;

/// This process's turn to write, for a caller that must begin its transaction on a
/// connection of its own (a restore attaches the backup first, which a transaction forbids).
pub async fn write_turn() -> WriteTurn {
    WriteTurn(WRITE_LOCK.lock().await)
}

/// `BEGIN IMMEDIATE` on `conn`, tried again as `begin_write` does when the database is busy.
/// The caller holds `write_turn()` and ends the transaction itself.
///
/// # Errors
/// The database error of beginning.
pub async fn begin_immediate(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut attempt = 1;
    loop {
        match sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await {
            Ok(_) => return Ok(()),
            Err(e) if is_busy(&e) && attempt < BEGIN_ATTEMPTS => {
                tracing::warn!(attempt, "database busy; trying again");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Waits for this process's turn to write, then begins an IMMEDIATE transaction.
///
/// Inside this process writers never meet (the turn); another process (a `helpdesk` command,
/// a backup, the sqlite3 shell) can hold the lock, and then BEGIN waits the busy timeout and
/// is tried again, a few times, before the error goes back to the caller.
///
/// # Errors
/// The database error of acquiring a connection or beginning.
pub async fn begin_write(pool: &SqlitePool) -> Result<WriteTx, sqlx::Error> {
    let turn = WRITE_LOCK.lock().await;
    let mut attempt = 1;
    loop {
        match pool.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => return Ok(WriteTx { tx, _turn: turn }),
            Err(e) if is_busy(&e) && attempt < BEGIN_ATTEMPTS => {
                tracing::warn!(attempt, "database busy; trying again");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One page of `table`'s rows in id order, with the total count: what every plain list
/// endpoint serves. `filter` keeps only rows whose column equals the value, when one is given.
///
/// # Errors
/// `NotFoundDetail` for a page past the end; `Internal` on a database failure.
pub(crate) async fn page_by_id<R>(
    pool: &SqlitePool,
    table: &str,
    columns: &str,
    filter: Option<(&str, Option<i64>)>,
    page: crate::domain::page::PageRequest,
) -> Result<(u64, crate::domain::page::PageRequest, Vec<R>), crate::error::AppError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    // NULL matches everything, so one statement serves the filtered and unfiltered lists.
    let (condition, value) = match filter {
        Some((column, value)) => (format!("?1 is null or {column} = ?1"), value),
        None => ("?1 is null".to_owned(), None),
    };
    let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where {condition}"))
        .bind(value)
        .fetch_one(pool)
        .await?;
    let request = page.check(count as u64)?;
    let rows = sqlx::query_as::<_, R>(&format!(
        "select {columns} from {table} where {condition} order by id limit ?2 offset ?3"
    ))
    .bind(value)
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    Ok((count as u64, request, rows))
}
