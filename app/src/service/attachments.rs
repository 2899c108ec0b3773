//! Followup attachments: rows in `followup_attachments`, bytes in files under the media root
//! at `helpdesk/attachments/<queue-slug>-<ticket-id>-<secret_key>/<followup-id>/<filename>`.
//! Files are written before the transaction that records them commits, and removed again when
//! it does not, so a failed request leaves nothing behind. Each file is written under a
//! temporary name, flushed to disk and then renamed, so a row never names a missing or
//! half-written file, even after a crash or a power cut; files are removed only after the
//! transaction that deletes their rows has committed.

use crate::service::db::{Db, dialect};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sqlx::AnyConnection;

use crate::domain::attachment::{
    Attachment, AttachmentInput, NewAttachment, UploadedFile, safe_filename,
};
use crate::domain::invalid_pk;
use crate::domain::page::{Page, PageRequest};
use crate::domain::user::CurrentUser;
use crate::error::{AppError, ErrorBag};
use crate::service::require_staff;

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    followup: i64,
    file: String,
    filename: String,
    mime_type: String,
    size: i64,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Attachment {
            id: r.id,
            followup: r.followup,
            url: Attachment::download_path(r.id),
            filename: r.filename,
            mime_type: r.mime_type,
            size: r.size,
        }
    }
}

const COLUMNS: &str = "id, followup, file, filename, mime_type, size";

/// At most this many files in one request (ticket, followup or attachment).
pub const MAX_FILES_PER_REQUEST: usize = 10;

/// The default size limit of one file: 5 MiB.
pub const DEFAULT_MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

/// Refuses too many files (400) or a file over the size limit of `db` (413, the setting
/// `HELPDESK_MAX_FILE_BYTES`), naming the form field. Every path that stores files calls it
/// before its write transaction.
///
/// # Errors
/// `Validation` for too many files, `TooLarge` for a file over the limit.
pub fn check_files(db: &Db, files: &[UploadedFile]) -> Result<(), AppError> {
    if files.len() > MAX_FILES_PER_REQUEST {
        return Err(AppError::field(
            files[0].field.as_str(),
            format!(
                "Ensure there are no more than {MAX_FILES_PER_REQUEST} files in one request (got {}).",
                files.len()
            ),
        ));
    }
    let max = db.max_file_bytes();
    if let Some(f) = files.iter().find(|f| f.bytes.len() > max) {
        let mut errors = crate::error::FieldErrors::new();
        errors.insert(
            f.field.clone(),
            vec![format!(
                "The file \"{}\" is {} bytes; the limit is {max} bytes.",
                safe_filename(&f.filename),
                f.bytes.len()
            )],
        );
        return Err(AppError::TooLarge(errors));
    }
    Ok(())
}
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

fn io_error(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "attachment file operation failed");
    AppError::Internal
}

/// The attachments of the given followups, each list ordered by filename. On a connection,
/// so that a write transaction can read what it has written (the change feed's snapshots).
pub(crate) async fn for_followups(
    conn: &mut AnyConnection,
    followup_ids: &[i64],
) -> Result<HashMap<i64, Vec<Attachment>>, AppError> {
    let mut out: HashMap<i64, Vec<Attachment>> = HashMap::new();
    if followup_ids.is_empty() {
        return Ok(out);
    }
    let ids = serde_json::to_string(followup_ids).unwrap_or_else(|_| "[]".into());
    let rows = sqlx::query_as::<_, AttachmentRow>(&format!(
        "select {COLUMNS} from followup_attachments \
         where followup in ({}) order by followup, filename, id",
        dialect::json_ints(dialect::of(conn), "$1")
    ))
    .bind(ids)
    .fetch_all(conn)
    .await?;
    for r in rows {
        out.entry(r.followup).or_default().push(r.into());
    }
    Ok(out)
}

/// The folder of a ticket's files, relative to the media root.
pub(crate) fn ticket_folder(queue_slug: &str, ticket_id: i64, secret_key: &str) -> String {
    format!("{ROOT}/{queue_slug}-{ticket_id}-{secret_key}")
}

/// Writes `files` for followup `followup_id` and records them in the transaction `conn`.
/// Every file written is pushed onto `written`, for the caller to remove if it rolls back.
pub(crate) async fn store(
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
            name = match base.rsplit_once('.') {
                Some((stem, ext)) if !stem.is_empty() => format!("{stem}_{n}.{ext}"),
                _ => format!("{base}_{n}"),
            };
            n += 1;
        }
        let path = dir.join(&name);
        write_durably(&dir, &name, &f.bytes).await?;
        written.push(path);
        let mime = if f.content_type.trim().is_empty() {
            "application/octet-stream".to_owned()
        } else {
            f.content_type.trim().chars().take(255).collect()
        };
        sqlx::query(
            "insert into followup_attachments (followup, file, filename, mime_type, size) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(followup_id)
        .bind(format!("{rel_dir}/{name}"))
        .bind(&name)
        .bind(mime)
        .bind(f.bytes.len() as i64)
        .execute(&mut *conn)
        .await?;
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

/// A page of attachments, optionally of one followup.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end.
pub async fn list(
    pool: &Db,
    actor: &CurrentUser,
    followup: Option<i64>,
    page: PageRequest,
) -> Result<Page<Attachment>, AppError> {
    require_staff(actor)?;
    let (count, request, rows) = super::db::page_by_id::<AttachmentRow>(
        pool,
        "followup_attachments",
        COLUMNS,
        Some(("followup", followup)),
        page,
    )
    .await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

async fn find<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    id: i64,
) -> Result<AttachmentRow, AppError> {
    sqlx::query_as::<_, AttachmentRow>(&format!(
        "select {COLUMNS} from followup_attachments where id = $1"
    ))
    .bind(id)
    .fetch_optional(executor)
    .await?
    .ok_or(AppError::NotFound)
}

/// One attachment as the API shows it, read on `conn` (inside a write: the change feed).
pub(crate) async fn find_on(conn: &mut AnyConnection, id: i64) -> Result<Attachment, AppError> {
    find(conn, id).await.map(Into::into)
}

/// One attachment.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(pool: &Db, actor: &CurrentUser, id: i64) -> Result<Attachment, AppError> {
    require_staff(actor)?;
    find(pool, id).await.map(Into::into)
}

/// Whether `actor` may download the attachment of followup `followup` without being staff:
/// they submitted its ticket (email, case-insensitively) and the followup is public, never
/// internal (issue 11.4).
async fn submitter_may_see(
    pool: &Db,
    actor: &CurrentUser,
    followup: i64,
) -> Result<bool, AppError> {
    if !actor.is_active {
        return Ok(false);
    }
    let found: Option<(i64, Option<String>)> = sqlx::query_as(
        "select f.public, t.submitter_email from followups f join tickets t on t.id = f.ticket \
         where f.id = $1",
    )
    .bind(followup)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some_and(|(public, email)| {
        public != 0
            && crate::domain::email::same_email(&actor.email, email.as_deref().unwrap_or(""))
    }))
}

/// The attachment and its bytes: for staff, and for the ticket's submitter when the followup
/// is public.
///
/// # Errors
/// `Forbidden` for anyone else, `NotFound` (also when the file has gone from disk).
pub async fn download(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
) -> Result<(Attachment, Vec<u8>), AppError> {
    let row = if require_staff(actor).is_ok() {
        find(pool, id).await?
    } else {
        // Unknown ids and other people's files answer alike, so ids reveal nothing.
        let row = find(pool, id).await.map_err(|_| AppError::forbidden())?;
        if !submitter_may_see(pool, actor, row.followup).await? {
            return Err(AppError::forbidden());
        }
        row
    };
    if !is_stored_path(&row.file) {
        return Err(AppError::NotFound);
    }
    let bytes = match tokio::fs::read(media_root.join(&row.file)).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(file = %row.file, "attachment file is missing");
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(io_error(e)),
    };
    Ok((row.into(), bytes))
}

/// Attaches a file to an existing followup.
///
/// # Errors
/// `Forbidden` for non-staff; `Validation` (no file, unknown followup).
#[tracing::instrument(skip(pool, actor, media_root, input))]
pub async fn create(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    input: AttachmentInput,
) -> Result<Attachment, AppError> {
    require_staff(actor)?;
    #[derive(sqlx::FromRow)]
    struct Owner {
        ticket: i64,
        slug: String,
        secret_key: String,
    }
    let owner = |fid: i64| {
        sqlx::query_as::<_, Owner>(
            "select t.id as ticket, q.slug, t.secret_key from followups f \
             join tickets t on t.id = f.ticket join queues q on q.id = t.queue where f.id = $1",
        )
        .bind(fid)
        .fetch_optional(pool)
    };
    let mut missing = ErrorBag::new();
    if let Some(fid) = NewAttachment::followup_ref(&input.body)
        && owner(fid).await?.is_none()
    {
        missing.add("followup", invalid_pk(fid));
    }
    let new = ErrorBag::combine(NewAttachment::parse(input), missing)?;
    let (fid, file) = (new.followup, new.file);
    check_files(pool, std::slice::from_ref(&file))?;
    // Deleted since the check: the same answer as an unknown followup.
    let owner = owner(fid)
        .await?
        .ok_or_else(|| AppError::field("followup", invalid_pk(fid)))?;
    let folder = ticket_folder(&owner.slug, owner.ticket, &owner.secret_key);
    let mut written = Vec::new();
    let result: Result<i64, AppError> = async {
        let mut tx = super::db::begin_write(pool).await?;
        // Checked again in the transaction: a followup deleted since would fail the insert.
        let exists: Option<i64> = sqlx::query_scalar("select id from followups where id = $1")
            .bind(fid)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(AppError::field("followup", invalid_pk(fid)));
        }
        store(
            &mut tx,
            media_root,
            &folder,
            fid,
            std::slice::from_ref(&file),
            &mut written,
        )
        .await?;
        let id: i64 =
            sqlx::query_scalar("select max(id) from followup_attachments where followup = $1")
                .bind(fid)
                .fetch_one(&mut *tx)
                .await?;
        super::tickets::bump_version(&mut tx, owner.ticket).await?;
        let change = super::events::Change::AttachmentCreated(id);
        super::events::record(&mut tx, Some(actor.id), change).await?;
        super::idempotency::created("followups-attachments", id);
        tx.commit().await?;
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => find(pool, id).await.map(Into::into),
        Err(e) => {
            remove_files(media_root, &written).await;
            Err(e)
        }
    }
}

/// Deletes an attachment and its file.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn delete(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
) -> Result<(), AppError> {
    delete_if_match(pool, actor, media_root, id, None).await
}

/// `delete`, only if the attachment's current ETag matches `if_match` (when given), checked
/// inside the write.
///
/// # Errors
/// As `delete`; `PreconditionFailed` with the current ETag; nothing is deleted then.
#[tracing::instrument(skip(pool, actor, media_root))]
pub async fn delete_if_match(
    pool: &Db,
    actor: &CurrentUser,
    media_root: &Path,
    id: i64,
    if_match: Option<&super::preconditions::IfMatch>,
) -> Result<(), AppError> {
    require_staff(actor)?;
    let mut tx = super::db::begin_write(pool).await?;
    super::preconditions::check(if_match, get(pool, actor, id)).await?;
    let files = files_where(&mut tx, media_root, "id = $1", id).await?;
    // The ticket's content changes: a form drawn before is stale (issue 11.1).
    sqlx::query(
        "update tickets set version = version + 1 where id = \
         (select f.ticket from followups f join followup_attachments a on a.followup = f.id \
          where a.id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let change = super::events::Change::AttachmentDeleted(id);
    super::events::record(&mut tx, Some(actor.id), change).await?;
    let done = sqlx::query("delete from followup_attachments where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    remove_files(media_root, &files).await;
    Ok(())
}
