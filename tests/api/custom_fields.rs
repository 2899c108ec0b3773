//! /api/custom_fields/ and custom values on tickets, for each of the 13 types.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn define(app: &TestApp, body: Value) -> Value {
    let (s, f) = admin_json(app, Method::POST, "/api/custom_fields/", Some(body)).await;
    assert_eq!(s, 201, "{f}");
    f
}

#[tokio::test]
async fn custom_field_definitions_are_created_changed_and_deleted_with_their_values() {
    let app = spawn_app().await;
    let f = define(
        &app,
        json!({"name": "asset-tag", "label": "Asset", "data_type": "varchar"}),
    )
    .await;
    let id = f["id"].as_i64().unwrap();
    assert_eq!(
        f,
        json!({"id": id, "name": "asset-tag", "label": "Asset", "help_text": "",
        "data_type": "varchar", "max_length": null, "decimal_places": null, "list_values": "",
        "empty_selection_list": false, "required": false, "staff_only": false, "ordering": null})
    );
    let cases = [
        (
            json!({}),
            json!({"name": ["This field is required."], "label": ["This field is required."],
            "data_type": ["This field is required."]}),
        ),
        (
            json!({"name": "a b", "label": "L", "data_type": "float"}),
            json!({
            "name": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."],
            "data_type": ["\"float\" is not a valid choice."]}),
        ),
        (
            json!({"name": "asset-tag", "label": "L", "data_type": "text"}),
            json!({"name": ["custom field with this name already exists."]}),
        ),
    ];
    for (body, expected) in cases {
        let (s, got) = admin_json(
            &app,
            Method::POST,
            "/api/custom_fields/",
            Some(body.clone()),
        )
        .await;
        assert_eq!((s, got), (400, expected), "{body}");
    }
    assert_eq!(count(&app, "custom_fields").await, 1);
    let (s, list) = admin_json(&app, Method::GET, "/api/custom_fields", None).await;
    assert_eq!((s, list["count"].clone()), (200, json!(1)));
    let (s, p) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/custom_fields/{id}/"),
        Some(json!({"max_length": 5, "help_text": "On the sticker"})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["max_length"], 5);
    let q = make_queue(&app, "q").await;
    let t = make_ticket(
        &app,
        json!({"queue": q, "title": "t", "custom_asset-tag": "A-1"}),
    )
    .await;
    assert_eq!(t["custom_asset-tag"], "A-1");
    assert_eq!(count(&app, "ticket_custom_field_values").await, 1);
    let resp = app
        .admin(Method::DELETE, &format!("/api/custom_fields/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(count(&app, "ticket_custom_field_values").await, 0);
    let (_, t) = admin_json(
        &app,
        Method::GET,
        &format!("/api/tickets/{}", t["id"]),
        None,
    )
    .await;
    assert!(t.get("custom_asset-tag").is_none());
    // Only superusers define fields.
    make_user(&app, "agent", true).await;
    let (s, _) = send(
        app.as_user(Method::POST, "/api/custom_fields/", "agent", USER_PASSWORD)
            .json(&json!({"name": "x", "label": "X", "data_type": "text"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) =
        send(app.as_user(Method::GET, "/api/custom_fields/", "agent", USER_PASSWORD)).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn each_custom_field_type_accepts_good_values_and_names_the_problem_with_bad_ones() {
    let app = spawn_app().await;
    let q = make_queue(&app, "q").await;
    define(
        &app,
        json!({"name": "v", "label": "V", "data_type": "varchar", "max_length": 5}),
    )
    .await;
    define(
        &app,
        json!({"name": "tx", "label": "T", "data_type": "text", "max_length": 10}),
    )
    .await;
    define(
        &app,
        json!({"name": "i", "label": "I", "data_type": "integer"}),
    )
    .await;
    define(&app, json!({"name": "d", "label": "D", "data_type": "decimal", "max_length": 5, "decimal_places": 3})).await;
    define(
        &app,
        json!({"name": "l", "label": "L", "data_type": "list", "list_values": "Red\nGreen\nBlue"}),
    )
    .await;
    define(
        &app,
        json!({"name": "b", "label": "B", "data_type": "boolean"}),
    )
    .await;
    define(
        &app,
        json!({"name": "da", "label": "Da", "data_type": "date"}),
    )
    .await;
    define(
        &app,
        json!({"name": "ti", "label": "Ti", "data_type": "time"}),
    )
    .await;
    define(
        &app,
        json!({"name": "dt", "label": "Dt", "data_type": "datetime"}),
    )
    .await;
    define(
        &app,
        json!({"name": "e", "label": "E", "data_type": "email"}),
    )
    .await;
    define(&app, json!({"name": "u", "label": "U", "data_type": "url"})).await;
    define(
        &app,
        json!({"name": "ip", "label": "Ip", "data_type": "ipaddress"}),
    )
    .await;
    define(
        &app,
        json!({"name": "s", "label": "S", "data_type": "slug"}),
    )
    .await;
    let good = json!({"queue": q, "title": "t", "custom_v": "abcde", "custom_tx": "ten chars!",
        "custom_i": "1", "custom_d": "42.98", "custom_l": " Green ", "custom_b": true,
        "custom_da": "2024-02-29", "custom_ti": "13:45:10", "custom_dt": "2026-01-02T03:04:05+01:00",
        "custom_e": "a@example.com", "custom_u": "https://example.com/x", "custom_ip": "::1",
        "custom_s": "a-b_c"});
    let t = make_ticket(&app, good).await;
    let expected = json!({"custom_v": "abcde", "custom_tx": "ten chars!", "custom_i": 1,
        "custom_d": "42.980", "custom_l": "Green", "custom_b": true, "custom_da": "2024-02-29",
        "custom_ti": "13:45:10", "custom_dt": "2026-01-02T02:04:05Z", "custom_e": "a@example.com",
        "custom_u": "https://example.com/x", "custom_ip": "::1", "custom_s": "a-b_c"});
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&t[k], v, "{k}");
    }
    let empty = make_ticket(&app, json!({"queue": q, "title": "none"})).await;
    for k in expected.as_object().unwrap().keys() {
        assert_eq!(empty[k], Value::Null, "{k}");
    }
    let bad = json!({"queue": q, "title": "t", "custom_v": "abcdef", "custom_tx": "eleven chars",
        "custom_i": "one", "custom_d": "123.4", "custom_l": "Pink", "custom_b": "maybe",
        "custom_da": "2023-02-29", "custom_ti": "25:00", "custom_dt": "soon",
        "custom_e": "nope", "custom_u": "example.com", "custom_ip": "300.1.1.1", "custom_s": "a b"});
    let (s, errors) = admin_json(&app, Method::POST, "/api/tickets/", Some(bad)).await;
    assert_eq!(s, 400);
    assert_eq!(
        errors,
        json!({
            "custom_v": ["Ensure this field has no more than 5 characters."],
            "custom_tx": ["Ensure this field has no more than 10 characters."],
            "custom_i": ["A valid integer is required."],
            "custom_d": ["Ensure that there are no more than 2 digits before the decimal point."],
            "custom_l": ["\"Pink\" is not a valid choice."],
            "custom_b": ["Must be a valid boolean."],
            "custom_da": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "custom_ti": ["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."],
            "custom_dt": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
            "custom_e": ["Enter a valid email address."],
            "custom_u": ["Enter a valid URL."],
            "custom_ip": ["Enter a valid IPv4 or IPv6 address."],
            "custom_s": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."],
        })
    );
    let more = [
        (
            "custom_d",
            json!("1.2345"),
            "Ensure that there are no more than 3 decimal places.",
        ),
        ("custom_d", json!("abc"), "A valid number is required."),
        ("custom_i", json!(1.5), "A valid integer is required."),
        (
            "custom_i",
            json!("99999999999999999999999999"),
            "A valid integer is required.",
        ),
        ("custom_b", json!([true]), "Must be a valid boolean."),
    ];
    for (k, v, msg) in more {
        let (s, e) = admin_json(
            &app,
            Method::POST,
            "/api/tickets/",
            Some(json!({"queue": q, "title": "t", k: v})),
        )
        .await;
        assert_eq!((s, e), (400, json!({k: [msg]})), "{k}");
    }
    assert_eq!(count(&app, "tickets").await, 2);
    // PATCH changes a value and records it; null unsets it.
    let id = t["id"].as_i64().unwrap();
    let (s, p) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{id}"),
        Some(json!({"custom_i": 7, "custom_l": null})),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        (p["custom_i"].clone(), p["custom_l"].clone()),
        (json!(7), Value::Null)
    );
    let changes = query_strings(
        &app,
        "select field || ':' || coalesce(old_value, 'null') || '>' || coalesce(new_value, 'null') \
         from ticket_changes order by field",
    )
    .await;
    assert_eq!(
        changes,
        vec![
            Some("custom_i:1>7".to_owned()),
            Some("custom_l:Green>null".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_required_custom_field_must_be_given_on_create_only() {
    let app = spawn_app().await;
    let q = make_queue(&app, "q").await;
    define(
        &app,
        json!({"name": "must", "label": "M", "data_type": "integer", "required": true}),
    )
    .await;
    let (s, e) = admin_json(
        &app,
        Method::POST,
        "/api/tickets/",
        Some(json!({"queue": q, "title": "t"})),
    )
    .await;
    assert_eq!(
        (s, e),
        (400, json!({"custom_must": ["This field is required."]}))
    );
    let t = make_ticket(&app, json!({"queue": q, "title": "t", "custom_must": 3})).await;
    let (s, _) = admin_json(
        &app,
        Method::PATCH,
        &format!("/api/tickets/{}", t["id"]),
        Some(json!({"title": "u"})),
    )
    .await;
    assert_eq!(s, 200);
}
