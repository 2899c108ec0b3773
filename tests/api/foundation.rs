//! The foundation: pages and assets are served, the commands work, bad configuration fails
//! cleanly, and the server stops on SIGTERM.

use crate::helpers::*;

#[tokio::test]
async fn home_page_is_server_rendered_html_with_the_hydration_scripts() {
    let app = spawn_app().await;
    // Anonymous visitors are sent to sign in, and back afterwards.
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=/");
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
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
    let assets = asset_paths(&body);
    assert!(
        assets.iter().any(|a| a.ends_with(".js")),
        "hydration script missing: {assets:?}"
    );
    assert!(
        assets.iter().any(|a| a.ends_with(".css")),
        "stylesheet missing: {assets:?}"
    );
}

#[tokio::test]
async fn wasm_js_and_css_assets_are_served() {
    let app = spawn_app().await;
    // The page must point at the files that are actually served.
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    let html = login.text().await.unwrap();
    let assets = asset_paths(&html);
    for (ext, kind) in [
        (".js", "javascript"),
        (".wasm", "application/wasm"),
        (".css", "text/css"),
    ] {
        let path = assets
            .iter()
            .find(|a| a.ends_with(ext))
            .unwrap_or_else(|| panic!("no {ext} asset in the page: {assets:?}"));
        // Hashed names (`helpdesk.<hash>.js`): a new build gets new names, so they may be
        // cached for a year.
        let name = path.trim_start_matches("/pkg/");
        assert!(
            name.starts_with("helpdesk.") && name.matches('.').count() == 2,
            "{path} has no content hash"
        );
        let resp = app
            .client
            .get(app.url(path))
            .header("accept-encoding", "gzip, deflate, br")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let header = |h: &str| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header("content-type").contains(kind), "{path}");
        // Compressed once at build time at brotli's best ratio, not per request.
        assert_eq!(header("content-encoding"), "br", "{path}");
        assert_eq!(
            header("cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert!(!resp.bytes().await.unwrap().is_empty(), "{path} is empty");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
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
    // As a plain HTML form posts it (no JavaScript): answers are redirects.
    let login = |password: &'static str| {
        app.client
            .post(app.url("/sfn/login"))
            .header("origin", app.base.clone())
            .header("referer", app.url("/login"))
            .header("accept", "text/html")
            .form(&[("username", ADMIN), ("password", password), ("next", "/")])
            .send()
    };
    let bad = login("wrong-password").await.unwrap();
    assert_eq!(bad.status(), 302);
    let back = bad.headers()["location"].to_str().unwrap();
    assert!(
        back.starts_with(&app.url("/login?")) && back.contains("__err="),
        "{back}"
    );
    assert!(
        !bad.headers().contains_key("set-cookie"),
        "no session for a wrong password"
    );

    // As the hydrated app calls it: the error's own status.
    let api_style = post_login(&app, &app.client, ADMIN, "wrong-password").await;
    assert_eq!(api_style.status(), 401);

    let ok = login(ADMIN_PASSWORD).await.unwrap();
    assert_eq!(ok.status(), 302);
    assert_eq!(ok.headers()["location"], "/");
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("helpdesk_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // The session now names the admin on the dashboard.
    let page = app.page("/").await;
    assert!(
        page.contains("Sign out") && page.contains(">admin<"),
        "{page}"
    );
}

#[tokio::test]
async fn a_cross_site_post_with_the_session_cookie_is_refused() {
    let app = spawn_app().await;
    let ok = post_login(&app, &app.client, ADMIN, ADMIN_PASSWORD).await;
    assert!(ok.status().is_success() || ok.status().is_redirection());
    let forged = app
        .client
        .post(app.url("/sfn/logout"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let page = app.page("/").await;
    assert!(page.contains("Sign out"), "the forged logout took effect");
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
    let pool = connect(&db_url(dir.path())).await;
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
    let catalog = if on_pg() {
        "select table_name::text from information_schema.tables \
         where table_schema = current_schema() order by 1"
    } else {
        "select name from sqlite_master where type = 'table' order by name"
    };
    let tables: Vec<String> = sqlx::query_scalar(catalog).fetch_all(&pool).await.unwrap();
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

/// The README's "The first admin" promises that the server says how to create one.
#[tokio::test]
async fn a_server_without_users_says_how_to_create_the_first_admin() {
    let empty = spawn_in(tempfile::tempdir().unwrap(), &[]);
    let line = empty
        .log
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a line after the listening line");
    assert!(
        line.contains("no user yet")
            && line.contains("helpdesk createsuperuser --username admin --email"),
        "{line}"
    );

    // With an admin there is nothing to say: the server stays quiet until it is stopped.
    let mut app = spawn_app().await;
    let status = app.terminate();
    assert!(status.success(), "exit status {status:?}");
    let rest: Vec<String> = app.log.try_iter().collect();
    assert!(
        !rest.iter().any(|l| l.contains("createsuperuser")),
        "{rest:?}"
    );
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
    let out = run_cmd(dir.path(), &["migrate", "--database", "mysql://x/y"], &[]);
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

/// Issue 12.9: every setting is a flag with its environment variable, listed by `--help`.
#[test]
fn serve_help_lists_every_setting_with_its_environment_variable() {
    let out = std::process::Command::new(bin())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "LEPTOS_SITE_ADDR",
        "DATABASE_URL",
        "HELPDESK_MEDIA_ROOT",
        "LEPTOS_SITE_ROOT",
        "HELPDESK_ACTIVATE_API_ENDPOINT",
        "HELPDESK_MAX_BODY_BYTES",
        "HELPDESK_SESSION_IDLE_SECONDS",
        "HELPDESK_SESSION_MAX_AGE_SECONDS",
        "HELPDESK_SECURE_COOKIES",
        "HELPDESK_MAX_FILE_BYTES",
        "HELPDESK_LOGIN_MAX_FAILURES",
        "HELPDESK_LOGIN_WINDOW_SECONDS",
        "HELPDESK_PUBLIC_URL",
    ] {
        assert!(
            help.contains(&format!("[env: {var}")),
            "{var} missing: {help}"
        );
    }
}

#[tokio::test]
async fn a_bad_setting_is_named_in_one_line_and_a_blank_one_is_unset() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, expect) in [
        (
            "HELPDESK_MAX_BODY_BYTES",
            "ten",
            "HELPDESK_MAX_BODY_BYTES must be a positive number, not \"ten\"",
        ),
        (
            "HELPDESK_SECURE_COOKIES",
            "maybe",
            "HELPDESK_SECURE_COOKIES must be true or false, not \"maybe\"",
        ),
        (
            "HELPDESK_PUBLIC_URL",
            "help.example.com",
            "HELPDESK_PUBLIC_URL must be an http(s) URL",
        ),
    ] {
        let out = run_cmd(dir.path(), &["serve"], &[(var, value)]);
        assert_one_clear_line(&out, expect);
    }
    // Blank means unset: the default applies.
    let app = spawn_app_with(&[
        ("HELPDESK_MAX_BODY_BYTES", " "),
        ("HELPDESK_PUBLIC_URL", ""),
    ])
    .await;
    let (status, _) = admin_json(&app, reqwest::Method::GET, "/api/tickets/", None).await;
    assert_eq!(status, 200);
}
