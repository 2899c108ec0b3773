//! Issue 11, point 9: the search box finds a ticket by its number first, and text in custom
//! field values; its hint says what is searched.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn ids(page: &serde_json::Value) -> Vec<i64> {
    page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

/// The ids `GET /api/tickets/?q=...&ordering=id` lists.
async fn search(app: &TestApp, q: &str) -> Vec<i64> {
    let path = format!("/api/tickets/?q={q}&ordering=id");
    let (s, b) = admin_json(app, Method::GET, &path, None).await;
    assert_eq!(s, 200, "{b}");
    ids(&b)
}

#[tokio::test]
async fn a_ticket_number_lists_that_ticket_first_and_custom_values_are_searched() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    let (s, b) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "asset", "label": "Asset tag", "data_type": "varchar"})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    // Ticket 1's submitter email holds "101", the number of a later ticket.
    let first = make_ticket(
        &app,
        json!({"queue": q, "title": "Email mentions it", "submitter_email": "c101@example.com",
               "custom_asset": "ZX-9000-Alpha"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    assert_eq!(first, 1);
    for n in 2..=101 {
        make_ticket(&app, json!({"queue": q, "title": format!("Ticket {n}")})).await;
    }
    // The number first (although ordered by id), then text that contains it.
    assert_eq!(search(&app, "101").await, vec![101, 1]);
    assert_eq!(search(&app, "%23101").await, vec![101]);
    assert_eq!(search(&app, "%2350").await, vec![50]);
    assert_eq!(search(&app, "7").await, vec![7]);
    // Text in a custom field's value, case-insensitively.
    assert_eq!(search(&app, "9000-al").await, vec![1]);
    // A changed value is found by its new text only.
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        "/api/tickets/1/",
        Some(json!({"custom_asset": "QW-55"})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(search(&app, "9000-al").await, Vec::<i64>::new());
    assert_eq!(search(&app, "qw-55").await, vec![1]);

    // The web list says what the box searches, and lists the number first as well.
    sign_in(&app, ADMIN, ADMIN_PASSWORD).await;
    let page = app.page("/tickets?q=101").await;
    assert!(
        page.contains("Searches ticket numbers (301 or #301), titles, descriptions, submitter emails and custom field values, not comments; text needs at least 3 characters."),
        "no search hint in the page"
    );
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in the page"))
    };
    assert!(at("href=\"/tickets/101\"") < at("href=\"/tickets/1\""));
}
