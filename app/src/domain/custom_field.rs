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
