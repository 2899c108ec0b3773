//! Issue 10, point 7: cross-site requests are refused whatever credentials they carry.

use reqwest::Method;

use crate::helpers::*;

const CSRF: &str = "CSRF Failed: Origin checking failed - the request did not come from this site.";

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
