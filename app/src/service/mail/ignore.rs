//! The mail-in ignore list: senders (addresses or `*` patterns) whose mail is never filed.
//! Superusers list, add and delete entries; `matching` is what mail in asks.

use crate::domain::Timestamp;
use crate::domain::input::{self, Body, WriteMode};
use crate::domain::mail_ignore::{IgnoredSender, parse_pattern};
use crate::domain::page::{Page, PageRequest};
use crate::domain::user::CurrentUser;
use crate::error::AppError;
use crate::service::db::Db;
use crate::service::require_superuser;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    pattern: String,
    note: String,
    created: String,
}

impl From<Row> for IgnoredSender {
    fn from(r: Row) -> Self {
        IgnoredSender {
            id: r.id,
            pattern: r.pattern,
            note: r.note,
            created: crate::service::followups::parse_db_time(&r.created).to_api(),
        }
    }
}

const COLUMNS: &str = "id, pattern, note, created";

/// The longest note.
const MAX_NOTE_CHARS: usize = 500;

/// The entries, a page at a time, in the order they were added.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFoundDetail` for a page past the end.
pub async fn list(
    db: &Db,
    actor: &CurrentUser,
    page: PageRequest,
) -> Result<Page<IgnoredSender>, AppError> {
    require_superuser(actor)?;
    let (count, request, rows) =
        crate::service::db::page_by_id::<Row>(db, "mail_ignore", COLUMNS, None, page).await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

/// One entry.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`.
pub async fn get(db: &Db, actor: &CurrentUser, id: i64) -> Result<IgnoredSender, AppError> {
    require_superuser(actor)?;
    find(db, id).await
}

async fn find(db: &Db, id: i64) -> Result<IgnoredSender, AppError> {
    sqlx::query_as::<_, Row>(&format!("select {COLUMNS} from mail_ignore where id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .map(Into::into)
        .ok_or(AppError::NotFound)
}

/// Adds an entry from `body`: `pattern` (an address, or with `*` wildcards; required) and
/// `note` (optional).
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `Validation` on `pattern` (missing, malformed,
/// already on the list) or `note` (too long); nothing is written then.
pub async fn add(db: &Db, actor: &CurrentUser, body: &Body) -> Result<IgnoredSender, AppError> {
    require_superuser(actor)?;
    let mut errors = crate::error::ErrorBag::new();
    let pattern = input::required(body, "pattern", WriteMode::Create, &mut errors, |v| {
        input::as_text(v).and_then(|t| parse_pattern(&t))
    });
    let note = input::optional(body, "note", &mut errors, input::as_text).unwrap_or_default();
    let note = note.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        errors.add(
            "note",
            format!("Ensure this field has no more than {MAX_NOTE_CHARS} characters."),
        );
    }
    errors.into_result()?;
    let Some(pattern) = pattern else {
        return Err(AppError::Internal);
    };
    let mut tx = crate::service::db::begin_write(db).await?;
    let taken: i64 = sqlx::query_scalar("select count(*) from mail_ignore where pattern = $1")
        .bind(&pattern)
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Err(AppError::field(
            "pattern",
            "This pattern is already on the ignore list.",
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "insert into mail_ignore (pattern, note, created) values ($1, $2, $3) returning id",
    )
    .bind(&pattern)
    .bind(&note)
    .bind(Timestamp::now().to_db())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(
        pattern,
        by = actor.id,
        "sender pattern added to the mail ignore list"
    );
    find(db, id).await
}

/// Deletes an entry.
///
/// # Errors
/// `Forbidden` for anyone but a superuser; `NotFound`.
pub async fn delete(db: &Db, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    require_superuser(actor)?;
    let mut tx = crate::service::db::begin_write(db).await?;
    let gone = sqlx::query("delete from mail_ignore where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if gone == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The first pattern on the list that `sender` matches, if any. The list is small (a
/// superuser types each entry), so it is read whole and matched here.
///
/// # Errors
/// The database error.
pub async fn matching(db: &Db, sender: &str) -> Result<Option<String>, sqlx::Error> {
    let patterns: Vec<String> = sqlx::query_scalar("select pattern from mail_ignore order by id")
        .fetch_all(db)
        .await?;
    Ok(patterns
        .into_iter()
        .find(|p| super::receive::pattern_matches(p, sender)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn superusers_keep_the_list_and_mail_in_matches_it_without_regard_to_case() {
        let db = crate::service::db::testing::db().await;
        let admin = crate::service::users::create_superuser(&db, "admin", "", "s3cret-pass".into())
            .await
            .unwrap();
        let body = |v: serde_json::Value| v.as_object().unwrap().clone();
        let entry = add(
            &db,
            &admin,
            &body(json!({"pattern": "*@NoReply.example.com"})),
        )
        .await
        .unwrap();
        assert_eq!(entry.pattern, "*@noreply.example.com");
        let again = add(
            &db,
            &admin,
            &body(json!({"pattern": "*@noreply.EXAMPLE.com"})),
        )
        .await;
        assert!(
            !again.unwrap_err().field_messages("pattern").is_empty(),
            "once on the list"
        );
        assert_eq!(
            matching(&db, "Alerts@noreply.example.com").await.unwrap(),
            Some("*@noreply.example.com".to_owned())
        );
        assert_eq!(matching(&db, "ann@example.com").await.unwrap(), None);
        let page = list(&db, &admin, PageRequest::default()).await.unwrap();
        assert_eq!(page.count, 1);
        delete(&db, &admin, entry.id).await.unwrap();
        assert_eq!(
            matching(&db, "alerts@noreply.example.com").await.unwrap(),
            None
        );
        assert_eq!(delete(&db, &admin, entry.id).await, Err(AppError::NotFound));
    }
}
