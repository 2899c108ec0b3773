//! `HELPDESK_ATTACHMENT_STORE=files`: the bytes of an attachment in a file under the media
//! root at `helpdesk/attachments/<queue-slug>-<ticket-id>-<secret_key>/<followup-id>/<filename>`,
//! its row naming the file. Files are written before the transaction that records them
//! commits, and removed again when it does not, so a failed request leaves nothing behind. Each
//! file is written under a temporary name, flushed to disk and then renamed, so a row never
//! names a missing or half-written file, even after a crash or a power cut; files are removed
//! only after the transaction that deletes their rows has committed.

use std::path::{Path, PathBuf};

use sqlx::AnyConnection;

use crate::domain::attachment::{UploadedFile, safe_filename};
use crate::error::AppError;

const ROOT: &str = "helpdesk/attachments";

/// Whether a stored path is one the app wrote: relative, under the attachments root, and made
/// only of plain components (no `..`, `.` or root). A name like `report..v2.pdf` is plain.
pub(crate) fn is_stored_path(file: &str) -> bool {
    use std::path::Component;
    file.starts_with(ROOT)
        && Path::new(file)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

pub(super) fn io_error(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "attachment file operation failed");
    AppError::Internal
}

/// The folder of a ticket's files, relative to the media root.
pub(crate) fn ticket_folder(queue_slug: &str, ticket_id: i64, secret_key: &str) -> String {
    format!("{ROOT}/{queue_slug}-{ticket_id}-{secret_key}")
}

/// Writes `files` for followup `followup_id` under `media_root` and records them in the
/// transaction `conn`. Every file written is pushed onto `written`, for the caller to remove
/// if it rolls back.
pub(super) async fn store(
    conn: &mut AnyConnection,
    media_root: &Path,
    folder: &str,
    followup_id: i64,
    files: &[UploadedFile],
    written: &mut Vec<PathBuf>,
) -> Result<(), AppError> {
    if files.is_empty() {
        return Ok(());
    }
    let rel_dir = format!("{folder}/{followup_id}");
    let dir = media_root.join(&rel_dir);
    let created = !tokio::fs::try_exists(&dir).await.unwrap_or(false);
    tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
    for f in files {
        let base = safe_filename(&f.filename);
        let mut name = base.clone();
        let mut n = 1;
        // Two files of one followup with the same name: keep both.
        while tokio::fs::try_exists(dir.join(&name))
            .await
            .unwrap_or(false)
        {
            name = super::numbered(&base, n);
            n += 1;
        }
        let path = dir.join(&name);
        write_durably(&dir, &name, &f.bytes).await?;
        written.push(path);
        super::insert_row(conn, followup_id, &format!("{rel_dir}/{name}"), &name, f).await?;
    }
    // New names are durable once their folder is; a new folder once its parent is.
    sync_dir(&dir).await?;
    if created {
        let mut d = dir.parent();
        while let Some(folder) = d.filter(|f| f.starts_with(media_root)) {
            sync_dir(folder).await?;
            d = folder.parent();
        }
    }
    Ok(())
}

/// Writes `bytes` to `dir/name` so that the name appears only with the whole content on
/// disk: a temporary file (a dot name, never listed or served), fsync, rename. The temporary
/// file is removed when anything fails.
async fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), AppError> {
    use tokio::io::AsyncWriteExt;
    let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let result = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&tmp, dir.join(name)).await
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(io_error(e));
    }
    Ok(())
}

/// Flushes a folder's entries (new or renamed files, new sub-folders) to disk.
async fn sync_dir(dir: &Path) -> Result<(), AppError> {
    match tokio::fs::File::open(dir).await {
        Ok(d) => d.sync_all().await.map_err(io_error),
        Err(e) => Err(io_error(e)),
    }
}

/// Removes files (best effort) and then the folders left empty up to the attachments root.
pub(crate) async fn remove_files(media_root: &Path, paths: &[PathBuf]) {
    let root = media_root.join(ROOT);
    for p in paths {
        if let Err(e) = tokio::fs::remove_file(p).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, path = %p.display(), "could not remove attachment");
        }
        let mut dir = p.parent();
        while let Some(d) = dir {
            if !d.starts_with(&root) || d == root {
                break;
            }
            // Fails (and stops) at the first folder that is not empty.
            if tokio::fs::remove_dir(d).await.is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

/// The absolute paths of the files stored for the followups matched by `where_sql`.
pub(crate) async fn files_where(
    conn: &mut AnyConnection,
    media_root: &Path,
    where_sql: &str,
    id: i64,
) -> Result<Vec<PathBuf>, AppError> {
    let files: Vec<String> = sqlx::query_scalar(&format!(
        "select file from followup_attachments where {where_sql}"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(files
        .into_iter()
        .filter(|f| is_stored_path(f))
        .map(|f| media_root.join(f))
        .collect())
}
