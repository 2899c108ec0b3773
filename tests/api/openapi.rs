//! /api/openapi.json, and the switch that turns the whole API off.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = spawn_app().await;
    let (s, doc) = admin_json(&app, Method::GET, "/api/openapi.json", None).await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/tickets/", &["get", "post"][..]),
        ("/api/tickets/{id}/", &["get", "put", "patch", "delete"][..]),
        ("/api/followups/", &["get", "post"][..]),
        (
            "/api/followups/{id}/",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/api/followups-attachments/", &["get", "post"][..]),
        ("/api/followups-attachments/{id}/", &["get", "delete"][..]),
        ("/api/followups-attachments/{id}/download/", &["get"][..]),
        ("/api/custom_fields/", &["get", "post"][..]),
        (
            "/api/custom_fields/{id}/",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/api/queues/", &["get", "post"][..]),
        ("/api/queues/{id}/", &["get", "put", "patch", "delete"][..]),
        ("/api/users/", &["post"][..]),
        ("/api/user_tickets/", &["get"][..]),
        ("/api/openapi.json", &["get"][..]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path}");
        }
    }
    assert!(doc["components"]["schemas"]["Ticket"].is_object());
    assert_ne!(doc["paths"], Value::Null);
}

#[tokio::test]
async fn the_api_can_be_switched_off() {
    let app = spawn_app_with(&[("HELPDESK_ACTIVATE_API_ENDPOINT", "false")]).await;
    let resp = app
        .admin(Method::GET, "/api/tickets/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

/// Issue 14: the integrator headers are in the document, so the fuzzer sends them.
#[tokio::test]
async fn the_openapi_document_describes_the_conditional_and_idempotency_headers() {
    let app = spawn_app().await;
    let (_, doc) = admin_json(&app, Method::GET, "/api/openapi.json", None).await;
    let names = |path: &str, method: &str| -> Vec<String> {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "header")
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    for path in [
        "/api/tickets/",
        "/api/followups/",
        "/api/followups-attachments/",
        "/api/queues/",
        "/api/custom_fields/",
        "/api/users/",
    ] {
        assert_eq!(names(path, "post"), ["Idempotency-Key"], "{path}");
        let responses = &doc["paths"][path]["post"]["responses"];
        for code in ["409", "422"] {
            assert!(responses[code].is_object(), "{path} {code}");
        }
    }
    let ticket = "/api/tickets/{id}/";
    assert_eq!(names(ticket, "get"), ["If-None-Match"]);
    assert!(doc["paths"][ticket]["get"]["responses"]["304"].is_object());
    for method in ["put", "patch", "delete"] {
        assert_eq!(names(ticket, method), ["If-Match"], "{method}");
        assert!(doc["paths"][ticket][method]["responses"]["412"].is_object());
    }
    assert!(names("/api/followups-attachments/{id}/download/", "get").is_empty());
}
