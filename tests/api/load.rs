//! Shared by the durability tests (crash, concurrency, deletion, backup, shutdown): a server on
//! a folder that outlives it, writes with attachments, and checks of what is stored.
// Not every test module uses every helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::*;

/// A small xorshift generator: enough randomness for kill moments and file contents, seeded
/// from the clock and printed so that a failing run can be replayed (set `TEST_SEED`).
pub struct Rng(u64);

impl Rng {
    pub fn new(name: &str) -> Self {
        let seed = std::env::var("TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        eprintln!("{name}: TEST_SEED={seed}");
        Rng(seed)
    }

    /// A generator for a task of its own, seeded from this one.
    pub fn from_seed(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A database and media folder that survive the servers started on them.
pub struct Store {
    pub dir: tempfile::TempDir,
}

impl Store {
    /// A fresh folder with the admin superuser.
    pub fn new() -> Self {
        // Made first, so that a failure below still drops its database.
        let store = Store {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        let out = create_superuser(store.path(), ADMIN, ADMIN_PASSWORD);
        assert!(out.status.success(), "createsuperuser failed: {out:?}");
        store
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_url(&self) -> String {
        db_url(self.path())
    }

    pub fn media(&self) -> PathBuf {
        self.path().join("media")
    }

    /// Starts a server on this store (its own TestApp folder stays empty).
    pub fn serve(&self) -> TestApp {
        self.serve_with(&[])
    }

    /// `serve` with more settings.
    pub fn serve_with(&self, envs: &[(&str, &str)]) -> TestApp {
        let db = self.db_url();
        let media = self.media();
        let mut all = vec![
            ("DATABASE_URL", db.as_str()),
            ("HELPDESK_MEDIA_ROOT", media.to_str().unwrap()),
        ];
        all.extend_from_slice(envs);
        spawn_in(tempfile::tempdir().expect("tempdir"), &all)
    }

    /// A connection pool on the database, for checks made outside the server.
    pub async fn pool(&self) -> sqlx::AnyPool {
        connect(&self.db_url()).await
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        drop_pg_database(self.path());
    }
}

/// `pragma integrity_check` of the SQLite database behind `pool`, which must be "ok". On
/// PostgreSQL there is nothing to ask: its WAL replay after a crash is its own business, and
/// what the tests can see (nothing half-written, every acknowledged write there) is checked
/// on both backends.
pub async fn assert_integrity(pool: &sqlx::AnyPool) {
    if pool
        .connect_options()
        .database_url
        .scheme()
        .starts_with("postgres")
    {
        return;
    }
    let rows: Vec<String> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(rows, vec!["ok".to_owned()], "integrity_check");
}

/// Creates a ticket with one attachment (multipart) as the admin; answers the status and the
/// ticket's JSON, or None when the request did not get an answer.
pub async fn post_ticket_with_file(
    client: &reqwest::Client,
    base: &str,
    queue: i64,
    title: &str,
    file: &[u8],
) -> Option<(u16, Value)> {
    let form = Form::new()
        .text("queue", queue.to_string())
        .text("title", title.to_owned())
        .text("description", format!("about {title}"))
        .part(
            "attachment",
            Part::bytes(file.to_vec())
                .file_name(format!("{title}.bin"))
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    send_form(client, Method::POST, &format!("{base}/api/tickets/"), form).await
}

/// Adds a followup with one attachment (multipart) as the admin.
pub async fn post_followup_with_file(
    client: &reqwest::Client,
    base: &str,
    ticket: i64,
    comment: &str,
    file: &[u8],
) -> Option<(u16, Value)> {
    let form = Form::new()
        .text("ticket", ticket.to_string())
        .text("comment", comment.to_owned())
        .part(
            "attachments",
            Part::bytes(file.to_vec())
                .file_name(format!("{comment}.bin"))
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    send_form(
        client,
        Method::POST,
        &format!("{base}/api/followups/"),
        form,
    )
    .await
}

async fn send_form(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    form: Form,
) -> Option<(u16, Value)> {
    let resp = client
        .request(method, url)
        .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
        .multipart(form)
        .send()
        .await
        .ok()?;
    let status = resp.status().as_u16();
    let text = resp.text().await.ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Every attachment row's bytes exist with the recorded size (in the database, else as its
/// file under `media`), and no ticket lacks its opening followup: nothing half-written is
/// visible.
pub async fn assert_nothing_half_written(pool: &sqlx::AnyPool, media: &Path) {
    let rows: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(
        "select a.id, a.file, a.size, \
         (select length(c.bytes) from attachment_contents c where c.attachment = a.id) \
         from followup_attachments a",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (id, file, size, in_database) in rows {
        if let Some(len) = in_database {
            assert_eq!(len, size, "attachment {id}: its bytes are cut short");
            continue;
        }
        let meta = std::fs::metadata(media.join(&file))
            .unwrap_or_else(|e| panic!("attachment {id}: {file} is missing: {e}"));
        assert_eq!(
            meta.len() as i64,
            size,
            "attachment {id}: {file} is cut short"
        );
    }
    let bare: Vec<i64> = sqlx::query_scalar(
        "select id from tickets t where not exists \
         (select 1 from followups f where f.ticket = t.id and f.title like 'Ticket Opened%')",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(
        bare.is_empty(),
        "tickets without their opening followup: {bare:?}"
    );
}

/// The files under `dir`, recursively (temporary `.part` files included).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}
