//! A ticket's values as the edit form writes them.

use super::Ticket;

/// A custom value as the ticket form's input shows it (booleans as `true` / `false`).
pub fn custom_form_value(
    f: &crate::domain::custom_field::CustomField,
    t: Option<&Ticket>,
) -> String {
    use crate::domain::custom_field::DataType;
    let Some(v) = t.and_then(|t| t.custom.get(&f.key())) else {
        return String::new();
    };
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) if f.data_type == DataType::Datetime => {
            s.chars().take(16).collect()
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every field of the edit form as the form writes it for `t` (field name -> text). The form
/// sends these back as its original values, so the server applies only what the agent
/// changed, and tells which fields a colleague changed meanwhile.
pub fn edit_form_values(
    t: &Ticket,
    defs: &[crate::domain::custom_field::CustomField],
) -> std::collections::BTreeMap<String, String> {
    let mut v = std::collections::BTreeMap::new();
    let mut put = |k: &str, s: String| {
        v.insert(k.to_owned(), s);
    };
    put("queue", t.queue.to_string());
    put("title", t.title.clone());
    put("description", t.description.clone());
    put(
        "submitter_email",
        t.submitter_email.clone().unwrap_or_default(),
    );
    put("priority", (t.priority as i64).to_string());
    put(
        "due_date",
        t.due_date
            .as_ref()
            .map(|d| d.to_input())
            .unwrap_or_default(),
    );
    put(
        "assigned_to",
        t.assigned_to.map(|u| u.to_string()).unwrap_or_default(),
    );
    put("status", (t.status as i64).to_string());
    put("resolution", t.resolution.clone().unwrap_or_default());
    put(
        "merged_to",
        t.merged_to.map(|m| m.to_string()).unwrap_or_default(),
    );
    put("on_hold", t.on_hold.to_string());
    for d in defs {
        put(&d.key(), custom_form_value(d, Some(t)));
    }
    v
}
