//! `GET /api/openapi.json`: a hand-written OpenAPI 3 document of the API. A test checks that
//! every route the routers register is listed here with each of its methods.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::paths;
use crate::state::AppState;
use schemas::schemas;

mod schemas;

pub fn router() -> Router<AppState> {
    Router::new().route(paths::OPENAPI, get(openapi_json))
}

async fn openapi_json() -> Json<Value> {
    Json(document())
}

/// The documented form of a route: `/api` + path + `/` (django-helpdesk's form), except for
/// the document itself.
pub fn documented_path(route: &str) -> String {
    if route.ends_with(".json") {
        format!("/api{route}")
    } else {
        format!("/api{route}/")
    }
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn resp(description: &str, schema: Option<Value>) -> Value {
    match schema {
        Some(s) => json!({ "description": description, "content": content(s) }),
        None => json!({ "description": description }),
    }
}

fn errors(extra: &[&str]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "401".into(),
        resp(
            "No or bad credentials (WWW-Authenticate: Basic realm=\"helpdesk\").",
            Some(r("Detail")),
        ),
    );
    m.insert(
        "403".into(),
        resp("Authenticated but not allowed.", Some(r("Detail"))),
    );
    for code in extra {
        let v = match *code {
            "400" => resp(
                "Validation error: one key per bad field, or `detail`.",
                Some(r("ValidationError")),
            ),
            "404" => resp(
                "Not found. (or \"Invalid page.\" for a list)",
                Some(r("Detail")),
            ),
            "413" => resp("Request body too large.", Some(r("Detail"))),
            "409" => resp(
                "A request with this Idempotency-Key is still being processed.",
                Some(r("Detail")),
            ),
            "412" => resp(
                "If-Match does not match the current ETag (sent in the ETag header); nothing was written.",
                Some(r("Detail")),
            ),
            "422" => resp(
                "This Idempotency-Key was used with a different request.",
                Some(r("Detail")),
            ),
            "415" => resp("Unsupported media type.", Some(r("Detail"))),
            _ => continue,
        };
        m.insert((*code).into(), v);
    }
    m
}

fn op(tag: &str, summary: &str, ok: (&str, &str, Option<Value>), extra: &[&str]) -> Value {
    let mut responses = errors(extra);
    responses.insert(ok.0.into(), resp(ok.1, ok.2));
    json!({ "tags": [tag], "summary": summary, "responses": responses })
}

fn with_body(mut op: Value, schema: Value, multipart: bool) -> Value {
    let mut c = content(schema.clone());
    c["application/x-www-form-urlencoded"] = json!({ "schema": schema.clone() });
    if multipart {
        c["multipart/form-data"] = json!({ "schema": schema });
    }
    op["requestBody"] = json!({ "required": true, "content": c });
    op
}

fn id_param() -> Value {
    // The example sends the fuzzer (and readers) to an object that exists in seeded data.
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "example": 1 }])
}

fn list_params(extra: &[(&str, &str)]) -> Value {
    let mut ps = vec![
        json!({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}),
        json!({"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}}),
    ];
    for (name, desc) in extra {
        ps.push(
            json!({"name": name, "in": "query", "description": desc, "schema": {"type": "string"}}),
        );
    }
    Value::Array(ps)
}

fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "format": "uri", "nullable": true},
            "previous": {"type": "string", "format": "uri", "nullable": true},
            "results": {"type": "array", "items": r(item)}
        }
    })
}

/// CRUD operations for a resource at `list` and `item`.
fn crud(
    p: &mut Map<String, Value>,
    (list, item): (&str, &str),
    tag: &str,
    schema: &str,
    input: &str,
    filters: &[(&str, &str)],
    multipart: bool,
) {
    let mut l = json!({
        "get": op(tag, &format!("List {tag} (paginated)."), ("200", "A page.", Some(page_of(schema))), &["400", "404"]),
        "post": with_body(op(tag, &format!("Create one of {tag}."), ("201", "Created.", Some(r(schema))), &["400", "413", "415"]), r(input), multipart),
    });
    l["get"]["parameters"] = list_params(filters);
    p.insert(documented_path(list), l);
    let mut i = json!({
        "parameters": id_param(),
        "get": op(tag, "Read one.", ("200", "The object.", Some(r(schema))), &["404"]),
        "put": with_body(op(tag, "Replace (fields left out are left unchanged).", ("200", "Updated.", Some(r(schema))), &["400", "404", "413", "415"]), r(input), multipart),
        "patch": with_body(op(tag, "Change the given fields.", ("200", "Updated.", Some(r(schema))), &["400", "404", "413", "415"]), r(input), multipart),
        "delete": op(tag, "Delete.", ("204", "Deleted.", None), &["404"]),
    });
    if item == paths::ATTACHMENT {
        let o = i.as_object_mut().expect("object");
        o.remove("put");
        o.remove("patch");
    }
    p.insert(documented_path(item), i);
}

fn header_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "header", "required": false, "description": description, "schema": schema})
}

fn etag_header() -> Value {
    json!({"ETag": {"description": "Strong entity tag of this representation (issue 14.1).", "schema": {"type": "string"}}})
}

/// The conditional and idempotency headers (issue 14): `Idempotency-Key` on every POST,
/// `If-None-Match` on reading one object, `If-Match` on changing or deleting one.
fn add_integrator_headers(p: &mut Map<String, Value>) {
    for (path, item) in p.iter_mut() {
        let detail = item.get("parameters").is_some() && !path.ends_with("/download/");
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            let (param, extra): (Value, &[&str]) = match method.as_str() {
                "post" => (
                    header_param(
                        "Idempotency-Key",
                        "Processes the POST once: a retry with the same key, body and path gets the stored answer with Idempotent-Replayed: true.",
                        json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}),
                    ),
                    &["400", "409", "422"],
                ),
                "get" if detail => (
                    header_param(
                        "If-None-Match",
                        "304 without a body when the current ETag is listed.",
                        json!({"type": "string"}),
                    ),
                    &[],
                ),
                "put" | "patch" | "delete" if detail => (
                    header_param(
                        "If-Match",
                        "Writes only if the current ETag is listed (or `*`); else 412.",
                        json!({"type": "string"}),
                    ),
                    &["400", "412"],
                ),
                _ => continue,
            };
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            match op.get_mut("parameters").and_then(Value::as_array_mut) {
                Some(list) => list.push(param),
                None => {
                    op.insert("parameters".into(), json!([param]));
                }
            }
            let responses = op
                .entry("responses")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("responses is an object");
            for (code, v) in errors(extra) {
                responses.entry(code).or_insert(v);
            }
            match method.as_str() {
                "get" => {
                    responses.insert(
                        "304".into(),
                        json!({"description": "Not modified: If-None-Match lists the current ETag.", "headers": etag_header()}),
                    );
                    if let Some(ok) = responses.get_mut("200") {
                        ok["headers"] = etag_header();
                    }
                }
                "post" => {
                    if let Some(ok) = responses.get_mut("201") {
                        let mut headers = etag_header();
                        headers["Idempotent-Replayed"] = json!({"description": "`true` on an answer replayed for an Idempotency-Key.", "schema": {"type": "string", "enum": ["true"]}});
                        ok["headers"] = headers;
                    }
                }
                "put" | "patch" => {
                    if let Some(ok) = responses.get_mut("200") {
                        ok["headers"] = etag_header();
                    }
                }
                _ => {}
            }
        }
    }
}

/// The whole document.
pub fn document() -> Value {
    let mut p = Map::new();
    crud(
        &mut p,
        (paths::TICKETS, paths::TICKET),
        "tickets",
        "Ticket",
        "TicketInput",
        &[
            ("status", "comma-separated status numbers"),
            ("queue", "queue id"),
            ("assigned_to", "user id"),
            ("priority", "1..5"),
            (
                "q",
                "a ticket number (301 or #301), listed first, or at least 3 characters of text in title, description, submitter_email or a custom field value (400 if shorter)",
            ),
            (
                "ordering",
                "id, -id, title, -title, queue, -queue, status, -status, created, -created, priority, -priority, due_date, -due_date, modified, -modified",
            ),
        ],
        true,
    );
    crud(
        &mut p,
        (paths::FOLLOWUPS, paths::FOLLOWUP),
        "followups",
        "FollowUp",
        "FollowUpInput",
        &[("ticket", "ticket id")],
        true,
    );
    crud(
        &mut p,
        (paths::ATTACHMENTS, paths::ATTACHMENT),
        "followups-attachments",
        "Attachment",
        "AttachmentInput",
        &[("followup", "followup id")],
        true,
    );
    crud(
        &mut p,
        (paths::QUEUES, paths::QUEUE),
        "queues",
        "Queue",
        "QueueInput",
        &[],
        false,
    );
    crud(
        &mut p,
        (paths::CUSTOM_FIELDS, paths::CUSTOM_FIELD),
        "custom_fields",
        "CustomField",
        "CustomFieldInput",
        &[],
        false,
    );
    p.insert(
        documented_path(paths::ATTACHMENT_DOWNLOAD),
        json!({
            "parameters": id_param(),
            "get": op("followups-attachments", "The file's bytes (staff only).",
                ("200", "The bytes, with the uploader's Content-Type.", None), &["404"]),
        }),
    );
    p.insert(documented_path(paths::USERS), json!({
        "post": with_body(op("users", "Create a user (staff; superuser for staff or superusers).",
            ("201", "Created, without the password.", Some(r("User"))), &["400", "413", "415"]), r("UserInput"), false),
    }));
    let mut mine = json!({
        "get": op("user_tickets", "The caller's tickets by submitter email, newest first.",
            ("200", "A page.", Some(page_of("PublicTicket"))), &["404"]),
    });
    mine["get"]["parameters"] = list_params(&[]);
    p.insert(documented_path(paths::USER_TICKETS), mine);
    crud(
        &mut p,
        (paths::WEBHOOKS, paths::WEBHOOK),
        "webhooks",
        "Webhook",
        "WebhookInput",
        &[],
        false,
    );
    // Creation answers the whole secret, once.
    p[&documented_path(paths::WEBHOOKS)]["post"]["responses"]["201"] = resp(
        "Created, with the whole secret (shown this once).",
        Some(r("WebhookWithSecret")),
    );
    p.insert(documented_path(paths::WEBHOOK_ROTATE), json!({
        "parameters": id_param(),
        "post": op("webhooks", "A new secret for the endpoint; the old one stops at once.",
            ("200", "The endpoint with its whole new secret.", Some(r("WebhookWithSecret"))), &["404"]),
    }));
    let mut deliveries = json!({
        "parameters": id_param(),
        "get": op("webhooks", "The endpoint's deliveries, oldest first.",
            ("200", "A page.", Some(page_of("WebhookDelivery"))), &["404"]),
    });
    deliveries["get"]["parameters"] = list_params(&[]);
    p.insert(documented_path(paths::WEBHOOK_DELIVERIES), deliveries);
    p.insert(documented_path(paths::WEBHOOK_REDELIVER), json!({
        "parameters": [id_param()[0].clone(), {"name": "delivery", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
        "post": op("webhooks", "Send the delivery's event again, as a new delivery due now.",
            ("201", "The new delivery.", Some(r("WebhookDelivery"))), &["404"]),
    }));
    // Mail in's ignore list (superusers): list, add, read, delete; no edit.
    let mut ignored = json!({
        "get": op("mail-ignore", "The senders whose mail is never filed (superusers; paginated).",
            ("200", "A page.", Some(page_of("IgnoredSender"))), &["400", "404"]),
        "post": with_body(op("mail-ignore", "Add an address or a * pattern to the ignore list.",
            ("201", "Created.", Some(r("IgnoredSender"))), &["400", "413", "415"]), r("IgnoredSenderInput"), false),
    });
    ignored["get"]["parameters"] = list_params(&[]);
    p.insert(documented_path(paths::MAIL_IGNORE), ignored);
    p.insert(documented_path(paths::MAIL_IGNORE_ENTRY), json!({
        "parameters": id_param(),
        "get": op("mail-ignore", "Read one.", ("200", "The entry.", Some(r("IgnoredSender"))), &["404"]),
        "delete": op("mail-ignore", "Delete: mail from the sender is filed again.", ("204", "Deleted.", None), &["404"]),
    }));
    let mut changes = json!({
        "get": op("changes", "The change feed (staff only): every committed change to tickets, followups and attachments, oldest first, after the cursor `after`.",
            ("200", "Events, with the cursor to continue from.", Some(r("ChangePage"))), &["400"]),
    });
    changes["get"]["responses"]["410"] = resp(
        "The cursor is older than the retained events (HELPDESK_CHANGES_RETENTION_DAYS): resync from the list endpoints.",
        Some(r("Detail")),
    );
    changes["get"]["parameters"] = json!([
        {"name": "after", "in": "query", "description": "an opaque cursor: the `next` of an earlier answer; left out, the feed starts at the oldest retained event", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    ]);
    p.insert(documented_path(paths::CHANGES), changes);
    p.insert(documented_path(paths::OPENAPI), json!({
        "get": {"tags": ["openapi"], "summary": "This document.", "responses": {"200": resp("OpenAPI 3 document.", None)}},
    }));
    add_integrator_headers(&mut p);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Helpdesk API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "django-helpdesk compatible REST API. Every path works with and without the trailing slash."
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}, {"sessionCookie": []}],
        "paths": p,
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "helpdesk_session"}
            },
            "schemas": schemas()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The router sources, scanned for their route registrations.
    const SOURCES: &[&str] = &[
        include_str!("queues.rs"),
        include_str!("tickets.rs"),
        include_str!("custom_fields.rs"),
        include_str!("followups.rs"),
        include_str!("attachments.rs"),
        include_str!("users.rs"),
        include_str!("user_tickets.rs"),
        include_str!("webhooks.rs"),
        include_str!("openapi.rs"),
        include_str!("changes.rs"),
        include_str!("mail_ignore.rs"),
        include_str!("mod.rs"),
    ];

    /// (path constant, methods) for every `.route(` call in the sources.
    fn registered_routes() -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        for src in SOURCES {
            let mut rest = *src;
            while let Some(i) = rest.find(".route(") {
                rest = &rest[i + ".route(".len()..];
                // The call ends at the matching parenthesis.
                let mut depth = 1;
                let mut end = 0;
                for (j, c) in rest.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                let call: String = rest[..end].split_whitespace().collect();
                // Skip this test's own text; real routes name a `paths::` constant.
                let Some((first, methods)) = call.split_once(',') else {
                    continue;
                };
                if !first.starts_with("paths::") {
                    continue;
                }
                let name = first.trim_start_matches("paths::").to_owned();
                let methods = ["get", "post", "put", "patch", "delete"]
                    .into_iter()
                    .filter(|m| {
                        methods.starts_with(&format!("{m}(")) || methods.contains(&format!(".{m}("))
                    })
                    .map(str::to_owned)
                    .collect();
                out.push((name, methods));
            }
        }
        out
    }

    #[test]
    fn every_registered_route_is_in_the_openapi_document_with_its_methods() {
        let doc = document();
        let routes = registered_routes();
        assert!(routes.len() >= 14, "{routes:?}");
        for (name, methods) in &routes {
            let path = paths::ALL
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("route {name} is not a constant in api::paths"))
                .1;
            let entry = &doc["paths"][documented_path(path)];
            assert!(entry.is_object(), "{path} is missing from openapi.json");
            assert!(!methods.is_empty(), "{name}: no methods found");
            for m in methods {
                assert!(
                    entry[m].is_object(),
                    "{m} {path} is missing from openapi.json"
                );
            }
        }
        // And the document lists nothing the router does not serve.
        assert_eq!(doc["paths"].as_object().unwrap().len(), paths::ALL.len());
        for (_, path) in paths::ALL {
            assert!(
                routes
                    .iter()
                    .any(|(n, _)| paths::ALL.iter().any(|(a, p)| a == n && p == path)),
                "{path} is documented but not routed"
            );
        }
    }
}
