//! Starting the real server for a test, and talking to it.
//!
//! The backend (issue 13): SQLite files in temporary folders, or PostgreSQL when
//! `HELPDESK_TEST_PG` holds the admin URL of a cluster (`eval "$(scripts/pg.sh start)"`); then
//! each test folder gets a database of its own there. The same tests run on both.
// Helpers serve every test module; not each one uses all of them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Once, mpsc};
use std::time::Duration;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-pass-123";

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_helpdesk"))
}

/// The site built by `scripts/build.sh` (wasm, js, css).
pub fn site_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/site")
}

pub struct TestApp {
    pub base: String,
    pub dir: tempfile::TempDir,
    pub child: Child,
    pub client: reqwest::Client,
    /// Lines the server wrote to stderr after the listening line.
    pub log: mpsc::Receiver<String>,
}

impl TestApp {
    pub fn db_url(&self) -> String {
        db_url(self.dir.path())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The body of a GET with this app's cookies (a page as the signed-in browser sees it).
    pub async fn page(&self, path: &str) -> String {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        res.text().await.unwrap()
    }

    pub fn media_root(&self) -> PathBuf {
        self.dir.path().join("media")
    }

    /// A request with the admin's Basic credentials.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(ADMIN, Some(ADMIN_PASSWORD))
    }

    pub fn as_user(
        &self,
        method: reqwest::Method,
        path: &str,
        user: &str,
        password: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(user, Some(password))
    }

    /// Sends SIGTERM and waits for the process to end.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("server did not stop within 10 s of SIGTERM");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failing test shows what its server logged (a 500's cause is only there).
        if std::thread::panicking() {
            for line in self.log.try_iter().filter(|l| !l.contains(" INFO ")) {
                eprintln!("server {}: {line}", self.base);
            }
        }
        drop_pg_database(self.dir.path());
    }
}

/// The admin URL of the PostgreSQL cluster the tests run on, if they do (`HELPDESK_TEST_PG`,
/// ending in a database name, as scripts/pg.sh prints it).
pub fn pg_admin_url() -> Option<String> {
    std::env::var("HELPDESK_TEST_PG")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

pub fn on_pg() -> bool {
    pg_admin_url().is_some()
}

/// In a test folder on PostgreSQL, the file that names the folder's database. Its name starts
/// like SQLite's file, so checks of what else is in the folder pass over both alike.
const PG_DATABASE_FILE: &str = "helpdesk.db.pg";

/// The database of the test folder `dir`: its SQLite file, or on PostgreSQL a fresh database
/// made on first use (and named in the folder, so every command on `dir` finds the same one).
pub fn db_url(dir: &Path) -> String {
    let Some(admin) = pg_admin_url() else {
        return format!("sqlite://{}", dir.join("helpdesk.db").display());
    };
    let file = dir.join(PG_DATABASE_FILE);
    let name = match std::fs::read_to_string(&file) {
        Ok(name) => name,
        Err(_) => {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let name = format!(
                "hd_{}_{}_{nanos}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            pg_admin_exec(&admin, &format!("create database {name}")).unwrap();
            std::fs::write(&file, &name).expect("write the database's name");
            name
        }
    };
    pg_url_of(&admin, &name)
}

/// `admin` with its database replaced by `name`.
fn pg_url_of(admin: &str, name: &str) -> String {
    let (base, query) = admin.split_once('?').unwrap_or((admin, ""));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let root = base[authority..]
        .find('/')
        .map_or(base, |i| &base[..authority + i]);
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    format!("{root}/{name}{query}")
}

/// Drops the PostgreSQL database of the test folder `dir`, if it has one (its servers must
/// be stopped; `with (force)` ends any connection left).
pub fn drop_pg_database(dir: &Path) {
    let file = dir.join(PG_DATABASE_FILE);
    if let (Some(admin), Ok(name)) = (pg_admin_url(), std::fs::read_to_string(&file)) {
        // Not a panic: this runs in Drop, maybe while a failed test unwinds.
        if let Err(e) = pg_admin_exec(
            &admin,
            &format!("drop database if exists {name} with (force)"),
        ) {
            eprintln!("{e}");
        }
        let _ = std::fs::remove_file(file);
    }
}

/// Runs one statement on the cluster's admin database. On a thread of its own with its own
/// runtime, so that it works from plain functions and `Drop` inside the tests' runtime too.
fn pg_admin_exec(admin: &str, sql: &str) -> Result<(), String> {
    let (admin, owned) = (admin.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let sql = owned;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .map_err(|e| format!("cannot connect to HELPDESK_TEST_PG: {e}"))?;
            let done = sqlx::raw_sql(&sql).execute(&mut conn).await;
            let _ = conn.close().await;
            done.map(drop).map_err(|e| format!("{sql}: {e}"))
        })
    })
    .join()
    .unwrap_or_else(|_| Err(format!("{sql}: the thread panicked")))
}

/// A pool on a test database of either backend, for checks made outside the server. Test
/// SQL is written once for both: `$1` placeholders, portable SQL, integers decoded as i64.
pub async fn connect(url: &str) -> sqlx::AnyPool {
    static DRIVERS: Once = Once::new();
    DRIVERS.call_once(sqlx::any::install_default_drivers);
    sqlx::AnyPool::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// Whether the caller chose the database itself (`DATABASE_URL` or `--database`), so that
/// the folder's own is not made for nothing.
fn names_database(args: &[&str], envs: &[(&str, &str)]) -> bool {
    args.iter().any(|a| a.starts_with("--database"))
        || envs.iter().any(|(k, _)| *k == "DATABASE_URL")
}

/// Runs a `helpdesk` subcommand against the database in `dir`.
pub fn run_cmd(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env_remove("HELPDESK_SUPERUSER_PASSWORD")
        .env_remove("LEPTOS_SITE_ADDR")
        .stdin(Stdio::null());
    if !names_database(args, envs) {
        cmd.env("DATABASE_URL", db_url(dir));
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run helpdesk")
}

pub fn create_superuser(dir: &Path, username: &str, password: &str) -> Output {
    run_cmd(
        dir,
        &[
            "createsuperuser",
            "--username",
            username,
            "--email",
            &format!("{username}@example.com"),
        ],
        &[("HELPDESK_SUPERUSER_PASSWORD", password)],
    )
}

/// Starts the server in a fresh temporary folder with an admin superuser.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(envs: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = create_superuser(dir.path(), ADMIN, ADMIN_PASSWORD);
    if !out.status.success() {
        drop_pg_database(dir.path());
        panic!("createsuperuser failed: {out:?}");
    }
    spawn_in(dir, envs)
}

/// Starts the server on `127.0.0.1:0` and reads the port it logs.
pub fn spawn_in(dir: tempfile::TempDir, envs: &[(&str, &str)]) -> TestApp {
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("HELPDESK_MEDIA_ROOT", dir.path().join("media"))
        .env("LEPTOS_SITE_ROOT", site_root())
        .env("RUST_LOG", "helpdesk=info,app=info")
        .env_remove("HELPDESK_ACTIVATE_API_ENDPOINT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if !names_database(&[], envs) {
        cmd.env("DATABASE_URL", db_url(dir.path()));
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn helpdesk serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server did not log its address within 30 s");
        if let Some(i) = line.find("listening on http://") {
            let addr = line[i + "listening on ".len()..].trim().to_owned();
            break addr;
        }
    };
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        base,
        dir,
        child,
        client,
        log: rx,
    }
}

/// Signs in through the login server function, as the hydrated app does; the client keeps
/// the session cookie.
/// Posts the sign-in form the way the browser does (this site's `Origin`) with `client`.
pub async fn post_login(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/sfn/login"))
        .header("origin", app.base.clone())
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

pub async fn sign_in(app: &TestApp, username: &str, password: &str) {
    let resp = post_login(app, &app.client, username, password).await;
    assert!(
        resp.status().is_success(),
        "sign-in failed: {}",
        resp.status()
    );
}

/// Sends `method path` as the admin with an optional JSON body; answers status and JSON body
/// (null when the body is not JSON).
pub async fn admin_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = app.admin(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

/// Status and JSON body of a request (null when the body is not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, value)
}

/// Rows in a table of the app's database.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    let pool = connect(&app.db_url()).await;
    let n = sqlx::query_scalar::<_, i64>(&format!("select count(*) from {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

/// Runs a query returning one text/number column of rows, for checks on stored state.
pub async fn query_strings(app: &TestApp, sql: &str) -> Vec<Option<String>> {
    let pool = connect(&app.db_url()).await;
    let rows: Vec<Option<String>> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

/// Creates a queue as the admin and returns its id.
pub async fn make_queue(app: &TestApp, slug: &str) -> i64 {
    let (status, body) = admin_json(
        app,
        reqwest::Method::POST,
        "/api/queues/",
        Some(serde_json::json!({"title": format!("Queue {slug}"), "slug": slug})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Creates a ticket as the admin from `body` and returns it.
pub async fn make_ticket(app: &TestApp, body: serde_json::Value) -> serde_json::Value {
    let (status, t) = admin_json(app, reqwest::Method::POST, "/api/tickets/", Some(body)).await;
    assert_eq!(status, 201, "{t}");
    t
}

/// Creates a user through the API as the admin; returns its id.
/// A ticket titled "T" in a new queue `desk`; its id.
pub async fn a_ticket(app: &TestApp) -> i64 {
    let q = make_queue(app, "desk").await;
    make_ticket(app, serde_json::json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap()
}

pub async fn make_user(app: &TestApp, username: &str, is_staff: bool) -> i64 {
    let (status, body) = admin_json(
        app,
        reqwest::Method::POST,
        "/api/users/",
        Some(serde_json::json!({
            "username": username,
            "password": USER_PASSWORD,
            "email": format!("{username}@example.com"),
            "is_staff": is_staff,
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

pub const USER_PASSWORD: &str = "user-pass-123";

/// The `/pkg/...` asset paths a page refers to, in order, without repeats.
pub fn asset_paths(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, _) in html.match_indices("/pkg/") {
        let path: String = html[i..]
            .chars()
            .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' ' | '<' | '>'))
            .collect();
        if !found.contains(&path) {
            found.push(path);
        }
    }
    found
}

/// Where a server keeps attachment bytes (`HELPDESK_ATTACHMENT_STORE`); the attachment tests
/// run once with each (`each_store!`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentStore {
    Files,
    Database,
}

impl AttachmentStore {
    pub fn env(self) -> (&'static str, &'static str) {
        let value = match self {
            Self::Files => "files",
            Self::Database => "database",
        };
        ("HELPDESK_ATTACHMENT_STORE", value)
    }
}

/// `spawn_app` keeping attachments in `store`.
pub async fn spawn_app_storing(store: AttachmentStore) -> TestApp {
    spawn_app_with(&[store.env()]).await
}

/// How many attachments' bytes the app holds: files under its media root, or rows of
/// `attachment_contents`, and then nothing at all may be under the media root.
pub async fn stored_files(app: &TestApp, store: AttachmentStore) -> usize {
    let files = crate::load::files_under(&app.media_root());
    match store {
        AttachmentStore::Files => files.len(),
        AttachmentStore::Database => {
            assert_eq!(files, Vec::<PathBuf>::new(), "written under the media root");
            usize::try_from(count(app, "attachment_contents").await).unwrap()
        }
    }
}

/// Turns `async fn name(store: AttachmentStore)` into the tests `name::files` and `name::database`:
/// the same test code, run once per attachment store.
#[macro_export]
macro_rules! each_store {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn files() {
                super::$name($crate::helpers::AttachmentStore::Files).await;
            }

            #[tokio::test]
            async fn database() {
                super::$name($crate::helpers::AttachmentStore::Database).await;
            }
        }
    };
}
