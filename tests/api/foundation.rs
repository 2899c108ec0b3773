//! The foundation: pages and assets are served, the commands work, bad configuration fails
//! cleanly, and the server stops on SIGTERM.

use crate::helpers::*;

#[tokio::test]
async fn home_page_is_server_rendered_html_with_the_hydration_scripts() {
    let app = spawn_app().await;
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let body = resp.text().await.unwrap();
    assert!(
        body.starts_with("<!DOCTYPE html>"),
        "{}",
        &body[..body.len().min(200)]
    );
    assert!(
        body.contains("<header class=\"site-header\""),
        "server-rendered layout missing"
    );
    assert!(
        body.contains("/pkg/helpdesk.js"),
        "hydration script missing"
    );
    assert!(body.contains("/pkg/helpdesk.css"), "stylesheet missing");
}

#[tokio::test]
async fn wasm_js_and_css_assets_are_served() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/pkg/helpdesk.js", "javascript"),
        ("/pkg/helpdesk_bg.wasm", "application/wasm"),
        ("/pkg/helpdesk.css", "text/css"),
    ] {
        let resp = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.contains(kind), "{path}: {ct}");
        assert!(!resp.bytes().await.unwrap().is_empty(), "{path} is empty");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn a_created_superuser_can_sign_in_and_a_wrong_password_cannot() {
    let app = spawn_app().await;
    let login = |password: &'static str| {
        app.client
            .post(app.url("/sfn/login"))
            .header("origin", app.base.clone())
            .form(&[("username", ADMIN), ("password", password), ("next", "/")])
            .send()
    };
    let bad = login("wrong-password").await.unwrap();
    assert!(
        !bad.status().is_redirection(),
        "wrong password was accepted"
    );
    assert!(bad.status().is_client_error(), "{}", bad.status());

    let ok = login(ADMIN_PASSWORD).await.unwrap();
    assert!(ok.status().is_redirection(), "{}", ok.status());
    assert_eq!(ok.headers()["location"], "/");
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("helpdesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // The session now names the admin on the dashboard.
    let page = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Welcome, admin"), "{page}");
}

#[tokio::test]
async fn a_second_createsuperuser_with_the_same_name_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let first = create_superuser(dir.path(), "root", "first-pass-1");
    assert!(first.status.success(), "{first:?}");
    let second = create_superuser(dir.path(), "root", "second-pass-2");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("A user with that username already exists."),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn migrate_twice_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_cmd(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{first:?}");
    let pool = sqlx::SqlitePool::connect(&db_url(dir.path()))
        .await
        .unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let applied = count().await;
    assert!(applied >= 1);
    let second = run_cmd(dir.path(), &["migrate"], &[]);
    assert!(second.status.success(), "{second:?}");
    assert_eq!(count().await, applied);
    let tables: Vec<String> =
        sqlx::query_scalar("select name from sqlite_master where type = 'table' order by name")
            .fetch_all(&pool)
            .await
            .unwrap();
    for t in [
        "custom_fields",
        "followup_attachments",
        "followups",
        "queues",
        "ticket_changes",
        "ticket_custom_field_values",
        "tickets",
        "tower_sessions",
        "users",
    ] {
        assert!(
            tables.iter().any(|n| n == t),
            "missing table {t}: {tables:?}"
        );
    }
}

#[tokio::test]
async fn the_server_stops_cleanly_on_sigterm() {
    let mut app = spawn_app().await;
    assert_eq!(
        app.client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let status = app.terminate();
    assert!(status.success(), "exit status {status:?}");
    let rest: Vec<String> = app.log.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

fn assert_one_clear_line(out: &std::process::Output, expect: &str) {
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(expect), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[tokio::test]
async fn bad_configuration_ends_with_a_clear_message_and_a_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cmd(
        dir.path(),
        &["migrate", "--database", "postgres://x/y"],
        &[],
    );
    assert_one_clear_line(&out, "invalid database URL");
    let out = run_cmd(
        dir.path(),
        &[
            "migrate",
            "--database",
            "sqlite:///nonexistent-dir/x/helpdesk.db",
        ],
        &[],
    );
    assert_one_clear_line(&out, "cannot open database");
    let out = run_cmd(dir.path(), &["serve", "--addr", "not-an-address"], &[]);
    assert_one_clear_line(&out, "invalid address");

    let app = spawn_app().await;
    let taken = app.base.trim_start_matches("http://").to_owned();
    let other = tempfile::tempdir().unwrap();
    let out = run_cmd(other.path(), &["serve", "--addr", &taken], &[]);
    assert_one_clear_line(&out, "cannot listen on");
}
