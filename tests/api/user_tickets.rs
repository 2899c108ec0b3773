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
