//! Custom fields: their definitions and the 13 data types of django-helpdesk.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Varchar,
    Text,
    Integer,
    Decimal,
    List,
    Boolean,
    Date,
    Time,
    Datetime,
    Email,
    Url,
    Ipaddress,
    Slug,
}

impl DataType {
    pub const ALL: [DataType; 13] = [
        DataType::Varchar,
        DataType::Text,
        DataType::Integer,
        DataType::Decimal,
        DataType::List,
        DataType::Boolean,
        DataType::Date,
        DataType::Time,
        DataType::Datetime,
        DataType::Email,
        DataType::Url,
        DataType::Ipaddress,
        DataType::Slug,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Varchar => "varchar",
            DataType::Text => "text",
            DataType::Integer => "integer",
            DataType::Decimal => "decimal",
            DataType::List => "list",
            DataType::Boolean => "boolean",
            DataType::Date => "date",
            DataType::Time => "time",
            DataType::Datetime => "datetime",
            DataType::Email => "email",
            DataType::Url => "url",
            DataType::Ipaddress => "ipaddress",
            DataType::Slug => "slug",
        }
    }

    /// The type as the admin pages name it.
    pub fn label(self) -> &'static str {
        match self {
            DataType::Varchar => "Short text",
            DataType::Text => "Long text",
            DataType::Integer => "Whole number",
            DataType::Decimal => "Decimal number",
            DataType::List => "Choice from a list",
            DataType::Boolean => "Yes / no",
            DataType::Date => "Date",
            DataType::Time => "Time",
            DataType::Datetime => "Date and time",
            DataType::Email => "Email address",
            DataType::Url => "Web address (URL)",
            DataType::Ipaddress => "IP address",
            DataType::Slug => "Slug (letters, digits, - and _)",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw.trim())
            .ok_or_else(|| format!("\"{raw}\" is not a valid choice."))
    }
}

/// A custom field definition, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: i64,
    pub name: String,
    pub label: String,
    pub help_text: String,
    pub data_type: DataType,
    pub max_length: Option<i64>,
    pub decimal_places: Option<i64>,
    pub list_values: String,
    pub empty_selection_list: bool,
    pub required: bool,
    pub staff_only: bool,
    pub ordering: Option<i64>,
}

impl CustomField {
    /// The choices of a `list` field, one a line, trimmed, blank lines dropped.
    pub fn choices(&self) -> Vec<String> {
        self.list_values
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

pub const INVALID_INTEGER: &str = "A valid integer is required.";
pub const INVALID_NUMBER: &str = "A valid number is required.";
pub const INVALID_URL: &str = "Enter a valid URL.";
pub const INVALID_IP: &str = "Enter a valid IPv4 or IPv6 address.";
pub const INVALID_BOOLEAN: &str = "Must be a valid boolean.";

/// A field's own `max_length`, and never more than `MAX_TEXT_CHARS` (a field without a
/// `max_length` would otherwise take any size).
fn max_chars(value: &str, max: Option<i64>) -> Result<(), String> {
    let cap = super::MAX_TEXT_CHARS as i64;
    let limit = match max {
        Some(m) if m > 0 => m.min(cap),
        _ => cap,
    };
    if value.chars().count() as i64 > limit {
        return Err(format!(
            "Ensure this field has no more than {limit} characters."
        ));
    }
    Ok(())
}

/// Checks a decimal as DRF's DecimalField does (max_digits = `max_length`) and writes it with
/// exactly `decimal_places` digits after the point.
fn check_decimal(
    raw: &str,
    max_digits: Option<i64>,
    places: Option<i64>,
) -> Result<String, String> {
    // A definition stored before decimal_places was bounded must not pad without end either.
    let places = places.map(|p| p.min(MAX_DECIMAL_PLACES));
    let s = raw.trim();
    if s.len() > 1000 {
        return Err("String value too large.".to_owned());
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !all_digits(whole) || !all_digits(frac) {
        return Err(INVALID_NUMBER.to_owned());
    }
    // Python's Decimal drops leading zeros of the whole part and keeps trailing zeros.
    let whole_sig = whole.trim_start_matches('0');
    let decimals = frac.len() as i64;
    let (total, whole_digits) = if !whole_sig.is_empty() {
        (
            (whole_sig.len() + frac.len()) as i64,
            whole_sig.len() as i64,
        )
    } else {
        let frac_sig = frac.trim_start_matches('0').len() as i64;
        (decimals.max(frac_sig), 0)
    };
    if let Some(m) = max_digits
        && total > m
    {
        return Err(format!(
            "Ensure that there are no more than {m} digits in total."
        ));
    }
    if let Some(p) = places
        && decimals > p
    {
        return Err(format!(
            "Ensure that there are no more than {p} decimal places."
        ));
    }
    if let (Some(m), Some(p)) = (max_digits, places)
        && whole_digits > m - p
    {
        return Err(format!(
            "Ensure that there are no more than {} digits before the decimal point.",
            m - p
        ));
    }
    let whole_out = if whole_sig.is_empty() { "0" } else { whole_sig };
    let mut frac_out = frac.to_owned();
    if let Some(p) = places {
        while (frac_out.len() as i64) < p {
            frac_out.push('0');
        }
    }
    let zero = whole_out == "0" && frac_out.bytes().all(|b| b == b'0');
    let sign = if neg && !zero { "-" } else { "" };
    Ok(if frac_out.is_empty() {
        format!("{sign}{whole_out}")
    } else {
        format!("{sign}{whole_out}.{frac_out}")
    })
}

fn valid_host(host: &str) -> bool {
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    if host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    let tld = labels[labels.len() - 1];
    labels.len() >= 2
        && host.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && tld.len() >= 2
        && (tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
}

/// Django's URLValidator, in short: http(s)/ftp(s), a real host, an optional port.
pub fn is_valid_url(s: &str) -> bool {
    if s.chars().count() > 2048 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if !["http", "https", "ftp", "ftps"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if hostport.starts_with('[') {
        match hostport.split_once(']') {
            Some((h, p)) => (&hostport[..h.len() + 1], p.strip_prefix(':')),
            None => return false,
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && valid_host(host)
}

impl CustomField {
    /// The key of this field in a ticket object.
    pub fn key(&self) -> String {
        format!("{}{}", super::ticket::CUSTOM_PREFIX, self.name)
    }

    /// Checks a value sent for this field and returns the text to store (`None`: unset).
    /// null (and an empty string, for every type but boolean) unsets an optional field.
    ///
    /// # Errors
    /// The DRF message for the field's type.
    pub fn validate_value(&self, raw: &serde_json::Value) -> Result<Option<String>, String> {
        use serde_json::Value;
        let empty = match raw {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty() && self.data_type != DataType::Boolean,
            _ => false,
        };
        if empty {
            return if !self.required {
                Ok(None)
            } else if raw.is_null() {
                Err(super::NOT_NULL.to_owned())
            } else {
                Err(super::NOT_BLANK.to_owned())
            };
        }
        let text = || super::input::as_text(raw);
        let stored = match self.data_type {
            DataType::Varchar | DataType::Text => {
                let s = text()?;
                max_chars(&s, self.max_length)?;
                s
            }
            DataType::Integer => super::input::integer(raw)
                .map_err(|_| INVALID_INTEGER.to_owned())?
                .to_string(),
            DataType::Decimal => {
                let s = match raw {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(INVALID_NUMBER.to_owned()),
                };
                check_decimal(&s, self.max_length, self.decimal_places)?
            }
            DataType::List => {
                let s = text()?;
                let choice = s.trim();
                if !self.choices().iter().any(|c| c == choice) {
                    return Err(format!("\"{s}\" is not a valid choice."));
                }
                choice.to_owned()
            }
            DataType::Boolean => {
                let b = match raw {
                    Value::String(s) if s.trim().is_empty() => {
                        return Err(INVALID_BOOLEAN.to_owned());
                    }
                    other => super::parse_bool(other)?,
                };
                if b { "true" } else { "false" }.to_owned()
            }
            DataType::Date => {
                let s = text().map_err(|_| super::datetime::DATE_FORMAT_ERROR.to_owned())?;
                super::datetime::parse_date(s.trim())
                    .ok_or_else(|| super::datetime::DATE_FORMAT_ERROR.to_owned())?
                    .format("%Y-%m-%d")
                    .to_string()
            }
            DataType::Time => {
                let s = text().map_err(|_| super::datetime::TIME_FORMAT_ERROR.to_owned())?;
                let t = super::datetime::parse_time(s.trim())
                    .ok_or_else(|| super::datetime::TIME_FORMAT_ERROR.to_owned())?;
                if chrono::Timelike::nanosecond(&t) == 0 {
                    t.format("%H:%M:%S").to_string()
                } else {
                    t.format("%H:%M:%S%.6f").to_string()
                }
            }
            DataType::Datetime => {
                let s = text().map_err(|_| super::datetime::DATETIME_FORMAT_ERROR.to_owned())?;
                super::Timestamp::parse(&s)?.to_api()
            }
            DataType::Email => {
                let s = text()?;
                max_chars(s.trim(), self.max_length)?;
                super::Email::parse(&s)?.into_inner()
            }
            DataType::Url => {
                let s = text()?;
                let s = s.trim();
                max_chars(s, self.max_length)?;
                if !is_valid_url(s) {
                    return Err(INVALID_URL.to_owned());
                }
                s.to_owned()
            }
            DataType::Ipaddress => {
                let s = text()?;
                s.trim()
                    .parse::<std::net::IpAddr>()
                    .map_err(|_| INVALID_IP.to_owned())?
                    .to_string()
            }
            DataType::Slug => {
                let s = text()?;
                max_chars(s.trim(), self.max_length)?;
                super::Slug::parse(&s)?.into_inner()
            }
        };
        Ok(Some(stored))
    }

    /// The JSON form of a stored value: numbers for integers, booleans for booleans,
    /// strings for the rest, null when unset.
    pub fn value_to_json(&self, stored: Option<&str>) -> serde_json::Value {
        use serde_json::Value;
        let Some(s) = stored else { return Value::Null };
        match self.data_type {
            DataType::Integer => s
                .parse::<i64>()
                .map_or_else(|_| Value::String(s.to_owned()), Value::from),
            DataType::Boolean => Value::Bool(s == "true"),
            _ => Value::String(s.to_owned()),
        }
    }
}

/// The most decimal places a decimal field may keep (values are padded to this many).
pub const MAX_DECIMAL_PLACES: i64 = 100;
/// The longest list of choices, all lines together.
pub const MAX_LIST_VALUES_CHARS: usize = 10_000;
/// The longest help text shown under a field.
pub const MAX_HELP_TEXT_CHARS: usize = 1_000;

/// A custom field definition to create or change, parsed.
#[derive(Debug)]
pub struct CustomFieldInput {
    pub name: Option<String>,
    pub label: Option<String>,
    pub help_text: Option<String>,
    pub data_type: Option<DataType>,
    pub max_length: Option<Option<i64>>,
    pub decimal_places: Option<Option<i64>>,
    pub list_values: Option<String>,
    pub empty_selection_list: Option<bool>,
    pub required: Option<bool>,
    pub staff_only: Option<bool>,
    pub ordering: Option<Option<i64>>,
    pub errors: crate::error::ErrorBag,
}

impl CustomFieldInput {
    pub fn from_json(body: &super::input::Body, mode: super::input::WriteMode) -> Self {
        use super::input::{self, as_text};
        let mut errors = crate::error::ErrorBag::new();
        let name = input::required(body, "name", mode, &mut errors, |v| {
            super::Slug::parse(&as_text(v)?).map(super::Slug::into_inner)
        });
        let label = input::required(
            body,
            "label",
            mode,
            &mut errors,
            input::text(Some(30), false),
        );
        let help_text = input::optional_nullable(
            body,
            "help_text",
            &mut errors,
            input::text(Some(MAX_HELP_TEXT_CHARS), true),
        )
        .map(Option::unwrap_or_default);
        let data_type = input::required(body, "data_type", mode, &mut errors, |v| {
            DataType::parse(&as_text(v).map_err(|_| format!("\"{v}\" is not a valid choice."))?)
        });
        // Sizes a superuser sets are bounded: each is used to check and pad every value
        // written (a decimal_places of 10^12 would pad 10^12 zeros), and list_values is
        // rendered on every ticket form.
        let bounded = |max: i64| {
            move |v: &serde_json::Value| {
                let n = input::integer(v)?;
                if n < 0 {
                    Err("Ensure this value is greater than or equal to 0.".to_owned())
                } else if n > max {
                    Err(format!("Ensure this value is less than or equal to {max}."))
                } else {
                    Ok(n)
                }
            }
        };
        let max_length = input::optional_nullable(
            body,
            "max_length",
            &mut errors,
            bounded(super::MAX_TEXT_CHARS as i64),
        );
        let decimal_places = input::optional_nullable(
            body,
            "decimal_places",
            &mut errors,
            bounded(MAX_DECIMAL_PLACES),
        );
        let list_values = input::optional_nullable(body, "list_values", &mut errors, |v| {
            let text = match v {
                // A list of choices is accepted as well as one a line.
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(as_text)
                    .collect::<Result<Vec<_>, _>>()
                    .map(|l| l.join("\n"))?,
                other => as_text(other)?,
            };
            if text.chars().count() > MAX_LIST_VALUES_CHARS {
                return Err(format!(
                    "Ensure this field has no more than {MAX_LIST_VALUES_CHARS} characters."
                ));
            }
            Ok(text)
        })
        .map(Option::unwrap_or_default);
        let empty_selection_list =
            input::optional(body, "empty_selection_list", &mut errors, input::boolean);
        let required = input::optional(body, "required", &mut errors, input::boolean);
        let staff_only = input::optional(body, "staff_only", &mut errors, input::boolean);
        let ordering = input::optional_nullable(body, "ordering", &mut errors, input::integer);
        Self {
            name,
            label,
            help_text,
            data_type,
            max_length,
            decimal_places,
            list_values,
            empty_selection_list,
            required,
            staff_only,
            ordering,
            errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn field(data_type: DataType) -> CustomField {
        CustomField {
            id: 1,
            name: "f".into(),
            label: "F".into(),
            help_text: String::new(),
            data_type,
            max_length: None,
            decimal_places: None,
            list_values: String::new(),
            empty_selection_list: false,
            required: false,
            staff_only: false,
            ordering: None,
        }
    }

    fn ok(f: &CustomField, v: Value) -> Value {
        let stored = f.validate_value(&v).unwrap_or_else(|e| panic!("{v}: {e}"));
        f.value_to_json(stored.as_deref())
    }

    fn bad(f: &CustomField, v: Value) -> String {
        f.validate_value(&v).expect_err(&v.to_string())
    }

    #[test]
    fn varchar_and_text_enforce_max_length() {
        for t in [DataType::Varchar, DataType::Text] {
            let f = CustomField {
                max_length: Some(3),
                ..field(t)
            };
            assert_eq!(ok(&f, json!("abc")), json!("abc"));
            assert_eq!(
                bad(&f, json!("abcd")),
                "Ensure this field has no more than 3 characters."
            );
            assert_eq!(bad(&f, json!(["a"])), "Not a valid string.");
        }
    }

    #[test]
    fn integer_accepts_numbers_and_numeric_strings() {
        let f = field(DataType::Integer);
        assert_eq!(ok(&f, json!(42)), json!(42));
        assert_eq!(ok(&f, json!("1")), json!(1));
        for v in [json!("one"), json!(1.5), json!(true), json!("1e999")] {
            assert_eq!(bad(&f, v), INVALID_INTEGER);
        }
    }

    #[test]
    fn decimal_checks_digits_and_places_and_pads_to_places() {
        let f = CustomField {
            max_length: Some(5),
            decimal_places: Some(3),
            ..field(DataType::Decimal)
        };
        assert_eq!(ok(&f, json!("42.987")), json!("42.987"));
        assert_eq!(ok(&f, json!("42.9")), json!("42.900"));
        assert_eq!(ok(&f, json!(1.5)), json!("1.500"));
        assert_eq!(ok(&f, json!("-0.5")), json!("-0.500"));
        assert_eq!(bad(&f, json!("abc")), INVALID_NUMBER);
        assert_eq!(
            bad(&f, json!("123.456")),
            "Ensure that there are no more than 5 digits in total."
        );
        assert_eq!(
            bad(&f, json!("1.2345")),
            "Ensure that there are no more than 3 decimal places."
        );
        assert_eq!(
            bad(&f, json!("0.1234")),
            "Ensure that there are no more than 3 decimal places."
        );
        assert_eq!(
            bad(&f, json!("123.4")),
            "Ensure that there are no more than 2 digits before the decimal point."
        );
        assert_eq!(bad(&f, json!(true)), INVALID_NUMBER);
    }

    #[test]
    fn list_accepts_only_its_trimmed_choices() {
        let f = CustomField {
            list_values: "Red\n Green \n\nBlue".into(),
            ..field(DataType::List)
        };
        assert_eq!(f.choices(), vec!["Red", "Green", "Blue"]);
        assert_eq!(ok(&f, json!(" Green ")), json!("Green"));
        assert_eq!(bad(&f, json!("Pink")), "\"Pink\" is not a valid choice.");
    }

    #[test]
    fn boolean_accepts_true_false_and_rejects_words() {
        let f = field(DataType::Boolean);
        assert_eq!(ok(&f, json!(true)), json!(true));
        assert_eq!(ok(&f, json!("false")), json!(false));
        assert_eq!(bad(&f, json!("maybe")), INVALID_BOOLEAN);
        assert_eq!(bad(&f, json!([])), INVALID_BOOLEAN);
    }

    #[test]
    fn date_time_and_datetime_need_real_calendar_values() {
        let d = field(DataType::Date);
        assert_eq!(ok(&d, json!("2024-02-29")), json!("2024-02-29"));
        assert_eq!(
            bad(&d, json!("2023-02-29")),
            crate::domain::datetime::DATE_FORMAT_ERROR
        );
        let t = field(DataType::Time);
        assert_eq!(ok(&t, json!("13:45")), json!("13:45:00"));
        assert_eq!(
            bad(&t, json!("25:00:00")),
            crate::domain::datetime::TIME_FORMAT_ERROR
        );
        let dt = field(DataType::Datetime);
        assert_eq!(
            ok(&dt, json!("2026-01-02T03:04:05+01:00")),
            json!("2026-01-02T02:04:05Z")
        );
        assert_eq!(
            bad(&dt, json!("yesterday")),
            crate::domain::datetime::DATETIME_FORMAT_ERROR
        );
        assert_eq!(
            bad(&dt, json!(5)),
            crate::domain::datetime::DATETIME_FORMAT_ERROR
        );
    }

    #[test]
    fn email_url_ip_and_slug_are_checked() {
        let e = field(DataType::Email);
        assert_eq!(ok(&e, json!("a@example.com")), json!("a@example.com"));
        assert_eq!(
            bad(&e, json!("not-an-email")),
            crate::domain::email::INVALID_EMAIL
        );
        let u = field(DataType::Url);
        for good in [
            "https://example.com",
            "http://localhost:8000/x?y=1",
            "http://10.0.0.1/",
            "https://[::1]:443/",
        ] {
            assert_eq!(ok(&u, json!(good)), json!(good));
        }
        for wrong in [
            "example.com",
            "javascript:alert(1)",
            "http://",
            "http://exa mple.com",
            "http://x",
        ] {
            assert_eq!(bad(&u, json!(wrong)), INVALID_URL, "{wrong}");
        }
        let ip = field(DataType::Ipaddress);
        assert_eq!(ok(&ip, json!("192.168.0.1")), json!("192.168.0.1"));
        assert_eq!(ok(&ip, json!("::1")), json!("::1"));
        assert_eq!(bad(&ip, json!("300.1.1.1")), INVALID_IP);
        let s = field(DataType::Slug);
        assert_eq!(ok(&s, json!("a-b_c")), json!("a-b_c"));
        assert_eq!(bad(&s, json!("a b")), crate::domain::slug::INVALID_SLUG);
    }

    #[test]
    fn null_unsets_an_optional_field_and_is_refused_for_a_required_one() {
        let f = field(DataType::Integer);
        assert_eq!(f.validate_value(&Value::Null), Ok(None));
        assert_eq!(f.value_to_json(None), Value::Null);
        let r = CustomField {
            required: true,
            ..field(DataType::Varchar)
        };
        assert_eq!(bad(&r, Value::Null), "This field may not be null.");
        assert_eq!(bad(&r, json!("")), "This field may not be blank.");
    }

    #[test]
    fn all_thirteen_types_round_trip_through_their_names() {
        for t in DataType::ALL {
            assert_eq!(DataType::parse(t.as_str()), Ok(t));
        }
        assert!(DataType::parse("float").is_err());
    }
}
