//! Issue 6, security: response headers, attachments that cannot run in the site's origin,
//! file names that cannot leave the media folder, sessions, the sign-in throttle, and secrets
//! kept out of the logs.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

/// A client that keeps no cookies, so that a test can replay an old one.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `helpdesk_session=...` from a response's Set-Cookie, with its attributes.
fn session_set_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("helpdesk_session="))
        .map(str::to_owned)
}

/// Just `helpdesk_session=VALUE`.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Signs in as the hydrated app does and answers the response.
async fn login(
    app: &TestApp,
    client: &reqwest::Client,
    user: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = client
        .post(app.url("/sfn/login"))
        .header("origin", app.base.clone())
        .form(&[("username", user), ("password", password)]);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header on {}", resp.url()))
        .to_str()
        .unwrap()
}

fn assert_common_headers(resp: &reqwest::Response) {
    assert_eq!(header(resp, "x-content-type-options"), "nosniff");
    assert_eq!(header(resp, "referrer-policy"), "same-origin");
    assert_eq!(header(resp, "x-frame-options"), "DENY");
    let csp = header(resp, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

async fn ticket_with_queue(app: &TestApp) -> i64 {
    let q = make_queue(app, "desk").await;
    make_ticket(app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn every_page_json_answer_and_asset_carries_the_security_headers() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let t = ticket_with_queue(&app).await;
    for path in [
        "/login".to_owned(),
        "/".to_owned(),
        "/tickets".to_owned(),
        format!("/tickets/{t}"),
        "/no/such/page".to_owned(),
    ] {
        let resp = app.client.get(app.url(&path)).send().await.unwrap();
        assert!(
            resp.status() == 200 || resp.status() == 404,
            "{path}: {}",
            resp.status()
        );
        assert_common_headers(&resp);
        let csp = header(&resp, "content-security-policy").to_owned();
        // Scripts: this site's files, and inline ones only with this response's nonce.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"))
            .to_owned();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        let html = resp.text().await.unwrap();
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{path}: no scripts at all");
        for s in scripts {
            let tag = &s[..s.find('>').unwrap()];
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: a script without this response's nonce: <script{tag}>"
            );
        }
    }
    // A second response gets another nonce.
    let a = app.client.get(app.url("/login")).send().await.unwrap();
    let b = app.client.get(app.url("/login")).send().await.unwrap();
    assert_ne!(
        header(&a, "content-security-policy"),
        header(&b, "content-security-policy")
    );
    // JSON, assets, redirects and errors: the strict policy (nothing runs, nothing frames).
    let anon = bare_client();
    let login = anon.get(app.url("/login")).send().await.unwrap();
    let script = asset_paths(&login.text().await.unwrap())
        .into_iter()
        .find(|a| a.ends_with(".js"))
        .expect("the page names its script");
    for resp in [
        app.admin(Method::GET, "/api/tickets/")
            .send()
            .await
            .unwrap(),
        anon.get(app.url("/api/tickets/")).send().await.unwrap(),
        anon.get(app.url(&script)).send().await.unwrap(),
        anon.get(app.url("/")).send().await.unwrap(),
    ] {
        assert_common_headers(&resp);
        assert!(
            header(&resp, "content-security-policy").starts_with("default-src 'none'"),
            "{}",
            resp.url()
        );
    }
}

/// Uploads `files` (name, content type, bytes) on a new followup; answers status and body.
async fn upload(
    app: &TestApp,
    ticket: i64,
    files: &[(&str, &str, &[u8])],
) -> (u16, serde_json::Value) {
    let mut form = Form::new()
        .text("ticket", ticket.to_string())
        .text("comment", "files");
    for (name, mime, bytes) in files {
        form = form.part(
            "attachments",
            Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str(mime)
                .unwrap(),
        );
    }
    send(app.admin(Method::POST, "/api/followups/").multipart(form)).await
}

#[tokio::test]
async fn an_uploaded_html_or_svg_file_is_only_ever_downloaded_never_rendered() {
    let app = spawn_app().await;
    let t = ticket_with_queue(&app).await;
    let html: &[u8] = b"<html><script>alert(document.cookie)</script></html>";
    let svg: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let (s, f) = upload(
        &app,
        t,
        &[
            ("page.html", "text/html", html),
            ("pic.svg", "image/svg+xml", svg),
            // Claimed as plain text: served so, and nosniff keeps the browser from deciding
            // it is HTML after all.
            ("sneaky.txt", "text/plain; charset=utf-8", html),
        ],
    )
    .await;
    assert_eq!(s, 201, "{f}");
    make_user(&app, "agent", true).await;
    make_user(&app, "customer", false).await;
    for a in f["followupattachment_set"].as_array().unwrap() {
        let url = a["url"].as_str().unwrap();
        // The type the uploader claimed is reported; it is used only when inert.
        let claimed = a["mime_type"].as_str().unwrap();
        let served = if claimed.starts_with("text/plain") {
            "text/plain"
        } else {
            assert!(["text/html", "image/svg+xml"].contains(&claimed), "{a}");
            "application/octet-stream"
        };
        let resp = app
            .as_user(Method::GET, url, "agent", USER_PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(header(&resp, "content-type"), served);
        let disposition = header(&resp, "content-disposition");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
        let csp = header(&resp, "content-security-policy");
        assert!(
            csp.contains("sandbox") && csp.contains("default-src 'none'"),
            "{csp}"
        );
        let body = resp.bytes().await.unwrap();
        assert!(body.as_ref() == html || body.as_ref() == svg);

        // Never to an anonymous caller, nor to a user without staff rights.
        let anon = bare_client().get(app.url(url)).send().await.unwrap();
        assert_eq!(anon.status(), 401);
        assert!(!anon.text().await.unwrap().contains("alert"));
        let customer = app
            .as_user(Method::GET, url, "customer", USER_PASSWORD)
            .send()
            .await
            .unwrap();
        assert_eq!(customer.status(), 403);
    }
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

#[tokio::test]
async fn file_names_cannot_leave_the_media_folder() {
    // About names on disk: the files store, whatever the backend's default.
    let app = spawn_app_storing(AttachmentStore::Files).await;
    let t = ticket_with_queue(&app).await;
    let long = "x".repeat(1000) + ".txt";
    let cases: Vec<(String, &str)> = vec![
        ("../../../escaped.txt".into(), "escaped.txt"),
        ("..\\..\\escaped2.txt".into(), "escaped2.txt"),
        ("/tmp/absolute.txt".into(), "absolute.txt"),
        ("/".into(), "attachment"),
        ("..".into(), "attachment"),
        ("  ...hidden.txt".into(), "hidden.txt"),
        (long.clone(), ""),
    ];
    // A NUL byte cannot even be part of a multipart header: a clear 400, nothing written.
    let (s, f) = upload(&app, t, &[("nul\u{0}byte.txt", "text/plain", b"data")]).await;
    assert_eq!(s, 400, "{f}");
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .starts_with("Multipart form parse error"),
        "{f}"
    );
    for (raw, expected) in &cases {
        let (s, f) = upload(&app, t, &[(raw, "text/plain", b"data")]).await;
        assert_eq!(s, 201, "{raw:?}: {f}");
        let stored = f["followupattachment_set"][0]["filename"]
            .as_str()
            .unwrap()
            .to_owned();
        if expected.is_empty() {
            assert!(stored.len() <= 200 && stored.starts_with("xxx"), "{stored}");
        } else {
            assert_eq!(&stored, expected, "{raw:?}");
        }
        assert!(!stored.contains('/') && !stored.contains('\\') && !stored.contains('\0'));
    }
    // The stored paths are all inside the ticket's folder, and so are the files on disk.
    for file in query_strings(&app, "select file from followup_attachments").await {
        let file = file.unwrap();
        assert!(
            file.starts_with("helpdesk/attachments/") && !file.contains(".."),
            "{file}"
        );
        assert!(app.media_root().join(&file).is_file(), "{file}");
    }
    let outside: Vec<_> = files_under(app.dir.path())
        .into_iter()
        .filter(|p| !p.starts_with("media") && !p.to_string_lossy().starts_with("helpdesk.db"))
        .collect();
    assert!(
        outside.is_empty(),
        "files outside the media folder: {outside:?}"
    );
    assert!(!std::path::Path::new("/tmp/absolute.txt").exists());
    assert_eq!(files_under(&app.media_root()).len(), cases.len());
}

crate::each_store!(a_file_over_the_size_limit_is_413_naming_the_field_and_nothing_is_written);
async fn a_file_over_the_size_limit_is_413_naming_the_field_and_nothing_is_written(
    store: AttachmentStore,
) {
    let app = spawn_app_with(&[("HELPDESK_MAX_FILE_BYTES", "1000"), store.env()]).await;
    let q = make_queue(&app, "desk").await;
    let form = Form::new()
        .text("queue", q.to_string())
        .text("title", "With a big file")
        .part(
            "attachment",
            Part::bytes(vec![b'a'; 1001]).file_name("big.bin"),
        );
    let (s, body) = send(app.admin(Method::POST, "/api/tickets/").multipart(form)).await;
    assert_eq!(
        (s, body),
        (
            413,
            json!({"attachment": ["The file \"big.bin\" is 1001 bytes; the limit is 1000 bytes."]})
        )
    );
    assert_eq!(count(&app, "tickets").await, 0);
    assert_eq!(stored_files(&app, store).await, 0, "a file was left behind");
    // At the limit is fine.
    let form = Form::new()
        .text("queue", q.to_string())
        .text("title", "With a file")
        .part(
            "attachment",
            Part::bytes(vec![b'a'; 1000]).file_name("ok.bin"),
        );
    let (s, body) = send(app.admin(Method::POST, "/api/tickets/").multipart(form)).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(stored_files(&app, store).await, 1);
}

#[tokio::test]
async fn signing_in_renews_the_session_id_and_signing_out_kills_the_old_cookie() {
    let app = spawn_app().await;
    let client = bare_client();
    let first = login(&app, &client, ADMIN, ADMIN_PASSWORD, None).await;
    assert!(first.status().is_success(), "{}", first.status());
    let first = session_set_cookie(&first).expect("a session cookie at sign-in");
    assert!(
        first.contains("HttpOnly") && first.contains("SameSite=Lax"),
        "{first}"
    );
    assert!(!first.contains("Secure"), "plain HTTP by default: {first}");
    let c1 = cookie_pair(&first);

    // Signing in again on that session gives it a new id; the old id no longer works.
    let second = login(&app, &client, ADMIN, ADMIN_PASSWORD, Some(&c1)).await;
    let c2 = cookie_pair(&session_set_cookie(&second).expect("a new cookie"));
    assert_ne!(c1, c2);
    let api = |cookie: String| {
        let client = client.clone();
        let url = app.url("/api/tickets/");
        async move {
            client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(c1.clone()).await, 401, "the pre-sign-in id still works");
    assert_eq!(api(c2.clone()).await, 200);

    // An id chosen by someone else (fixation) is never adopted.
    let planted = "helpdesk_session=AAAAAAAAAAAAAAAAAAAAAA";
    let third = login(&app, &client, ADMIN, ADMIN_PASSWORD, Some(planted)).await;
    let c3 = cookie_pair(&session_set_cookie(&third).unwrap());
    assert_ne!(c3, planted);

    // Signing out destroys the session: replaying its cookie is anonymous.
    let out = client
        .post(app.url("/sfn/logout"))
        .header("origin", app.base.clone())
        .header("cookie", c2.clone())
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success() || out.status().is_redirection());
    assert_eq!(
        api(c2.clone()).await,
        401,
        "the signed-out cookie still works"
    );
    let page = client
        .get(app.url("/"))
        .header("cookie", c2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(header(&page, "location"), "/login?next=/");
    assert_eq!(api(c3).await, 200, "other sessions are untouched");
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_served_behind_https() {
    let app = spawn_app_with(&[("HELPDESK_SECURE_COOKIES", "true")]).await;
    let resp = login(&app, &bare_client(), ADMIN, ADMIN_PASSWORD, None).await;
    let cookie = session_set_cookie(&resp).unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_write_with_the_session_cookie_and_a_foreign_or_missing_origin_is_refused() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let client = bare_client();
    let cookie = cookie_pair(
        &session_set_cookie(&login(&app, &client, ADMIN, ADMIN_PASSWORD, None).await).unwrap(),
    );
    let body = json!({"queue": q, "title": "Forged"});
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut req = client
            .post(app.url("/api/tickets/"))
            .header("cookie", cookie.clone())
            .json(&body);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let (s, b) = send(req).await;
        assert_eq!(s, 403, "{origin:?}: {b}");
        assert!(
            b["detail"].as_str().unwrap().starts_with("CSRF Failed"),
            "{b}"
        );
    }
    // A forged Referer from another site is no better.
    let (s, _) = send(
        client
            .post(app.url("/sfn/create_queue"))
            .header("cookie", cookie.clone())
            .header("referer", "http://evil.example/page")
            .form(&[("f[title]", "Evil"), ("f[slug]", "evil")]),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(count(&app, "tickets").await, 0);
    assert_eq!(count(&app, "queues").await, 1);
    // The same request from the site itself goes through.
    let (s, b) = send(
        client
            .post(app.url("/api/tickets/"))
            .header("cookie", cookie)
            .header("origin", app.base.clone())
            .json(&body),
    )
    .await;
    assert_eq!(s, 201, "{b}");
}

/// A wrong password through the login form (as the hydrated app posts it).
async fn ui_attempt(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    login(app, &bare_client(), user, password, None).await
}

async fn basic_attempt(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    app.as_user(Method::GET, "/api/tickets/", user, password)
        .send()
        .await
        .unwrap()
}

fn assert_throttled(resp: &reqwest::Response, max_wait: u64) {
    assert_eq!(resp.status(), 429, "{}", resp.url());
    let wait: u64 = header(resp, "retry-after").parse().unwrap();
    assert!((1..=max_wait).contains(&wait), "Retry-After {wait}");
}

#[tokio::test]
async fn ten_failed_sign_ins_for_one_username_lock_it_for_ui_and_basic_auth_alike() {
    let app = spawn_app().await;
    // Five through the login form, five through Basic auth: they count together.
    for i in 0..10 {
        let resp = if i % 2 == 0 {
            ui_attempt(&app, ADMIN, "wrong-password").await
        } else {
            basic_attempt(&app, ADMIN, "wrong-password").await
        };
        assert_eq!(resp.status(), 401, "attempt {}", i + 1);
    }
    // Locked, even with the right password, on both doors, for up to 15 minutes.
    let ui = ui_attempt(&app, ADMIN, ADMIN_PASSWORD).await;
    assert_throttled(&ui, 900);
    assert!(session_set_cookie(&ui).is_none());
    let body: serde_json::Value = ui.json().await.unwrap();
    assert!(
        body.to_string()
            .contains("Too many failed sign-in attempts"),
        "{body}"
    );
    let basic = basic_attempt(&app, ADMIN, ADMIN_PASSWORD).await;
    assert_throttled(&basic, 900);
    let body: serde_json::Value = basic.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Too many failed sign-in attempts")
    );
}

#[tokio::test]
async fn failures_from_one_address_lock_it_whatever_the_usernames() {
    let app = spawn_app().await;
    for i in 0..10 {
        let resp = basic_attempt(&app, &format!("nobody{i}"), "guess").await;
        assert_eq!(resp.status(), 401);
    }
    assert_throttled(&basic_attempt(&app, ADMIN, ADMIN_PASSWORD).await, 900);
    assert_throttled(&ui_attempt(&app, "someone-else", "guess").await, 900);
}

#[tokio::test]
async fn a_success_resets_the_count_and_the_lock_ends_with_the_window() {
    let app = spawn_app_with(&[
        ("HELPDESK_LOGIN_MAX_FAILURES", "3"),
        ("HELPDESK_LOGIN_WINDOW_SECONDS", "2"),
    ])
    .await;
    for _ in 0..2 {
        assert_eq!(ui_attempt(&app, ADMIN, "wrong").await.status(), 401);
    }
    assert!(
        ui_attempt(&app, ADMIN, ADMIN_PASSWORD)
            .await
            .status()
            .is_success()
    );
    // The count started again: two more failures do not lock.
    for _ in 0..2 {
        assert_eq!(basic_attempt(&app, ADMIN, "wrong").await.status(), 401);
    }
    assert_eq!(
        basic_attempt(&app, ADMIN, ADMIN_PASSWORD).await.status(),
        200
    );
    for _ in 0..3 {
        assert_eq!(basic_attempt(&app, ADMIN, "wrong").await.status(), 401);
    }
    assert_throttled(&basic_attempt(&app, ADMIN, ADMIN_PASSWORD).await, 2);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        basic_attempt(&app, ADMIN, ADMIN_PASSWORD).await.status(),
        200
    );
}

#[tokio::test]
async fn no_password_or_authorization_header_reaches_the_logs() {
    let app = spawn_app_with(&[(
        "RUST_LOG",
        "trace,hyper=debug,h2=info,sqlx=debug,tokio=info,runtime=info",
    )])
    .await;
    let secret = "Sup3r-Secret-Pa55word";
    let new_secret = "An0ther-Secret-Pa55word";
    // A user is created with the secret, signs in by form and by Basic auth, fails once,
    // changes the password.
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/users/",
        Some(json!({"username": "ann", "password": secret, "is_staff": true})),
    )
    .await;
    assert_eq!(s, 201);
    assert!(ui_attempt(&app, "ann", secret).await.status().is_success());
    assert_eq!(ui_attempt(&app, "ann", new_secret).await.status(), 401);
    assert_eq!(basic_attempt(&app, "ann", secret).await.status(), 200);
    assert_eq!(basic_attempt(&app, "ann", new_secret).await.status(), 401);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    login(&app, &client, "ann", secret, None).await;
    let changed = client
        .post(app.url("/sfn/change_password"))
        .header("origin", app.base.clone())
        .form(&[
            ("old_password", secret),
            ("new_password", new_secret),
            ("confirm", new_secret),
        ])
        .send()
        .await
        .unwrap();
    assert!(changed.status().is_success(), "{}", changed.status());
    assert_eq!(basic_attempt(&app, "ann", new_secret).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines: Vec<String> = app.log.try_iter().collect();
    assert!(lines.len() > 20, "expected a verbose log, got {lines:?}");
    use base64::Engine;
    let encoded = |p: &str| base64::engine::general_purpose::STANDARD.encode(format!("ann:{p}"));
    for needle in [
        secret.to_owned(),
        new_secret.to_owned(),
        encoded(secret),
        encoded(new_secret),
        format!("{ADMIN}:{ADMIN_PASSWORD}"),
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:{ADMIN_PASSWORD}")),
        ADMIN_PASSWORD.to_owned(),
    ] {
        let hits: Vec<&String> = lines.iter().filter(|l| l.contains(&needle)).collect();
        assert!(hits.is_empty(), "{needle:?} is in the log: {hits:?}");
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.to_ascii_lowercase().contains("authorization: basic")),
        "an Authorization header is in the log"
    );
}
