//! Custom fields: their definitions and the 13 data types of django-helpdesk. A value's
//! checks, per data type, are in `value`.

mod value;

pub use value::{
    INVALID_BOOLEAN, INVALID_INTEGER, INVALID_IP, INVALID_NUMBER, INVALID_URL, is_valid_url,
};

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

    /// The key of this field in a ticket object.
    pub fn key(&self) -> String {
        format!("{}{}", crate::domain::ticket::CUSTOM_PREFIX, self.name)
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
    pub fn from_json(
        body: &crate::domain::input::Body,
        mode: crate::domain::input::WriteMode,
    ) -> Self {
        use crate::domain::input::{self, as_text};
        let mut errors = crate::error::ErrorBag::new();
        let name = input::required(body, "name", mode, &mut errors, |v| {
            crate::domain::Slug::parse(&as_text(v)?).map(crate::domain::Slug::into_inner)
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
            bounded(crate::domain::MAX_TEXT_CHARS as i64),
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

    #[test]
    fn all_thirteen_types_round_trip_through_their_names() {
        for t in DataType::ALL {
            assert_eq!(DataType::parse(t.as_str()), Ok(t));
        }
        assert!(DataType::parse("float").is_err());
    }
}
