//! Issue 10, points 9 to 11: sizes a superuser sets are bounded, file names with dots are
//! stored, served and removed, and callers are checked before their bodies are read.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::*;

async fn ticket(app: &TestApp) -> i64 {
    let q = make_queue(app, "desk").await;
    make_ticket(app, json!({"queue": q, "title": "T"})).await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn file_names_of_dots_are_never_stored_as_such_and_inner_dots_are_served_and_deleted() {
    let app = spawn_app().await;
    let t = ticket(&app).await;
    for (raw, stored) in [
        (". ..", "attachment"),
        (". ..x", "x"),
        ("...", "attachment"),
        ("report..v2.pdf", "report..v2.pdf"),
    ] {
        let form = Form::new().text("ticket", t.to_string()).part(
            "attachments",
            Part::bytes(raw.as_bytes().to_vec())
                .file_name(raw.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        );
        let (s, f) = send(app.admin(Method::POST, "/api/followups/").multipart(form)).await;
        assert_eq!(s, 201, "{raw:?}: {f}");
        let att = &f["followupattachment_set"][0];
        assert_eq!(att["filename"], stored, "{raw:?}");
        let url = att["url"].as_str().unwrap();
        let id = att["id"].as_i64().unwrap();
        let path = query_strings(
            &app,
            &format!("select file from followup_attachments where id = {id}"),
        )
        .await[0]
            .clone()
            .unwrap();
        assert!(path.ends_with(&format!("/{stored}")), "{path}");
        let on_disk = app.media_root().join(&path);
        assert!(on_disk.is_file(), "{raw:?}: {path}");

        let resp = app.admin(Method::GET, url).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{raw:?} download");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), raw.as_bytes());

        let (s, b) =
            send(app.admin(Method::DELETE, &format!("/api/followups-attachments/{id}/"))).await;
        assert_eq!(s, 204, "{raw:?} delete: {b}");
        assert!(!on_disk.exists(), "{raw:?}: the file stayed on disk");
    }
}

#[tokio::test]
async fn custom_field_sizes_are_bounded_with_a_400_naming_the_field() {
    let app = spawn_app().await;
    let q = make_queue(&app, "desk").await;
    for (body, field, message) in [
        (
            json!({"name": "amount", "label": "Amount", "data_type": "decimal", "decimal_places": 1_000_000_000_000_i64}),
            "decimal_places",
            "Ensure this value is less than or equal to 100.",
        ),
        (
            json!({"name": "code", "label": "Code", "data_type": "varchar", "max_length": 1_000_000_000_i64}),
            "max_length",
            "Ensure this value is less than or equal to 100000.",
        ),
        (
            json!({"name": "pick", "label": "Pick", "data_type": "list", "list_values": "x\n".repeat(6_000)}),
            "list_values",
            "Ensure this field has no more than 10000 characters.",
        ),
        (
            json!({"name": "hint", "label": "Hint", "data_type": "varchar", "help_text": "h".repeat(1_001)}),
            "help_text",
            "Ensure this field has no more than 1000 characters.",
        ),
    ] {
        let (s, b) = admin_json(&app, Method::POST, "/api/custom_fields/", Some(body)).await;
        assert_eq!(s, 400, "{field}: {b}");
        assert_eq!(b[field][0], message, "{b}");
    }
    assert_eq!(count(&app, "custom_fields").await, 0);

    // Changing an existing field is bounded the same way, and it keeps working.
    let (s, f) = admin_json(
        &app,
        Method::POST,
        "/api/custom_fields/",
        Some(json!({"name": "amount", "label": "Amount", "data_type": "decimal", "max_length": 200, "decimal_places": 100})),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let id = f["id"].as_i64().unwrap();
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/custom_fields/{id}/"),
        Some(json!({"decimal_places": 1_000_000_000_000_i64})),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"decimal_places": ["Ensure this value is less than or equal to 100."]})
        )
    );
    let (s, b) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/custom_fields/{id}/"),
        Some(json!({"max_length": 150})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "T", "custom_amount": "1.5"}),
    )
    .await;
    assert_eq!(t["custom_amount"], format!("1.5{}", "0".repeat(99)));
}
