//! Write transactions: one at a time per database, begun IMMEDIATE on SQLite; on PostgreSQL
//! one at a time across every server (a transaction-scoped advisory lock, see `begin_write`).
//!
//! SQLite allows one writer. A deferred transaction that reads and then writes can fail with
//! "database is locked" whatever the busy timeout; and many writers polling the lock in
//! SQLite's busy handler waste the two cores. So writers queue on their database's write lock
//! (`Db::write_lock`), in order, and hold it from their first statement. Readers are not
//! affected (WAL).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use super::{Backend, Db};
use crate::service::cache::DataVersion;

/// A write transaction; dereferences to the connection, so `&mut *tx` is an executor.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    data: Arc<DataVersion>,
    turn: OwnedMutexGuard<()>,
    mail: Arc<crate::service::mail::MailSettings>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
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
    /// The settings the outbox renders this write's notifications with.
    pub(crate) fn mail(&self) -> Arc<crate::service::mail::MailSettings> {
        self.mail.clone()
    }

    /// # Errors
    /// The database error of the commit.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // The request's Idempotency-Key, if any, commits with its write (see `idempotency`).
        crate::service::idempotency::record_in(&mut self.tx).await?;
        let result = self.tx.commit().await;
        // Also on failure: whether a failed COMMIT applied anything is not known here.
        self.data.committed();
        result
    }

    /// Commits without the request's Idempotency-Key: for bookkeeping made on the way to the
    /// request's own write (the sign-in throttle's counts), which must not stand for it.
    ///
    /// # Errors
    /// The database error of the commit.
    pub async fn commit_alone(self) -> Result<(), sqlx::Error> {
        let result = self.tx.commit().await;
        self.data.committed();
        result
    }

    /// Commits, and keeps this database's turn to write until the returned guard is dropped:
    /// what is read meanwhile is exactly what this transaction left, so a response can show
    /// the caller its own write rather than a later one.
    ///
    /// # Errors
    /// The database error of the commit.
    pub async fn commit_keeping_turn(mut self) -> Result<WriteTurn, sqlx::Error> {
        crate::service::idempotency::record_in(&mut self.tx).await?;
        let result = self.tx.commit().await;
        self.data.committed();
        result?;
        Ok(WriteTurn(self.turn))
    }
}

/// This database's turn to write, held after a commit (see `WriteTx::commit_keeping_turn`).
pub struct WriteTurn(#[allow(dead_code)] OwnedMutexGuard<()>);

pub use crate::error::is_busy;

/// The advisory lock writers take on PostgreSQL (any fixed number; "helpdesk" in ASCII).
const WRITE_LOCK_KEY: i64 = 0x6865_6c70_6465_736b;

/// How often `begin_write` tries again after the busy timeout ran out.
const BEGIN_ATTEMPTS: u32 = 3;

/// This database's turn to write, for a caller that must begin its transaction on a
/// connection of its own (a restore attaches the backup first, which a transaction forbids).
pub async fn write_turn(db: &Db) -> WriteTurn {
    WriteTurn(db.write_lock().lock_owned().await)
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

/// Waits for this database's turn to write, then begins an IMMEDIATE transaction.
///
/// Inside this process writers never meet (the turn); another process (a `helpdesk` command,
/// a backup, the sqlite3 shell) can hold the lock, and then BEGIN waits the busy timeout and
/// is tried again, a few times, before the error goes back to the caller.
///
/// # Errors
/// The database error of acquiring a connection or beginning.
pub async fn begin_write(db: &Db) -> Result<WriteTx, sqlx::Error> {
    let turn = db.write_lock().lock_owned().await;
    if db.backend() == Backend::Postgres {
        let mut tx = db.pool.begin().await?;
        // Every server's writers take this one lock, held until commit or rollback. Writes
        // thus commit in the order their events were numbered, so a change-feed reader that
        // has seen event N never misses an earlier one committed later; the rules read
        // before they write (versions, If-Match, counts) see the latest committed state.
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
        return Ok(WriteTx {
            tx,
            data: db.data_version(),
            turn,
            mail: db.mail().clone(),
        });
    }
    let mut attempt = 1;
    loop {
        match db.pool.begin_with("BEGIN IMMEDIATE").await {
            Ok(tx) => {
                return Ok(WriteTx {
                    tx,
                    data: db.data_version(),
                    turn,
                    mail: db.mail().clone(),
                });
            }
            Err(e) if is_busy(&e) && attempt < BEGIN_ATTEMPTS => {
                tracing::warn!(attempt, "database busy; trying again");
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e),
        }
    }
}
