//! Issue 11: times are shown in the viewer's time zone (their setting, else the browser's
//! zone from the `tz` cookie, else UTC), with the UTC instant on hover.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::*;

const DUE: &str = "2026-01-15T09:15:00Z";

/// The `<time>` element for `DUE` showing `local`, with UTC in the title.
fn due_shown_as(local: &str) -> String {
    format!(r#"<time datetime="{DUE}" title="2026-01-15 09:15 UTC">{local}"#)
}

async fn ticket_due(app: &TestApp) -> i64 {
    let q = make_queue(app, "tz").await;
    make_ticket(app, json!({"queue": q, "title": "Winter", "due_date": DUE})).await["id"]
        .as_i64()
        .unwrap()
}

async fn set_time_zone(app: &TestApp, client: &reqwest::Client, zone: &str) -> (u16, String) {
    let resp = client
        .post(app.url("/sfn/set_time_zone"))
        .header("origin", app.base.clone())
        .form(&[("time_zone", zone)])
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn page_with(client: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let resp = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

/// A client that already has the browser's `tz` cookie, signed in as the admin.
async fn browser_in(app: &TestApp, zone: &str) -> reqwest::Client {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(&format!("tz={zone}; Path=/"), &app.base.parse().unwrap());
    let client = reqwest::Client::builder()
        .cookie_provider(jar)
        .build()
        .unwrap();
    let resp = post_login(app, &client, ADMIN, ADMIN_PASSWORD).await;
    assert!(resp.status().is_success(), "{}", resp.status());
    client
}

#[tokio::test]
async fn a_user_who_chose_berlin_sees_winter_times_an_hour_later_with_utc_on_hover() {
    let app = spawn_app().await;
    let id = ticket_due(&app).await;
    // The setting wins over the browser's zone.
    let client = browser_in(&app, "America/New_York").await;
    assert_eq!(
        set_time_zone(&app, &client, "Europe/Berlin").await,
        (200, "\"Europe/Berlin\"".to_owned())
    );
    for path in [format!("/tickets/{id}"), "/tickets".to_owned()] {
        let html = page_with(&client, &app, &path).await;
        assert!(
            html.contains(&due_shown_as("2026-01-15 10:15")),
            "{path}: {html}"
        );
        assert!(
            html.contains(r#"<meta name="time-zone" content="Europe/Berlin" data-source="user""#),
            "{path}"
        );
    }
    let stored = query_strings(&app, "select time_zone from users where username = 'admin'").await;
    assert_eq!(stored, vec![Some("Europe/Berlin".to_owned())]);

    // Back to "Browser default": the cookie's zone again.
    assert_eq!(set_time_zone(&app, &client, "").await.0, 200);
    let html = page_with(&client, &app, &format!("/tickets/{id}")).await;
    assert!(html.contains(&due_shown_as("2026-01-15 04:15")), "{html}");
}

#[tokio::test]
async fn without_a_setting_the_browser_zone_from_the_cookie_is_used_and_a_bad_one_means_utc() {
    let app = spawn_app().await;
    let id = ticket_due(&app).await;
    let path = format!("/tickets/{id}");

    let html = page_with(&browser_in(&app, "America/New_York").await, &app, &path).await;
    assert!(html.contains(&due_shown_as("2026-01-15 04:15")), "{html}");
    assert!(html.contains(r#"<meta name="time-zone" content="America/New_York" data-source="""#));

    for bad in ["Mars/Olympus", "..%2Fetc", "Europe%2FBerlin"] {
        let html = page_with(&browser_in(&app, bad).await, &app, &path).await;
        assert!(
            html.contains(&due_shown_as("2026-01-15 09:15")),
            "{bad}: {html}"
        );
    }
    // No cookie at all (a browser's very first page): UTC.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    assert!(
        app.page(&path)
            .await
            .contains(&due_shown_as("2026-01-15 09:15"))
    );
}

#[tokio::test]
async fn an_unknown_time_zone_is_refused_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(set_time_zone(&app, &app.client, "Asia/Tokyo").await.0, 200);
    for bad in [
        "Mars/Olympus",
        "europe/berlin",
        "Europe/Berlin/../x",
        &"A".repeat(5000),
    ] {
        let (status, body) = set_time_zone(&app, &app.client, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains("time_zone"), "{body}");
        assert!(body.contains("Select a valid time zone."), "{body}");
    }
    let stored = query_strings(&app, "select time_zone from users where username = 'admin'").await;
    assert_eq!(stored, vec![Some("Asia/Tokyo".to_owned())]);
    // Anonymous callers are refused before anything is read.
    let anon = reqwest::Client::new();
    assert_eq!(set_time_zone(&app, &anon, "Europe/Berlin").await.0, 401);
}
