//! Issue 10, points 7 and 8: cross-site requests are refused whatever credentials they carry,
//! and the server functions (the sign-in among them) only answer this site's pages.

use reqwest::Method;

use crate::helpers::*;

const CSRF: &str = "CSRF Failed: Origin checking failed - the request did not come from this site.";

fn no_cookies() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_cross_site_form_post_with_basic_credentials_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let users = count(&app, "users").await;
    let form = |name: &'static str| {
        [
            ("username", name),
            ("email", "mallory@example.com"),
            ("password", "a-long-password-1"),
        ]
    };
    // What a browser holding the admin's Basic credentials sends for a form on evil.example.
    for (header, value, name) in [
        ("origin", "http://evil.example", "forged1"),
        ("origin", "null", "forged2"),
        ("sec-fetch-site", "cross-site", "forged3"),
    ] {
        let (s, b) = send(
            app.admin(Method::POST, "/api/users/")
                .header(header, value)
                .form(&form(name)),
        )
        .await;
        assert_eq!(s, 403, "{header}: {value}: {b}");
        assert_eq!(b["detail"], CSRF, "{b}");
    }
    assert_eq!(count(&app, "users").await, users, "nothing was created");
    // DELETE and PATCH alike.
    let id = make_user(&app, "victim", false).await;
    for method in [Method::DELETE, Method::PATCH, Method::PUT] {
        let (s, _) = send(
            app.admin(method.clone(), &format!("/api/tickets/{id}/"))
                .header("origin", "http://evil.example")
                .json(&serde_json::json!({})),
        )
        .await;
        assert_eq!(s, 403, "{method}");
    }
    // curl (no Origin) and the site itself are unaffected.
    let (s, b) = send(app.admin(Method::POST, "/api/users/").form(&form("curl"))).await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = send(
        app.admin(Method::POST, "/api/users/")
            .header("origin", app.base.clone())
            .header("sec-fetch-site", "same-origin")
            .form(&form("samesite")),
    )
    .await;
    assert_eq!(s, 201, "{b}");
}

#[tokio::test]
async fn a_cross_site_sign_in_without_a_cookie_is_refused_and_sets_no_session() {
    let app = spawn_app().await;
    let client = no_cookies();
    let creds = [("username", ADMIN), ("password", ADMIN_PASSWORD)];
    // A form on another site posting the attacker's credentials, or a request that names no
    // origin at all: neither may sign anyone in.
    for (origin, referer) in [
        (Some("http://evil.example"), None),
        (None, Some("http://evil.example/login")),
        (None, None),
    ] {
        let mut req = client.post(app.url("/sfn/login")).form(&creds);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 403, "{origin:?} {referer:?}");
        assert!(
            !resp
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap_or("").starts_with("helpdesk_session=")),
            "a session cookie was set for {origin:?} {referer:?}"
        );
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["detail"], CSRF);
    }
    assert_eq!(
        count(&app, "tower_sessions").await,
        0,
        "no session was stored"
    );
    // Other server functions too, signed in or not.
    let resp = client.post(app.url("/sfn/logout")).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    // From the site's own page (the Origin a browser sends, or only a Referer): signed in.
    for (header, value) in [("origin", app.base.clone()), ("referer", app.url("/login"))] {
        let resp = client
            .post(app.url("/sfn/login"))
            .header(header, value)
            .form(&creds)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{header}");
    }
}
