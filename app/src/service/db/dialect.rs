//! The SQL that differs between SQLite and PostgreSQL, in one place. Everything else in the
//! service layer is written once for both (`$N` placeholders, portable SQL).

use super::Backend;

/// The engine behind a connection (for code handed a connection rather than a `Db`).
pub fn of(conn: &sqlx::AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("PostgreSQL") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A subquery over a JSON array of integers bound at `param` (`$N`): `x in (<this>)`.
pub fn json_ints(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("select value from json_each({param})"),
        Backend::Postgres => {
            format!("select value::bigint from jsonb_array_elements_text({param}::jsonb) as value")
        }
    }
}

/// A table-valued source whose `value` column holds each string of the JSON array in `expr`.
pub fn json_texts(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_each({expr})"),
        Backend::Postgres => format!("jsonb_array_elements_text({expr}::jsonb)"),
    }
}

/// `column` equals the value bound at `param`, ASCII case-insensitively (e-mail addresses).
pub fn eq_nocase(backend: Backend, column: &str, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{column} = {param} collate nocase"),
        Backend::Postgres => format!("lower({column}) = lower({param})"),
    }
}

/// `column` as a sort key that ignores case.
pub fn nocase(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{column} collate nocase"),
        Backend::Postgres => format!("lower({column})"),
    }
}

/// Ids of tickets whose title, description or submitter e-mail contains the text bound at
/// `param`, or one of whose custom field values does, case-insensitively. SQLite answers from
/// its FTS5 trigram indexes (the value bound is a quoted phrase, `fts_phrase`); PostgreSQL
/// from pg_trgm indexes with ILIKE (the value bound is a pattern, `like_pattern`).
pub fn ticket_text_search(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            "select rowid from tickets_fts where tickets_fts match {param} union \
             select ticket from ticket_custom_field_values where id in \
             (select rowid from ticket_custom_values_fts where ticket_custom_values_fts match {param})"
        ),
        Backend::Postgres => format!(
            "select id from tickets where title ilike {param} or description ilike {param} \
             or submitter_email ilike {param} union \
             select ticket from ticket_custom_field_values where value ilike {param}"
        ),
    }
}

/// The value `ticket_text_search` binds for `text`.
pub fn search_value(backend: Backend, text: &str) -> String {
    match backend {
        // A quoted phrase matches as a substring, case-insensitively.
        Backend::Sqlite => format!("\"{}\"", text.replace('"', "\"\"")),
        Backend::Postgres => {
            let escaped = text
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_pattern_matches_its_text_literally() {
        assert_eq!(
            search_value(Backend::Postgres, "50%_a\\b"),
            "%50\\%\\_a\\\\b%"
        );
        assert_eq!(
            search_value(Backend::Sqlite, "say \"hi\""),
            "\"say \"\"hi\"\"\""
        );
    }
}
