//! Backups of the live database and restoring them (`helpdesk backup` / `helpdesk restore`).
//!
//! A backup is `VACUUM INTO`: one read transaction, so the copy is a consistent snapshot even
//! while the server writes (WAL readers do not block writers), written to a temporary name,
//! checked, flushed and renamed into place. Attachment files live outside the database; with
//! a media folder the files the snapshot refers to are copied too (hard links when possible:
//! a stored file is never changed, only deleted).
//!
//! A restore replaces every row of the live database with the backup's in one write
//! transaction, so it is all-or-nothing and safe while the server runs (the server's writes
//! wait for it). An older backup is first migrated, on a temporary copy, to this binary's
//! schema. It must not touch anything but the database file it is given and the media folder.

use crate::service::db::Db;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

/// Why a backup or a restore failed, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackupError(String);

fn fail(what: &str, e: impl std::fmt::Display) -> BackupError {
    BackupError(format!("{what}: {e}"))
}

/// What a backup or a restore did.
#[derive(Debug, Default)]
pub struct BackupReport {
    pub tickets: i64,
    pub attachments: i64,
    /// Attachment files copied to or from the media backup.
    pub files_copied: u64,
    /// Attachment files the database names but that were not found (deleted since, or lost).
    pub files_missing: u64,
}

/// The SQLite pool: these commands copy SQLite files. PostgreSQL has its own tools.
fn sqlite_only(pool: &Db) -> Result<&sqlx::SqlitePool, BackupError> {
    pool.sqlite().ok_or_else(|| {
        BackupError(
            "this database is PostgreSQL: back up with pg_dump and restore with pg_restore \
             (see the README, \"Running on PostgreSQL\")"
                .to_owned(),
        )
    })
}

/// The file of the pool's main database.
async fn database_file(pool: &Db) -> Result<PathBuf, BackupError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as("pragma database_list")
        .fetch_all(pool)
        .await
        .map_err(|e| fail("cannot read the database's file name", e))?;
    rows.into_iter()
        .find(|(_, name, _)| name == "main")
        .map(|(_, _, file)| PathBuf::from(file))
        .filter(|f| !f.as_os_str().is_empty())
        .ok_or_else(|| BackupError("the database is not a file".to_owned()))
}

/// `path` made absolute through its (existing) parent, so two spellings of one file compare
/// equal even when the file itself does not exist yet.
fn absolute(path: &Path) -> Result<PathBuf, BackupError> {
    let name = path
        .file_name()
        .ok_or_else(|| BackupError(format!("{} is not a file name", path.display())))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = parent
        .canonicalize()
        .map_err(|e| fail(&format!("cannot use the folder {}", parent.display()), e))?;
    Ok(parent.join(name))
}

fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| fail(&format!("cannot flush {}", dir.display()), e))
}

async fn open_file(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| fail("bad options", e))?
        .filename(path)
        .read_only(read_only)
        .foreign_keys(true);
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| fail(&format!("cannot open {}", path.display()), e))
}

/// `pragma integrity_check` must answer exactly one row, "ok".
async fn check_integrity(conn: &mut SqliteConnection, path: &Path) -> Result<(), BackupError> {
    let rows: Vec<String> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| fail(&format!("cannot check {}", path.display()), e))?;
    if rows != ["ok"] {
        return Err(BackupError(format!(
            "{} is damaged: {}",
            path.display(),
            rows.join("; ")
        )));
    }
    Ok(())
}

async fn counts(conn: &mut SqliteConnection) -> Result<(i64, i64), BackupError> {
    sqlx::query_as(
        "select (select count(*) from tickets), (select count(*) from followup_attachments)",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| fail("cannot count the tickets", e))
}

/// Copies the attachment files named in `conn`'s database from `from` to `to` (same relative
/// paths), hard-linking when both are on one file system. Files already at `to` are kept.
async fn copy_files(
    conn: &mut SqliteConnection,
    from: &Path,
    to: &Path,
    report: &mut BackupReport,
) -> Result<(), BackupError> {
    let files: Vec<String> = sqlx::query_scalar("select file from followup_attachments")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| fail("cannot list the attachments", e))?;
    for rel in files {
        // Stored paths are relative and under helpdesk/attachments; anything else is skipped.
        if !super::attachments::is_stored_path(&rel) {
            continue;
        }
        let (src, dst) = (from.join(&rel), to.join(&rel));
        if dst.exists() {
            continue;
        }
        if !src.exists() {
            report.files_missing += 1;
            tracing::warn!(file = %rel, "attachment file not found; not copied");
            continue;
        }
        if let Some(dir) = dst.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(&format!("cannot create {}", dir.display()), e))?;
        }
        if std::fs::hard_link(&src, &dst).is_err() {
            let tmp = dst.with_extension("part");
            std::fs::copy(&src, &tmp)
                .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
                .and_then(|()| std::fs::rename(&tmp, &dst))
                .map_err(|e| fail(&format!("cannot copy {}", src.display()), e))?;
        }
        if let Some(dir) = dst.parent() {
            sync_dir(dir)?;
        }
        report.files_copied += 1;
    }
    Ok(())
}

/// Writes a consistent copy of the live database to `target` (replacing it atomically if it
/// exists) and, given `media`, copies the attachment files the copy refers to from
/// `media_root` into `media`.
///
/// # Errors
/// `BackupError` when `target` is the live database itself, its folder is unusable, or the
/// copy fails its integrity check.
pub async fn backup(
    pool: &Db,
    target: &Path,
    media_root: &Path,
    media: Option<&Path>,
) -> Result<BackupReport, BackupError> {
    sqlite_only(pool)?;
    let live = absolute(&database_file(pool).await?)?;
    let target = absolute(target)?;
    if target == live {
        return Err(BackupError(format!(
            "{} is the live database; back up to another file",
            target.display()
        )));
    }
    let tmp = target.with_file_name(format!(
        ".{}.{}.part",
        target.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let result = async {
        sqlx::query("vacuum into ?")
            .bind(tmp.to_string_lossy().into_owned())
            .execute(pool)
            .await
            .map_err(|e| fail(&format!("cannot write {}", tmp.display()), e))?;
        let mut conn = open_file(&tmp, true).await?;
        check_integrity(&mut conn, &tmp).await?;
        let (tickets, attachments) = counts(&mut conn).await?;
        let mut report = BackupReport {
            tickets,
            attachments,
            ..BackupReport::default()
        };
        if let Some(media) = media {
            copy_files(&mut conn, media_root, media, &mut report).await?;
        }
        conn.close()
            .await
            .map_err(|e| fail("cannot close the copy", e))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| fail(&format!("cannot flush {}", tmp.display()), e))?;
        Ok::<_, BackupError>(report)
    }
    .await;
    match result {
        Ok(report) => {
            std::fs::rename(&tmp, &target)
                .map_err(|e| fail(&format!("cannot write {}", target.display()), e))?;
            if let Some(dir) = target.parent() {
                sync_dir(dir)?;
            }
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The tables a restore copies, parents first: every ordinary table except SQLite's own,
/// sqlx's migration record, and full-text indexes with their shadow tables (their triggers
/// rebuild them from the rows).
async fn tables(conn: &mut SqliteConnection) -> Result<Vec<String>, BackupError> {
    let all: Vec<(String, String)> = sqlx::query_as(
        "select name, coalesce(sql, '') from main.sqlite_master where type = 'table' \
         order by rowid",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| fail("cannot list the tables", e))?;
    let virtual_tables: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| sql.to_lowercase().starts_with("create virtual table"))
        .map(|(n, _)| n.as_str())
        .collect();
    Ok(all
        .iter()
        .map(|(n, _)| n)
        .filter(|n| !n.starts_with("sqlite_") && n.as_str() != "_sqlx_migrations")
        .filter(|n| {
            !virtual_tables
                .iter()
                .any(|v| n.as_str() == *v || n.starts_with(&format!("{v}_")))
        })
        .cloned()
        .collect())
}

/// Replaces every row of the live database with those of the backup at `source`, in one
/// transaction; given `media`, first copies into `media_root` the attachment files the
/// backup refers to that are not there yet.
///
/// # Errors
/// `BackupError` when the backup is missing, damaged or from a newer helpdesk, or the copy
/// fails (the live database is then unchanged).
pub async fn restore(
    pool: &Db,
    source: &Path,
    media_root: &Path,
    media: Option<&Path>,
) -> Result<BackupReport, BackupError> {
    sqlite_only(pool)?;
    if !source.is_file() {
        return Err(BackupError(format!("{} is not a file", source.display())));
    }
    let live = absolute(&database_file(pool).await?)?;
    if absolute(source)? == live {
        return Err(BackupError(format!(
            "{} is the live database",
            source.display()
        )));
    }
    // A private copy: checked and brought to this binary's schema without touching the
    // backup itself.
    let work = live.with_file_name(format!(".restore.{}.part", std::process::id()));
    let result = async {
        std::fs::copy(source, &work)
            .map_err(|e| fail(&format!("cannot read {}", source.display()), e))?;
        let mut conn = open_file(&work, false).await?;
        check_integrity(&mut conn, source).await?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&mut conn)
            .await
            .map_err(|e| fail("the backup's schema cannot be brought up to date", e))?;
        let mut report = BackupReport::default();
        (report.tickets, report.attachments) = counts(&mut conn).await?;
        if let Some(media) = media {
            copy_files(&mut conn, media, media_root, &mut report).await?;
        }
        conn.close()
            .await
            .map_err(|e| fail("cannot close the copy", e))?;
        replace_rows(pool, &work).await?;
        Ok::<_, BackupError>(report)
    }
    .await;
    let _ = std::fs::remove_file(&work);
    for suffix in ["-wal", "-shm"] {
        let mut side = work.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    result
}

/// The one write transaction of a restore.
async fn replace_rows(pool: &Db, work: &Path) -> Result<(), BackupError> {
    let db = |e: sqlx::Error| fail("restore failed, the database is unchanged", e);
    // ATTACH cannot happen inside a transaction, so this takes the write turn itself and
    // uses one connection throughout.
    let _turn = super::db::write_turn(pool).await;
    let native = sqlite_only(pool)?;
    let mut conn = native.acquire().await.map_err(db)?;
    sqlx::query("attach database ? as backup")
        .bind(work.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let copied = async {
        let names = tables(&mut conn).await?;
        super::db::begin_immediate(&mut conn).await.map_err(db)?;
        let copied = async {
            // Checked at commit, so the order of the inserts does not matter.
            sqlx::query("pragma defer_foreign_keys = on")
                .execute(&mut *conn)
                .await?;
            for name in names.iter().rev() {
                sqlx::query(&format!("delete from main.\"{name}\""))
                    .execute(&mut *conn)
                    .await?;
            }
            for name in &names {
                let columns: Vec<String> =
                    sqlx::query_scalar("select name from pragma_table_info(?)")
                        .bind(name)
                        .fetch_all(&mut *conn)
                        .await?;
                let columns = columns
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                sqlx::query(&format!(
                    "insert into main.\"{name}\" ({columns}) select {columns} from backup.\"{name}\""
                ))
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query("commit").execute(&mut *conn).await?;
            Ok::<_, sqlx::Error>(())
        }
        .await;
        if copied.is_err() {
            let _ = sqlx::query("rollback").execute(&mut *conn).await;
        }
        copied.map_err(db)
    }
    .await;
    let _ = sqlx::query("detach database backup")
        .execute(&mut *conn)
        .await;
    copied
}
