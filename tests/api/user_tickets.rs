//! /api/user_tickets/: any signed-in user's own tickets, in django-helpdesk's public shape.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn user_tickets_lists_the_callers_tickets_newest_first_in_the_public_shape() {
    let app = spawn_app().await;
    let q = make_queue(&app, "help").await;
    make_user(&app, "visitor", false).await;
    let t1 = make_ticket(
        &app,
        json!({"queue": q, "title": "First", "submitter_email": "visitor@example.com"}),
    )
    .await;
    let t2 = make_ticket(
        &app,
        json!({"queue": q, "title": "Second", "submitter_email": "visitor@example.com",
        "due_date": "2027-05-01T12:00Z"}),
    )
    .await;
    make_ticket(
        &app,
        json!({"queue": q, "title": "Other", "submitter_email": "else@example.com"}),
    )
    .await;
    for path in ["/api/user_tickets/", "/api/user_tickets"] {
        let (s, page) = send(app.as_user(Method::GET, path, "visitor", USER_PASSWORD)).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["count"], 2);
        let secret = query_strings(
            &app,
            &format!("select secret_key from tickets where id = {}", t2["id"]),
        )
        .await;
        assert_eq!(
            page["results"][0],
            json!({
            "ticket": format!("{} [help-{}]", t2["id"], t2["id"]), "id": t2["id"], "title": "Second",
            "queue": {"id": q, "title": "Queue help"}, "status": 1, "created": t2["created"],
            "due_date": "2027-05-01T12:00:00Z", "submitter": "visitor@example.com",
            "secret_key": secret[0].clone().unwrap()})
        );
        assert_eq!(page["results"][1]["id"], t1["id"]);
    }
    let (_, mine) = admin_json(&app, Method::GET, "/api/user_tickets/", None).await;
    assert_eq!(mine["count"], 0);
    let resp = app
        .client
        .get(app.url("/api/user_tickets/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

/// Issue 11.10: a user whose address is `Customer481@Example.com` owns the tickets submitted
/// as `customer481@example.com`, in the API and on the "my tickets" pages.
#[tokio::test]
async fn a_submitters_email_matches_whatever_its_case() {
    let app = spawn_app().await;
    let q = make_queue(&app, "help").await;
    let (s, body) = admin_json(
        &app,
        Method::POST,
        "/api/users/",
        Some(json!({"username": "c481", "password": USER_PASSWORD,
                    "email": "Customer481@Example.com"})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "Mixed case", "submitter_email": "customer481@example.com"}),
    )
    .await;
    let (s, page) =
        send(app.as_user(Method::GET, "/api/user_tickets/", "c481", USER_PASSWORD)).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["count"], 1, "{page}");
    assert_eq!(page["results"][0]["id"], t["id"]);

    sign_in(&app, "c481", USER_PASSWORD).await;
    let list = app.page("/my-tickets").await;
    assert!(list.contains("Mixed case"), "my tickets misses the ticket");
    assert!(!list.contains("You have no tickets"));
    let one = app.page(&format!("/tickets/{}", t["id"])).await;
    assert!(
        one.contains("Mixed case"),
        "the ticket page refuses its submitter"
    );
}

/// Issue 10.12: the submitter's pages send the browser (in the hydration data) only what a
/// submitter may see, however much the ticket holds.
#[tokio::test]
async fn the_submitters_pages_carry_no_staff_only_data() {
    let app = spawn_app().await;
    let q = make_queue(&app, "help").await;
    make_user(&app, "visitor", false).await;
    let agent = make_user(&app, "agent", true).await;
    let (s, other) = admin_json(
        &app,
        Method::POST,
        "/api/tickets/",
        Some(json!({"queue": q, "title": "Elsewhere"})),
    )
    .await;
    assert_eq!(s, 201);
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "Printer on fire", "submitter_email": "visitor@example.com",
               "assigned_to": agent, "priority": 1, "due_date": "2031-05-01T12:00Z"}),
    )
    .await;
    let id = t["id"].as_i64().unwrap();
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{id}/"),
        Some(json!({"merged_to": other["id"]})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(
            json!({"ticket": id, "comment": "We are on it", "public": true,
                    "time_spent": "01:30:00"}),
        ),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = admin_json(
        &app,
        Method::POST,
        "/api/followups/",
        Some(json!({"ticket": id, "comment": "Internal musing", "public": false})),
    )
    .await;
    assert_eq!(s, 201);

    sign_in(&app, "visitor", USER_PASSWORD).await;
    for path in [format!("/tickets/{id}"), "/my-tickets".to_owned()] {
        let html = app.page(&path).await;
        assert!(
            html.contains("Printer on fire"),
            "{path}: the ticket is missing"
        );
        for secret in [
            "assigned_to",
            "priority",
            "due_date",
            "2031",
            "merged_to",
            "time_spent",
            "01:30:00",
            "secret_key",
            "Internal musing",
            "followup_set",
            "submitter_email",
        ] {
            assert!(
                !html.contains(secret),
                "{path} sends `{secret}` to the submitter"
            );
        }
    }
}
