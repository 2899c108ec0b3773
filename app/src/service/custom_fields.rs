//! Custom field definitions: staff read them, superusers write them. Deleting a field
//! removes every ticket's value for it (the foreign key cascades).

use crate::service::db::Db;

use crate::domain::custom_field::{CustomField, CustomFieldInput, DataType};
use crate::domain::page::{Page, PageRequest};
use crate::domain::user::CurrentUser;
use crate::domain::{NOT_BLANK, REQUIRED};
use crate::error::AppError;
use crate::service::preconditions::IfMatch;
use crate::service::{require_staff, require_superuser};

#[derive(sqlx::FromRow)]
struct CustomFieldRow {
    id: i64,
    name: String,
    label: String,
    help_text: String,
    data_type: String,
    max_length: Option<i64>,
    decimal_places: Option<i64>,
    list_values: String,
    empty_selection_list: i64,
    required: i64,
    staff_only: i64,
    ordering: Option<i64>,
}

impl From<CustomFieldRow> for CustomField {
    fn from(r: CustomFieldRow) -> Self {
        CustomField {
            id: r.id,
            name: r.name,
            label: r.label,
            help_text: r.help_text,
            // The column's check constraint allows only the 13 names.
            data_type: DataType::parse(&r.data_type).unwrap_or(DataType::Varchar),
            max_length: r.max_length,
            decimal_places: r.decimal_places,
            list_values: r.list_values,
            empty_selection_list: r.empty_selection_list != 0,
            required: r.required != 0,
            staff_only: r.staff_only != 0,
            ordering: r.ordering,
        }
    }
}

const COLUMNS: &str = "id, name, label, help_text, data_type, max_length, decimal_places, \
    list_values, empty_selection_list, required, staff_only, ordering";
pub const NAME_TAKEN: &str = "custom field with this name already exists.";

/// Every definition, in display order (ordering, then id). For building ticket objects.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn all<'e, E>(executor: E) -> Result<Vec<CustomField>, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as::<_, CustomFieldRow>(&format!(
        "select {COLUMNS} from custom_fields order by ordering is null, ordering, id"
    ))
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(Into::into)
    .collect())
}

/// Every definition, as `all` reads them, for the read paths that ask on every request
/// (each ticket shown carries its custom values); exact, see `cache`.
///
/// # Errors
/// `Internal` on a database failure.
pub async fn all_cached(pool: &Db) -> Result<Vec<CustomField>, AppError> {
    pool.caches()
        .custom_fields
        .get_or_load((), || all(pool))
        .await
}

/// A page of definitions.
///
/// # Errors
/// `Forbidden` for non-staff; `NotFoundDetail` for a page past the end.
pub async fn list(
    pool: &Db,
    actor: &CurrentUser,
    page: PageRequest,
) -> Result<Page<CustomField>, AppError> {
    require_staff(actor)?;
    let (count, request, rows) =
        super::db::page_by_id::<CustomFieldRow>(pool, "custom_fields", COLUMNS, None, page).await?;
    Ok(Page {
        count,
        request,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

async fn find(pool: &Db, id: i64) -> Result<CustomField, AppError> {
    sqlx::query_as::<_, CustomFieldRow>(&format!(
        "select {COLUMNS} from custom_fields where id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .map(Into::into)
    .ok_or(AppError::NotFound)
}

/// One definition.
///
/// # Errors
/// `Forbidden` for non-staff, `NotFound`.
pub async fn get(pool: &Db, actor: &CurrentUser, id: i64) -> Result<CustomField, AppError> {
    require_staff(actor)?;
    find(pool, id).await
}

/// Applies the input to `base` (a new field's defaults or the stored one) and checks the
/// result as a whole.
async fn merge(
    pool: &Db,
    mut input: CustomFieldInput,
    base: CustomField,
) -> Result<CustomField, AppError> {
    if let Some(name) = &input.name {
        let other: Option<i64> = sqlx::query_scalar(
            "select id from custom_fields where name = $1 and id is distinct from $2",
        )
        .bind(name)
        .bind(if base.id == 0 { None } else { Some(base.id) })
        .fetch_optional(pool)
        .await?;
        if other.is_some() {
            input.errors.add("name", NAME_TAKEN);
        }
    }
    let field = CustomField {
        id: base.id,
        name: input.name.unwrap_or(base.name),
        label: input.label.unwrap_or(base.label),
        help_text: input.help_text.unwrap_or(base.help_text),
        data_type: input.data_type.unwrap_or(base.data_type),
        max_length: input.max_length.unwrap_or(base.max_length),
        decimal_places: input.decimal_places.unwrap_or(base.decimal_places),
        list_values: input.list_values.unwrap_or(base.list_values),
        empty_selection_list: input
            .empty_selection_list
            .unwrap_or(base.empty_selection_list),
        required: input.required.unwrap_or(base.required),
        staff_only: input.staff_only.unwrap_or(base.staff_only),
        ordering: input.ordering.unwrap_or(base.ordering),
    };
    if field.data_type == DataType::List && field.choices().is_empty() {
        input.errors.add(
            "list_values",
            "A list field needs at least one choice, one a line.",
        );
    }
    if field.data_type == DataType::Decimal
        && let (Some(m), Some(p)) = (field.max_length, field.decimal_places)
        && p > m
    {
        input.errors.add(
            "decimal_places",
            "Ensure decimal_places is no more than max_length.",
        );
    }
    input.errors.into_result()?;
    Ok(field)
}

/// Defines a new custom field.
///
/// # Errors
/// `Forbidden` unless superuser; `Validation`.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn create(
    pool: &Db,
    actor: &CurrentUser,
    input: CustomFieldInput,
) -> Result<CustomField, AppError> {
    require_superuser(actor)?;
    let base = CustomField {
        id: 0,
        name: String::new(),
        label: String::new(),
        help_text: String::new(),
        data_type: DataType::Varchar,
        max_length: None,
        decimal_places: None,
        list_values: String::new(),
        empty_selection_list: false,
        required: false,
        staff_only: false,
        ordering: None,
    };
    let f = merge(pool, input, base).await?;
    if f.name.is_empty() || f.label.is_empty() {
        return Err(AppError::field(
            "name",
            if f.name.is_empty() {
                REQUIRED
            } else {
                NOT_BLANK
            },
        ));
    }
    write(pool, f, None, None).await
}

/// Inserts `f` (no `id`) or stores it over field `id`. `expect` is the update's `If-Match`
/// and the stored field `f` was merged onto: checked inside the write.
async fn write(
    pool: &Db,
    f: CustomField,
    id: Option<i64>,
    expect: Option<(&IfMatch, &CustomField)>,
) -> Result<CustomField, AppError> {
    let mut tx = super::db::begin_write(pool).await?;
    if let (Some(id), Some((if_match, old))) = (id, expect) {
        let current = find(pool, id).await?;
        super::preconditions::check(Some(if_match), std::future::ready(Ok(&current))).await?;
        // Changed between the merge and the lock (the tag matched the newer one): refused
        // rather than written over with the older values.
        if &current != old {
            let etag = super::preconditions::etag_of(&current);
            return Err(AppError::PreconditionFailed { etag });
        }
    }
    let sql = match id {
        None => format!(
            "insert into custom_fields (name, label, help_text, data_type, max_length, \
             decimal_places, list_values, empty_selection_list, required, staff_only, ordering) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning {COLUMNS}"
        ),
        Some(_) => format!(
            "update custom_fields set name = $1, label = $2, help_text = $3, data_type = $4, \
             max_length = $5, decimal_places = $6, list_values = $7, empty_selection_list = $8, \
             required = $9, staff_only = $10, ordering = $11 where id = $12 returning {COLUMNS}"
        ),
    };
    let result = sqlx::query_as::<_, CustomFieldRow>(&sql)
        .bind(&f.name)
        .bind(&f.label)
        .bind(&f.help_text)
        .bind(f.data_type.as_str())
        .bind(f.max_length)
        .bind(f.decimal_places)
        .bind(&f.list_values)
        .bind(i64::from(f.empty_selection_list))
        .bind(i64::from(f.required))
        .bind(i64::from(f.staff_only))
        .bind(f.ordering)
        .bind(id)
        .fetch_one(&mut *tx)
        .await;
    match result {
        Ok(row) => {
            if id.is_none() {
                super::idempotency::created("custom_fields", row.id);
            }
            tx.commit().await?;
            Ok(row.into())
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(AppError::field("name", NAME_TAKEN))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a definition (PUT or PATCH). Stored values are kept as they are.
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`; `Validation`.
pub async fn update(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: CustomFieldInput,
) -> Result<CustomField, AppError> {
    update_if_match(pool, actor, id, input, None).await
}

/// `update`, only if the definition's current ETag matches `if_match` (when given), checked
/// inside the write.
///
/// # Errors
/// As `update`; `PreconditionFailed` with the current ETag; nothing is written then.
#[tracing::instrument(skip(pool, actor, input))]
pub async fn update_if_match(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    input: CustomFieldInput,
    if_match: Option<&IfMatch>,
) -> Result<CustomField, AppError> {
    require_superuser(actor)?;
    let old = find(pool, id).await?;
    let f = merge(pool, input, old.clone()).await?;
    write(pool, f, Some(id), if_match.map(|m| (m, &old))).await
}

/// Removes a definition and every ticket's value for it.
///
/// # Errors
/// `Forbidden` unless superuser; `NotFound`.
pub async fn delete(pool: &Db, actor: &CurrentUser, id: i64) -> Result<(), AppError> {
    delete_if_match(pool, actor, id, None).await
}

/// `delete`, only if the definition's current ETag matches `if_match` (when given), checked
/// inside the write.
///
/// # Errors
/// As `delete`; `PreconditionFailed` with the current ETag; nothing is deleted then.
#[tracing::instrument(skip(pool, actor))]
pub async fn delete_if_match(
    pool: &Db,
    actor: &CurrentUser,
    id: i64,
    if_match: Option<&IfMatch>,
) -> Result<(), AppError> {
    require_superuser(actor)?;
    let mut tx = super::db::begin_write(pool).await?;
    super::preconditions::check(if_match, find(pool, id)).await?;
    let done = sqlx::query("delete from custom_fields where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}
