//! The OpenAPI document's component schemas: every object the API reads or answers.

use serde_json::{Value, json};

use super::r;

fn nullable(t: &str) -> Value {
    json!({"type": t, "nullable": true})
}

pub(super) fn schemas() -> Value {
    let dt = json!({"type": "string", "format": "date-time", "description": "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]; returned as YYYY-MM-DDThh:mm:ss[.ffffff]Z"});
    json!({
        "Detail": {"type": "object", "properties": {"detail": {"type": "string"}}},
        "FieldErrors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        // A body that is unusable as a whole (malformed JSON, a list instead of an object)
        // gets `detail`, as in Django REST framework; bad fields get one key each.
        "ValidationError": {"anyOf": [
            {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}},
            r("FieldErrors")]},
        "Queue": {"type": "object", "properties": {
            "id": {"type": "integer", "readOnly": true}, "title": {"type": "string", "maxLength": 100},
            "slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}, "email_address": nullable("string"),
            "allow_public_submission": {"type": "boolean"}, "default_owner": nullable("integer"),
            "new_ticket_cc": {"type": "string", "nullable": true, "description": "addresses copied on every new ticket, comma-separated"},
            "updated_ticket_cc": {"type": "string", "nullable": true, "description": "addresses copied on every followup and change, comma-separated"}}},
        "QueueInput": {"type": "object", "required": ["title", "slug"], "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 100}, "slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"}, "email_address": nullable("string"),
            "allow_public_submission": {"type": "boolean"}, "default_owner": nullable("integer"),
            "new_ticket_cc": {"type": "string", "nullable": true, "description": "addresses copied on every new ticket, comma-separated"},
            "updated_ticket_cc": {"type": "string", "nullable": true, "description": "addresses copied on every followup and change, comma-separated"}}},
        "Ticket": {"type": "object", "additionalProperties": {"description": "custom_<name>: the value of each custom field, null when unset"}, "properties": {
            "id": {"type": "integer"}, "queue": {"type": "integer"}, "title": {"type": "string"},
            "description": {"type": "string"}, "resolution": nullable("string"), "submitter_email": nullable("string"),
            "assigned_to": nullable("integer"), "status": {"type": "integer", "enum": [1, 2, 3, 4, 5], "description": "OPEN=1 REOPENED=2 RESOLVED=3 CLOSED=4 DUPLICATE=5"},
            "on_hold": {"type": "boolean"}, "priority": {"type": "integer", "enum": [1, 2, 3, 4, 5], "description": "1 Critical .. 5 Very Low"},
            "due_date": {"type": "string", "format": "date-time", "nullable": true}, "merged_to": nullable("integer"),
            "created": dt.clone(), "modified": dt.clone(), "followup_set": {"type": "array", "items": r("FollowUp")}}},
        "TicketInput": {"type": "object", "required": ["queue", "title"], "additionalProperties": {"description": "custom_<name> values"}, "properties": {
            "queue": {"type": "integer"}, "title": {"type": "string", "minLength": 1, "maxLength": 200}, "description": {"type": "string"},
            "resolution": nullable("string"), "submitter_email": nullable("string"), "assigned_to": nullable("integer"),
            "status": {"type": "integer", "enum": [1, 2, 3, 4, 5], "description": "ignored on create"}, "on_hold": {"type": "boolean", "description": "ignored on create"},
            "priority": {"type": "integer", "enum": [1, 2, 3, 4, 5], "default": 3}, "due_date": {"type": "string", "format": "date-time", "nullable": true},
            "merged_to": {"type": "integer", "nullable": true, "description": "ignored on create"},
            "attachment": {"type": "string", "format": "binary", "description": "multipart only, on create"}}},
        "FollowUp": {"type": "object", "properties": {
            "id": {"type": "integer"}, "ticket": {"type": "integer"}, "user": nullable("integer"), "title": nullable("string"),
            "comment": nullable("string"), "public": {"type": "boolean"}, "new_status": nullable("integer"),
            "time_spent": {"type": "string", "nullable": true, "description": "HH:MM:SS"}, "date": dt,
            "message_id": nullable("string"), "followupattachment_set": {"type": "array", "items": r("Attachment")}}},
        "FollowUpInput": {"type": "object", "required": ["ticket"], "properties": {
            "ticket": {"type": "integer", "description": "create only"}, "title": nullable("string"), "comment": nullable("string"),
            "public": {"type": "boolean"}, "new_status": {"type": "integer", "nullable": true, "description": "create only; changes the ticket's status"},
            "time_spent": {"type": "string", "nullable": true},
            "attachments": {"type": "array", "items": {"type": "string", "format": "binary"}, "description": "multipart only"}}},
        "Attachment": {"type": "object", "properties": {
            "id": {"type": "integer"}, "followup": {"type": "integer"}, "filename": {"type": "string"},
            "mime_type": {"type": "string"}, "size": {"type": "integer"}, "url": {"type": "string", "description": "root-relative; GET answers the bytes to staff"}}},
        "AttachmentInput": {"type": "object", "required": ["followup", "file"], "properties": {
            "followup": {"type": "integer"}, "file": {"type": "string", "format": "binary"}}},
        "CustomField": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "label": {"type": "string"}, "help_text": {"type": "string"},
            "data_type": {"type": "string", "enum": ["varchar", "text", "integer", "decimal", "list", "boolean", "date", "time", "datetime", "email", "url", "ipaddress", "slug"]},
            "max_length": nullable("integer"), "decimal_places": nullable("integer"), "list_values": {"type": "string", "description": "one choice a line"},
            "empty_selection_list": {"type": "boolean"}, "required": {"type": "boolean"}, "staff_only": {"type": "boolean"}, "ordering": nullable("integer")}},
        "CustomFieldInput": {"allOf": [r("CustomField")], "required": ["name", "label", "data_type"]},
        "UserInput": {"type": "object", "required": ["username", "password"], "properties": {
            "username": {"type": "string"}, "email": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
            "password": {"type": "string", "writeOnly": true, "minLength": 8}, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"}}},
        "User": {"type": "object", "properties": {
            "id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"}, "first_name": {"type": "string"},
            "last_name": {"type": "string"}, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"}, "is_active": {"type": "boolean"}}},
        "IgnoredSenderInput": {"type": "object", "required": ["pattern"], "properties": {
            "pattern": {"type": "string", "maxLength": 254, "description": "an address, or a pattern with * wildcards such as *@noreply.example.com"},
            "note": {"type": "string", "maxLength": 500}}},
        "IgnoredSender": {"type": "object", "properties": {
            "id": {"type": "integer"}, "pattern": {"type": "string"}, "note": {"type": "string"},
            "created": {"type": "string", "format": "date-time"}}},
        "WebhookInput": {"type": "object", "required": ["url", "events"], "properties": {
            "url": {"type": "string", "format": "uri", "description": "http:// or https://; private addresses refused unless HELPDESK_WEBHOOK_ALLOW_PRIVATE"},
            "events": {"type": "array", "items": {"type": "string", "enum": ["*", "ticket.created", "ticket.updated", "ticket.deleted", "followup.created", "followup.updated", "followup.deleted", "attachment.created", "attachment.deleted"]}},
            "active": {"type": "boolean"}, "description": {"type": "string", "maxLength": 200}}},
        "Webhook": {"type": "object", "properties": {
            "id": {"type": "integer"}, "url": {"type": "string"}, "events": {"type": "array", "items": {"type": "string"}},
            "active": {"type": "boolean"}, "description": {"type": "string"},
            "disabled_reason": {"type": "string", "enum": ["", "gone", "failing"]},
            "secret_hint": {"type": "string"}, "created": {"type": "string", "format": "date-time"}}},
        "WebhookWithSecret": {"allOf": [r("Webhook"), {"type": "object", "properties": {"secret": {"type": "string", "description": "whsec_ + base64 of 24 bytes"}}}]},
        "WebhookDelivery": {"type": "object", "properties": {
            "id": {"type": "integer"}, "endpoint": {"type": "integer"}, "event": {"type": "integer"}, "event_type": {"type": "string"},
            "attempts": {"type": "integer"}, "state": {"type": "string", "enum": ["pending", "delivered", "failed"]},
            "status_code": nullable("integer"), "error": {"type": "string"}, "latency_ms": nullable("integer"),
            "last_attempt_at": nullable("string"), "next_attempt_at": nullable("string"), "delivered_at": nullable("string")}},
        "ChangeEvent": {"type": "object", "required": ["id", "type", "at", "actor", "ticket", "data"], "properties": {
            "id": {"type": "integer", "description": "unique and stable; increases in commit order"},
            "type": {"type": "string", "enum": ["ticket.created", "ticket.updated", "ticket.deleted", "followup.created", "followup.updated", "followup.deleted", "attachment.created", "attachment.deleted"]},
            "at": {"type": "string", "format": "date-time", "description": "commit time, UTC"}, "actor": nullable("integer"), "ticket": {"type": "integer"},
            "changes": {"type": "object", "additionalProperties": {"type": "array", "items": nullable("string"), "minItems": 2, "maxItems": 2},
                "description": "ticket.updated only: field -> [old, new], as the audit trail records them"},
            "data": {"type": "object", "description": "the Ticket, FollowUp or Attachment as the API shows it after the change; for a deletion {id, title}"}}},
        "ChangePage": {"type": "object", "required": ["results", "next", "has_more"], "properties": {
            "results": {"type": "array", "items": r("ChangeEvent")}, "next": {"type": "string", "description": "pass as `after` to continue"},
            "has_more": {"type": "boolean"}}},
        "PublicTicket": {"type": "object", "properties": {
            "ticket": {"type": "string", "description": "<id> [<queue-slug>-<id>]"}, "id": {"type": "integer"}, "title": {"type": "string"},
            "queue": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}},
            "status": {"type": "integer"}, "created": {"type": "string", "format": "date-time"},
            "due_date": {"type": "string", "format": "date-time", "nullable": true}, "submitter": nullable("string"), "secret_key": {"type": "string"}}},
    })
}
