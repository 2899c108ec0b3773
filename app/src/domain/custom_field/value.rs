//! A custom value: checked for its field's data type, stored as text, shown as JSON.

use super::{CustomField, DataType, MAX_DECIMAL_PLACES};

pub const INVALID_INTEGER: &str = "A valid integer is required.";
pub const INVALID_NUMBER: &str = "A valid number is required.";
pub const INVALID_URL: &str = "Enter a valid URL.";
pub const INVALID_IP: &str = "Enter a valid IPv4 or IPv6 address.";
pub const INVALID_BOOLEAN: &str = "Must be a valid boolean.";

/// A field's own `max_length`, and never more than `MAX_TEXT_CHARS` (a field without a
/// `max_length` would otherwise take any size).
fn max_chars(value: &str, max: Option<i64>) -> Result<(), String> {
    let cap = crate::domain::MAX_TEXT_CHARS as i64;
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
                Err(crate::domain::NOT_NULL.to_owned())
            } else {
                Err(crate::domain::NOT_BLANK.to_owned())
            };
        }
        let text = || crate::domain::input::as_text(raw);
        let stored = match self.data_type {
            DataType::Varchar | DataType::Text => {
                let s = text()?;
                max_chars(&s, self.max_length)?;
                s
            }
            DataType::Integer => crate::domain::input::integer(raw)
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
                    other => crate::domain::parse_bool(other)?,
                };
                if b { "true" } else { "false" }.to_owned()
            }
            DataType::Date => {
                let s =
                    text().map_err(|_| crate::domain::datetime::DATE_FORMAT_ERROR.to_owned())?;
                crate::domain::datetime::parse_date(s.trim())
                    .ok_or_else(|| crate::domain::datetime::DATE_FORMAT_ERROR.to_owned())?
                    .format("%Y-%m-%d")
                    .to_string()
            }
            DataType::Time => {
                let s =
                    text().map_err(|_| crate::domain::datetime::TIME_FORMAT_ERROR.to_owned())?;
                let t = crate::domain::datetime::parse_time(s.trim())
                    .ok_or_else(|| crate::domain::datetime::TIME_FORMAT_ERROR.to_owned())?;
                if chrono::Timelike::nanosecond(&t) == 0 {
                    t.format("%H:%M:%S").to_string()
                } else {
                    t.format("%H:%M:%S%.6f").to_string()
                }
            }
            DataType::Datetime => {
                let s = text()
                    .map_err(|_| crate::domain::datetime::DATETIME_FORMAT_ERROR.to_owned())?;
                crate::domain::Timestamp::parse(&s)?.to_api()
            }
            DataType::Email => {
                let s = text()?;
                max_chars(s.trim(), self.max_length)?;
                crate::domain::Email::parse(&s)?.into_inner()
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
                crate::domain::Slug::parse(&s)?.into_inner()
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
}
