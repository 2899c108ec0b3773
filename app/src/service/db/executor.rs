//! `&Db` runs statements as its pool does: service code passes the handle where sqlx wants an
//! executor, and keeps the per-database state (write queue, caches) within reach.
//!
//! A statement that changes rows outside a write transaction (an autocommit `insert`, say)
//! drops this database's cached reads once it has run, as a commit does.

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, StreamExt};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::{Any, Describe, Either, Error, Execute, Executor};

use super::Db;

/// Whether `sql` can change rows (what a cache must hear about).
fn writes(sql: &str) -> bool {
    let head = sql.trim_start();
    let word = head
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["insert", "update", "delete", "with", "replace"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

impl<'c> Executor<'c> for &'c Db {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if !writes(query.sql()) {
            return self.pool.fetch_many(query);
        }
        let data = self.data_version();
        self.pool
            .fetch_many(query)
            .inspect(move |item| {
                if matches!(item, Ok(Either::Left(_)) | Err(_)) {
                    data.committed();
                }
            })
            .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if !writes(query.sql()) {
            return self.pool.fetch_optional(query);
        }
        Box::pin(async move {
            let result = self.pool.fetch_optional(query).await;
            self.committed();
            result
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, Error>>
    where
        'c: 'e,
    {
        self.pool.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, Error>>
    where
        'c: 'e,
    {
        self.pool.describe(sql)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_that_change_rows_are_told_apart() {
        assert!(super::writes("  INSERT into t values (1)"));
        assert!(super::writes("update t set a = 1"));
        assert!(super::writes("delete from t"));
        assert!(!super::writes("select count(*) from tickets"));
        assert!(!super::writes("selectinsert"));
    }
}
