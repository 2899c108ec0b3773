//! Opening the database (SQLite or PostgreSQL, by the URL's scheme) the way a web server
//! needs it, applying migrations, and `Db`: the handle every service function takes.
//!
//! Service code runs on sqlx's `Any` driver, so each statement is written once for both
//! engines (`$N` placeholders, portable SQL). What differs lives in `dialect`. Beside the
//! `Any` pool, a handle keeps a pool of the engine's own driver for what needs it by type:
//! the session store, SQLite backups and PostgreSQL's migrations bookkeeping.

pub mod dialect;
mod executor;
#[cfg(test)]
pub mod testing;
mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AnyPool, PgPool, SqlitePool};

pub use write::{WriteTurn, WriteTx, begin_immediate, begin_write, is_busy, write_turn};

use super::cache::{Caches, DataVersion};

/// Which engine a database runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The engine's own pool, for what needs the concrete driver.
#[derive(Clone, Debug)]
pub enum Native {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One database: its pool and what belongs to it alone, built once when it is opened — the
/// write queue, the read caches and their write counters, the file-size limit, the attachment
/// store. Each server and each test database has its own; nothing of it is process-wide.
/// Cheap to clone.
///
/// `&Db` is an sqlx executor (it runs a statement on a pooled connection), so service code
/// writes `.fetch_one(db)` as it would with a pool.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    native: Native,
    shared: Arc<Shared>,
    max_file_bytes: usize,
    attachment_store: super::attachments::AttachmentStore,
    allow_private_webhooks: bool,
    mail: Arc<super::mail::MailSettings>,
}

struct Shared {
    /// One writer at a time per process (see `write`).
    write_lock: Arc<tokio::sync::Mutex<()>>,
    data: Arc<DataVersion>,
    caches: Caches,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Db {
    fn new(pool: AnyPool, native: Native) -> Self {
        let data = Arc::new(DataVersion::default());
        // Several servers can share a PostgreSQL database, and this process would not see the
        // others' writes: there, every read goes to the database (see `cache`).
        let caches = Caches::new(&data, matches!(native, Native::Sqlite(_)));
        Self {
            pool,
            native,
            shared: Arc::new(Shared {
                write_lock: Arc::default(),
                data,
                caches,
            }),
            max_file_bytes: super::attachments::DEFAULT_MAX_FILE_BYTES,
            attachment_store: super::attachments::AttachmentStore::Files,
            allow_private_webhooks: false,
            mail: Arc::default(),
        }
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

    /// The same database with the settings mail is written with (links, the default sender;
    /// see `mail::MailSettings`). Write transactions carry them to the outbox.
    #[must_use]
    pub fn with_mail(mut self, settings: super::mail::MailSettings) -> Self {
        self.mail = Arc::new(settings);
        self
    }

    pub fn mail(&self) -> &Arc<super::mail::MailSettings> {
        &self.mail
    }

    /// The helpdesk's default sender address (`HELPDESK_DEFAULT_FROM`): mail in ignores mail
    /// from it, as from the queues' addresses.
    pub fn default_from(&self) -> Option<&str> {
        Some(self.mail.default_from.as_str())
    }

    pub fn max_file_bytes(&self) -> usize {
        self.max_file_bytes
    }

    pub fn backend(&self) -> Backend {
        match self.native {
            Native::Sqlite(_) => Backend::Sqlite,
            Native::Postgres(_) => Backend::Postgres,
        }
    }

    /// The engine's own pool (the session store, a backup).
    pub fn native(&self) -> &Native {
        &self.native
    }

    /// The SQLite pool, when this database is SQLite.
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match &self.native {
            Native::Sqlite(pool) => Some(pool),
            Native::Postgres(_) => None,
        }
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
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, sqlx::Error> {
        self.pool.acquire().await
    }

    /// A transaction for reads that must agree with each other (on PostgreSQL, repeatable
    /// read: one snapshot, as SQLite's deferred transaction gives).
    ///
    /// # Errors
    /// The database error of beginning.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend() {
            Backend::Sqlite => self.pool.begin().await,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await
            }
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
        match &self.native {
            Native::Sqlite(pool) => pool.close().await,
            Native::Postgres(pool) => pool.close().await,
        }
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

/// Connections per server. PostgreSQL counts them against its `max_connections`.
const POOL_SIZE: u32 = 8;

/// Opens the database at `url`: `sqlite:` (created if missing, with WAL, foreign keys and a
/// busy timeout) or `postgres:`/`postgresql:` (the database must exist).
///
/// # Errors
/// `DbError` when the URL is malformed or the database cannot be reached.
pub async fn connect(url: &str) -> Result<Db, DbError> {
    sqlx::any::install_default_drivers();
    let bad = |reason: String| DbError::BadUrl {
        url: redact(url),
        reason,
    };
    let open = |e: sqlx::Error| DbError::Open {
        url: redact(url),
        reason: e.to_string(),
    };
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| bad(e.to_string()))?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        // Opened first: it creates the file and switches it to WAL, which then holds for all.
        let native = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(open)?;
        let pool = AnyPoolOptions::new()
            .max_connections(POOL_SIZE)
            .min_connections(1)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::Executor::execute(
                        &mut *conn,
                        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                         PRAGMA busy_timeout = 10000;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(open)?;
        Ok(Db::new(pool, Native::Sqlite(native)))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let options = PgConnectOptions::from_str(url).map_err(|e| bad(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(POOL_SIZE)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(open)?;
        let native = PgPoolOptions::new()
            .max_connections(4)
            .connect_lazy_with(options);
        Ok(Db::new(pool, Native::Postgres(native)))
    } else {
        Err(bad(
            "use sqlite://FILE (e.g. sqlite://helpdesk.db) or postgres://USER:PASSWORD@HOST/DB"
                .to_owned(),
        ))
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
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
    let result = match &pool.native {
        Native::Sqlite(native) => sqlx::migrate!("../migrations/sqlite").run(native).await,
        Native::Postgres(native) => sqlx::migrate!("../migrations/postgres").run(native).await,
    };
    result.map_err(|e| DbError::Migrate {
        url: redact(url),
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
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    // NULL matches everything, so one statement serves the filtered and unfiltered lists.
    let (condition, value) = match filter {
        Some((column, value)) => (format!("$1 is null or {column} = $1"), value),
        None => ("$1 is null".to_owned(), None),
    };
    let count: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where {condition}"))
        .bind(value)
        .fetch_one(pool)
        .await?;
    let request = page.check(count as u64)?;
    let rows = sqlx::query_as::<_, R>(&format!(
        "select {columns} from {table} where {condition} order by id limit $2 offset $3"
    ))
    .bind(value)
    .bind(request.limit())
    .bind(request.offset())
    .fetch_all(pool)
    .await?;
    Ok((count as u64, request, rows))
}
