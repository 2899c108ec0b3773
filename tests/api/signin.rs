//! Issue 10, sign-in and sessions: where the sign-in redirects, what the sign-in page shows,
//! sessions ended by a password change or by age, and the sign-in throttle.

use base64::Engine;

use crate::helpers::*;

/// A client without cookies or redirects, posting the sign-in form as a browser without
/// JavaScript does.
fn plain_login(app: &TestApp, user: &str, password: &str, next: &str) -> reqwest::RequestBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/sfn/login"))
        .header("origin", app.base.clone())
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[("username", user), ("password", password), ("next", next)])
}

#[tokio::test]
async fn a_sign_in_redirects_only_to_a_path_on_this_site() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/tickets/5?x=1", "/tickets/5?x=1"),
        ("/\t/evil.example", "/"),
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("http://evil.example/", "/"),
        ("/tickets\nSet-Cookie: planted=1", "/"),
        ("/tickets\r\n", "/"),
        ("/caf\u{e9}", "/"),
    ] {
        let resp = plain_login(&app, ADMIN, ADMIN_PASSWORD, next)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_redirection(),
            "{next:?}: {}",
            resp.status()
        );
        let location = resp.headers()["location"].to_str().unwrap();
        assert_eq!(location, expected, "{next:?}");
        assert!(
            !resp
                .headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("planted")),
            "{next:?}"
        );
    }
}

#[tokio::test]
async fn a_link_cannot_put_its_own_text_on_the_sign_in_page() {
    let app = spawn_app().await;
    let planted = "Your account is suspended, call 555-0100 now";
    for error in [
        serde_json::json!({ "Unauthorized": planted }),
        serde_json::json!({ "Forbidden": planted }),
        serde_json::json!({ "TooManyRequests": { "detail": planted, "retry_after": 1 } }),
    ] {
        let err = base64::engine::general_purpose::URL_SAFE.encode(error.to_string());
        let resp = app
            .client
            .get(app.url(&format!("/login?__path=/sfn/login&__err={err}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.text().await.unwrap();
        let at = body.find("555-0100");
        assert!(
            at.is_none(),
            "{error}: the planted text is shown: {}",
            &body[at.unwrap_or(0).saturating_sub(300)..(at.unwrap_or(0) + 100).min(body.len())]
        );
        assert!(
            body.contains(r#"role="alert""#),
            "{error}: no message at all"
        );
    }
}
