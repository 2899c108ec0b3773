//! `HELPDESK_ATTACHMENT_STORE=database`: the bytes of an attachment in `attachment_contents`,
//! written in the same transaction as its `followup_attachments` row, so that every server
//! over the database serves it and a crash leaves both or neither. The row's `file` is empty
//! (it names no file); the foreign key's cascade deletes the bytes with the row, and so with
//! its followup and its ticket.

use sqlx::AnyConnection;

use crate::domain::attachment::{UploadedFile, safe_filename};
use crate::error::AppError;
use crate::service::db::Db;

/// Records `files` for followup `followup_id`, bytes included, in the transaction `conn`.
pub(super) async fn store(
    conn: &mut AnyConnection,
    followup_id: i64,
    files: &[UploadedFile],
) -> Result<(), AppError> {
    for f in files {
        let base = safe_filename(&f.filename);
        let mut name = base.clone();
        let mut n = 1;
        // Two files of one followup with the same name: keep both, named as on disk.
        while name_taken(conn, followup_id, &name).await? {
            name = super::numbered(&base, n);
            n += 1;
        }
        let id = super::insert_row(conn, followup_id, "", &name, f).await?;
        sqlx::query("insert into attachment_contents (attachment, bytes) values ($1, $2)")
            .bind(id)
            .bind(&f.bytes[..])
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn name_taken(
    conn: &mut AnyConnection,
    followup_id: i64,
    name: &str,
) -> Result<bool, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "select id from followup_attachments where followup = $1 and filename = $2",
    )
    .bind(followup_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// The bytes of attachment `id`, which the database holds (its row names no file).
pub(super) async fn read(db: &Db, id: i64) -> Result<Option<Vec<u8>>, AppError> {
    Ok(
        sqlx::query_scalar("select bytes from attachment_contents where attachment = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}
