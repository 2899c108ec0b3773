//! Reading fields out of a raw JSON object (a decoded JSON body or a multipart form) the way
//! Django REST framework does, so that every endpoint reports the same messages. Every reader
//! records its error in an `ErrorBag` and goes on, so all bad fields are reported at once.

use serde_json::{Map, Value};

use super::{NOT_BLANK, NOT_NULL, REQUIRED};
use crate::error::ErrorBag;

/// A request body as an object: JSON as sent, or a form's text parts as strings.
pub type Body = Map<String, Value>;

/// How a write treats fields that are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// POST: required fields must be there, the rest take defaults.
    Create,
    /// PUT: required fields must be there; a writable field left out is left unchanged.
    Replace,
    /// PATCH: only the fields given.
    Update,
}

impl WriteMode {
    pub fn requires_all(self) -> bool {
        !matches!(self, WriteMode::Update)
    }
}

/// DRF's name for a JSON value's type, as its messages show it.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

pub const NOT_A_STRING: &str = "Not a valid string.";

/// A string as DRF's CharField takes it: strings, and numbers written out; not booleans,
/// lists or objects.
pub fn as_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(NOT_A_STRING.to_owned()),
    }
}

/// A primary key as DRF's PrimaryKeyRelatedField takes it: a whole number or a string of
/// digits. Whether the row exists is for the service to check.
pub fn as_pk(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| super::invalid_pk(n))
            .and_then(|id| {
                if id > 0 {
                    Ok(id)
                } else {
                    Err(super::invalid_pk(id))
                }
            }),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(id),
            Ok(id) => Err(super::invalid_pk(id)),
            Err(_) if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) => {
                Err(super::invalid_pk(s.trim()))
            }
            Err(_) => Err("Incorrect type. Expected pk value, received str.".to_owned()),
        },
        other => Err(format!(
            "Incorrect type. Expected pk value, received {}.",
            type_name(other)
        )),
    }
}

/// A value that may be null: `Ok(None)` for null and for an empty string (what a form sends
/// for "nothing"), else the parsed value.
pub fn nullable<T>(
    v: &Value,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        other => parse(other).map(Some),
    }
}

/// Reads a field that must be present (in `Create`/`Replace`) and not null.
/// `None` when it is absent in `Update`, or when it was bad (the error is recorded).
pub fn required<T>(
    body: &Body,
    key: &str,
    mode: WriteMode,
    errors: &mut ErrorBag,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<T> {
    match body.get(key) {
        None => {
            if mode.requires_all() {
                errors.add(key, REQUIRED);
            }
            None
        }
        Some(Value::Null) => {
            errors.add(key, NOT_NULL);
            None
        }
        Some(v) => errors.take(key, parse(v)),
    }
}

/// Reads an optional, non-null field: `None` when absent (or bad; the error is recorded).
pub fn optional<T>(
    body: &Body,
    key: &str,
    errors: &mut ErrorBag,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<T> {
    match body.get(key) {
        None => None,
        Some(Value::Null) => {
            errors.add(key, NOT_NULL);
            None
        }
        Some(v) => errors.take(key, parse(v)),
    }
}

/// Reads an optional, nullable field: `None` when absent, `Some(None)` when null or empty.
pub fn optional_nullable<T>(
    body: &Body,
    key: &str,
    errors: &mut ErrorBag,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<Option<T>> {
    match body.get(key) {
        None => None,
        Some(v) => errors.take(key, nullable(v, parse)),
    }
}

/// A string of at most `max` characters (counting characters, not bytes), trimmed;
/// blank allowed when `allow_blank`.
pub fn text(max: Option<usize>, allow_blank: bool) -> impl Fn(&Value) -> Result<String, String> {
    move |v| {
        let s = as_text(v)?;
        let s = s.trim().to_owned();
        if s.is_empty() && !allow_blank {
            return Err(NOT_BLANK.to_owned());
        }
        if let Some(max) = max
            && s.chars().count() > max
        {
            return Err(format!(
                "Ensure this field has no more than {max} characters."
            ));
        }
        Ok(s)
    }
}

/// A boolean (see `parse_bool`).
pub fn boolean(v: &Value) -> Result<bool, String> {
    super::parse_bool(v)
}

/// A whole number as DRF's IntegerField takes it (`1`, `"1"`, `1.0`).
pub fn integer(v: &Value) -> Result<i64, String> {
    const INVALID: &str = "A valid integer is required.";
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            })
            .ok_or_else(|| INVALID.to_owned()),
        Value::String(s) => {
            let t = s.trim();
            if t.len() > 1000 {
                return Err("String value too large.".to_owned());
            }
            // "1.0" and "1.00" are whole numbers too, as DRF accepts them.
            let t = match t.split_once('.') {
                Some((whole, zeros)) if zeros.bytes().all(|b| b == b'0') => whole,
                _ => t,
            };
            t.parse::<i64>().map_err(|_| INVALID.to_owned())
        }
        _ => Err(INVALID.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn primary_keys_are_numbers_or_digit_strings() {
        assert_eq!(as_pk(&json!(7)), Ok(7));
        assert_eq!(as_pk(&json!("7")), Ok(7));
        assert_eq!(
            as_pk(&json!("abc")).unwrap_err(),
            "Incorrect type. Expected pk value, received str."
        );
        assert_eq!(
            as_pk(&json!(true)).unwrap_err(),
            "Incorrect type. Expected pk value, received bool."
        );
        assert_eq!(
            as_pk(&json!(99999999999999999999u128.to_string())).unwrap_err(),
            "Invalid pk \"99999999999999999999\" - object does not exist."
        );
        assert_eq!(
            as_pk(&json!(-1)).unwrap_err(),
            "Invalid pk \"-1\" - object does not exist."
        );
    }

    #[test]
    fn required_fields_report_missing_and_null_differently() {
        let body = json!({"b": null}).as_object().unwrap().clone();
        let mut errors = ErrorBag::new();
        assert_eq!(
            required(&body, "a", WriteMode::Create, &mut errors, as_text),
            None
        );
        assert_eq!(
            required(&body, "b", WriteMode::Update, &mut errors, as_text),
            None
        );
        assert_eq!(
            required(&body, "a", WriteMode::Update, &mut errors, as_text),
            None
        );
        let err = errors.into_result().unwrap_err();
        assert_eq!(err.field_messages("a"), vec![REQUIRED]);
        assert_eq!(err.field_messages("b"), vec![NOT_NULL]);
    }

    #[test]
    fn integers_accept_numbers_and_strings_but_not_words() {
        assert_eq!(integer(&json!(3)), Ok(3));
        assert_eq!(integer(&json!("3")), Ok(3));
        assert_eq!(integer(&json!("3.0")), Ok(3));
        assert_eq!(integer(&json!(3.0)), Ok(3));
        for bad in [
            json!("x"),
            json!(1.5),
            json!(true),
            json!("99999999999999999999999"),
        ] {
            assert_eq!(
                integer(&bad).unwrap_err(),
                "A valid integer is required.",
                "{bad}"
            );
        }
    }

    #[test]
    fn text_counts_characters_and_rejects_non_strings() {
        assert_eq!(text(Some(3), false)(&json!(" héé ")), Ok("héé".to_owned()));
        assert!(text(Some(3), false)(&json!("abcd")).is_err());
        assert_eq!(text(None, false)(&json!(" ")).unwrap_err(), NOT_BLANK);
        assert_eq!(text(None, true)(&json!(["a"])).unwrap_err(), NOT_A_STRING);
    }
}
