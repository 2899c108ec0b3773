//! Opening the SQLite database the way a web server needs it, applying migrations, and `Db`:
//! the handle every service function takes.

mod executor;
mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use write::{WriteTurn, WriteTx, begin_immediate, begin_write, is_busy, write_turn};

use super::cache::{Caches, DataVersion};

/// One database: its pool and what belongs to it alone, built once when it is opened — the
/// write queue, the read caches and their write counters, the file-size limit, the attachment
/// store. Each server and each test database has its own; nothing of it is process-wide.
/// Cheap to clone.
///
/// `&Db` is an sqlx executor (it runs a statement on a pooled connection), so service code
/// writes `.fetch_one(db)` as it would with a pool.
#[derive(Clone)]
pub struct Db {
    pool: SqlitePool,
    shared: Arc<Shared>,
    max_file_bytes: usize,
    attachment_store: super::attachments::AttachmentStore,
    allow_private_webhooks: bool,
}

struct Shared {
    /// One writer at a time (see `write`).
    write_lock: Arc<tokio::sync::Mutex<()>>,
    data: Arc<DataVersion>,
    caches: Caches,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("pool", &self.pool)
            .finish_non_exhaustive()
    }
}

impl Db {
    fn new(pool: SqlitePool, data: Arc<DataVersion>) -> Self {
        let caches = Caches::new(&data);
        Self {
            pool,
            shared: Arc::new(Shared {
                write_lock: Arc::default(),
                data,
                caches,
            }),
            max_file_bytes: super::attachments::DEFAULT_MAX_FILE_BYTES,
            attachment_store: super::attachments::AttachmentStore::Files,
            allow_private_webhooks: false,
        }
    }

    /// A handle on a pool opened elsewhere (`#[sqlx::test]`'s). It has no update hook, so its
    /// caches see only writes committed through `begin_write` (and expire after `MAX_AGE`).
    pub fn from_pool(pool: SqlitePool) -> Self {
        Self::new(pool, Arc::default())
    }

    /// The same database with another size limit for one attachment (`HELPDESK_MAX_FILE_BYTES`).
    #[must_use]
    pub fn with_max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// The same database, keeping new attachments' bytes in `store`
    /// (`HELPDESK_ATTACHMENT_STORE`).
    #[must_use]
    pub fn with_attachment_store(mut self, store: super::attachments::AttachmentStore) -> Self {
        self.attachment_store = store;
        self
    }

    pub fn attachment_store(&self) -> super::attachments::AttachmentStore {
        self.attachment_store
    }

    /// The same database, with webhooks allowed to reach loopback and private addresses
    /// (`HELPDESK_WEBHOOK_ALLOW_PRIVATE`, for on-premise receivers and the tests).
    #[must_use]
    pub fn with_private_webhooks(mut self, allow: bool) -> Self {
        self.allow_private_webhooks = allow;
        self
    }

    pub fn allow_private_webhooks(&self) -> bool {
        self.allow_private_webhooks
    }

    pub fn max_file_bytes(&self) -> usize {
        self.max_file_bytes
    }

    /// The connection pool, for what needs it as such (the session store, a backup).
    pub fn sqlite(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn caches(&self) -> &Caches {
        &self.shared.caches
    }

    pub(crate) fn data_version(&self) -> Arc<DataVersion> {
        self.shared.data.clone()
    }

    /// For writes that commit outside `begin_write` (a plain transaction): drops cached reads.
    pub(crate) fn committed(&self) {
        self.shared.data.committed();
    }

    fn write_lock(&self) -> Arc<tokio::sync::Mutex<()>> {
        self.shared.write_lock.clone()
    }

    /// # Errors
    /// The database error of acquiring a connection.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Sqlite>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// A deferred transaction, for reads that must agree with each other.
    ///
    /// # Errors
    /// The database error of beginning.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.pool.begin().await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

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
pub async fn connect(url: &str) -> Result<Db, DbError> {
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
    let data = Arc::new(DataVersion::default());
    let hook_data = data.clone();
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .after_connect(move |conn, _meta| {
            let data = hook_data.clone();
            Box::pin(async move {
                // Every row change, by any code path, invalidates this database's read caches.
                conn.lock_handle()
                    .await?
                    .set_update_hook(move |change| data.row_changed(change.table));
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(|e| DbError::Open {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(Db::new(pool, data))
}

/// Opens the database at `url` and applies the migrations: how every command that uses the
/// schema starts (all but `backup`, which copies the database as it is).
///
/// # Errors
/// `DbError` as `connect` and `migrate` return it.
pub async fn connect_and_migrate(url: &str) -> Result<Db, DbError> {
    let pool = connect(url).await?;
    migrate(&pool, url).await?;
    Ok(pool)
}

/// Applies the embedded migrations; a no-op when they are all applied.
///
/// # Errors
/// `DbError::Migrate` when a migration fails or the database is newer than this binary.
pub async fn migrate(pool: &Db, url: &str) -> Result<(), DbError> {
    sqlx::migrate!("../migrations/sqlite")
        .run(pool.sqlite())
        .await
        .map_err(|e| DbError::Migrate {
            url: url.to_owned(),
            reason: e.to_string(),
        })
}

/// One page of `table`'s rows in id order, with the total count: what every plain list
/// endpoint serves. `filter` keeps only rows whose column equals the value, when one is given.
///
/// # Errors
/// `NotFoundDetail` for a page past the end; `Internal` on a database failure.
pub(crate) async fn page_by_id<R>(
    pool: &Db,
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
