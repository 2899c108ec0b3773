//! Followup attachments: rows in `followup_attachments`, bytes where the attachment store
//! (`HELPDESK_ATTACHMENT_STORE`, carried by `Db`) puts them: files under the media root
//! (`disk`) or rows of `attachment_contents` (`contents`), which every server over one
//! database can read. A download reads where its row says (an empty `file` means the database),
//! so attachments stored before the setting changed stay readable.

mod contents;
mod disk;

pub(crate) use disk::{files_where, is_stored_path, remove_files, ticket_folder};

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

/// Where new attachments keep their bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentStore {
    /// Files under the media root: one server, or a media folder all servers share.
    Files,
    /// The `attachment_contents` table: every server over the database sees them.
    Database,
}

impl AttachmentStore {
    /// The store when none is configured: files beside SQLite (today's layout), the database
    /// on PostgreSQL, where several servers share one database but not a disk.
    pub fn default_for(database_url: &str) -> Self {
        let url = database_url.trim_start().to_ascii_lowercase();
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Self::Database
        } else {
            Self::Files
        }
    }

    /// `files` or `database`, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "files" => Some(Self::Files),
            "database" => Some(Self::Database),
            _ => None,
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

/// Stores `files` for followup `followup_id` as `db`'s attachment store says, inside the
/// caller's write transaction `conn`. Files written to disk are pushed onto `written`, for
/// the caller to remove if the transaction does not commit (nothing is, with `Database`).
pub(crate) async fn store(
    conn: &mut AnyConnection,
    db: &Db,
    media_root: &Path,
    folder: &str,
    followup_id: i64,
    files: &[UploadedFile],
    written: &mut Vec<PathBuf>,
) -> Result<(), AppError> {
    match db.attachment_store() {
        AttachmentStore::Files => {
            disk::store(conn, media_root, folder, followup_id, files, written).await
        }
        AttachmentStore::Database => contents::store(conn, followup_id, files).await,
    }
}

/// `name` with `_n` before its extension: the name of the n-th other file of one followup
/// called `name`.
fn numbered(name: &str, n: u32) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}_{n}.{ext}"),
        _ => format!("{name}_{n}"),
    }
}

/// Records one stored file (`file`: its path under the media root, empty when its bytes are
/// in the database) and answers the new row's id.
async fn insert_row(
    conn: &mut AnyConnection,
    followup_id: i64,
    file: &str,
    name: &str,
    upload: &UploadedFile,
) -> Result<i64, AppError> {
    let mime = if upload.content_type.trim().is_empty() {
        "application/octet-stream".to_owned()
    } else {
        upload.content_type.trim().chars().take(255).collect()
    };
    Ok(sqlx::query_scalar(
        "insert into followup_attachments (followup, file, filename, mime_type, size) \
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(followup_id)
    .bind(file)
    .bind(name)
    .bind(mime)
    .bind(upload.bytes.len() as i64)
    .fetch_one(&mut *conn)
    .await?)
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
    bytes_of(pool, media_root, row).await
}

/// Attachment `id` and its bytes, for a caller that has checked the reader's right to it.
///
/// # Errors
/// `NotFound` (also when the file has gone from disk).
pub(crate) async fn read(
    pool: &Db,
    media_root: &Path,
    id: i64,
) -> Result<(Attachment, Vec<u8>), AppError> {
    bytes_of(pool, media_root, find(pool, id).await?).await
}

async fn bytes_of(
    pool: &Db,
    media_root: &Path,
    row: AttachmentRow,
) -> Result<(Attachment, Vec<u8>), AppError> {
    // A row whose bytes are in the database names no file (see `contents`): one lookup, not
    // a database read before every file read.
    if row.file.is_empty() {
        let bytes = contents::read(pool, row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok((row.into(), bytes));
    }
    if !is_stored_path(&row.file) {
        return Err(AppError::NotFound);
    }
    let bytes = match tokio::fs::read(media_root.join(&row.file)).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(file = %row.file, "attachment file is missing");
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(disk::io_error(e)),
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
            pool,
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

#[cfg(test)]
mod tests {
    use super::AttachmentStore;

    #[test]
    fn postgres_keeps_attachments_in_the_database_and_sqlite_in_files_by_default() {
        for (url, store) in [
            ("postgres://helpdesk@db/helpdesk", AttachmentStore::Database),
            ("postgresql://db/helpdesk", AttachmentStore::Database),
            ("POSTGRES://db/helpdesk", AttachmentStore::Database),
            ("sqlite://helpdesk.db", AttachmentStore::Files),
            ("sqlite::memory:", AttachmentStore::Files),
        ] {
            assert_eq!(AttachmentStore::default_for(url), store, "{url}");
        }
    }

    #[test]
    fn the_store_is_files_or_database_and_nothing_else() {
        assert_eq!(
            AttachmentStore::parse("files"),
            Some(AttachmentStore::Files)
        );
        assert_eq!(
            AttachmentStore::parse(" Database "),
            Some(AttachmentStore::Database)
        );
        for bad in ["", "file", "s3", "db"] {
            assert_eq!(AttachmentStore::parse(bad), None, "{bad}");
        }
    }
}
