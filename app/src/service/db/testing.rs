//! A fresh, migrated database for one service test: SQLite in a temporary folder, or, when
//! `HELPDESK_TEST_PG` names a PostgreSQL server (the test command sets it for its second
//! run), a new database on it. The same test code runs on both.

use std::hash::{BuildHasher, Hasher};

use super::{Db, connect_and_migrate};

/// A test's database; the SQLite folder lives as long as this.
pub struct TestDb {
    pub db: Db,
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A second handle on the same database, as another server process would open it.
    ///
    /// # Panics
    /// When the database cannot be opened again.
    pub async fn another(&self) -> Db {
        super::connect(&self.url)
            .await
            .expect("reopen test database")
    }
}

impl std::ops::Deref for TestDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

/// # Panics
/// When the database cannot be made: the test cannot run.
pub async fn db() -> TestDb {
    if let Ok(admin) = std::env::var("HELPDESK_TEST_PG") {
        let name = unique_name();
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("test PostgreSQL");
        sqlx::query(&format!("create database {name}"))
            .execute(&pool)
            .await
            .expect("create test database");
        pool.close().await;
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("HELPDESK_TEST_PG must end in /DATABASE"),
        };
        let db = connect_and_migrate(&url)
            .await
            .expect("migrate test database");
        return TestDb {
            db,
            url,
            _dir: None,
        };
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = connect_and_migrate(&url).await.expect("test database");
    TestDb {
        db,
        url,
        _dir: Some(dir),
    }
}

/// A random name: `RandomState` is seeded afresh for each call.
fn unique_name() -> String {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    format!("hd_unit_{random:016x}")
}
