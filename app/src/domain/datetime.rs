//! Datetimes as the API accepts and returns them.
//!
//! Accepted: `YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]` (a value without an offset is UTC).
//! Stored: UTC text with six fractional digits, which sorts as a string.
//! Returned: `YYYY-MM-DDThh:mm:ss[.ffffff]Z`, as Django REST framework writes UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

pub const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";
pub const DATE_FORMAT_ERROR: &str =
    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
pub const TIME_FORMAT_ERROR: &str =
    "Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Timestamp(DateTime<Utc>);

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// Parses `hh:mm[:ss[.f{1,6}]]`.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let sec = match parts.next() {
        Some(p) => digits(p, 2)?,
        None if frac.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let micro = match frac {
        Some(f) if !f.is_empty() && f.len() <= 6 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<u32>().ok()? * 10u32.pow(6 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    NaiveTime::from_hms_micro_opt(h, m, sec, micro)
}

/// Parses `YYYY-MM-DD` as a real calendar date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('-');
    let y = digits(parts.next()?, 4)?;
    let m = digits(parts.next()?, 2)?;
    let d = digits(parts.next()?, 2)?;
    if parts.next().is_some() || y == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    if s == "Z" || s == "z" {
        return FixedOffset::east_opt(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &s[1..];
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (digits(h, 2)?, digits(m, 2)?),
        None if rest.len() == 4 => (digits(&rest[..2], 2)?, digits(&rest[2..], 2)?),
        None => (digits(rest, 2)?, 0),
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h as i32 * 3600 + m as i32 * 60))
}

impl Timestamp {
    pub fn now() -> Self {
        // Stored to the microsecond, so drop what the database would drop anyway.
        let now = Utc::now();
        let micros = now.timestamp_micros();
        Self(DateTime::from_timestamp_micros(micros).unwrap_or(now))
    }

    pub fn from_utc(dt: DateTime<Utc>) -> Self {
        Self(dt)
    }

    pub fn inner(&self) -> DateTime<Utc> {
        self.0
    }

    /// Parses the API's input form; see the module doc.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        Self::parse_inner(s).ok_or_else(|| DATETIME_FORMAT_ERROR.to_owned())
    }

    fn parse_inner(s: &str) -> Option<Self> {
        if !s.is_ascii() || s.len() < 16 {
            return None;
        }
        let date = parse_date(&s[..10])?;
        let sep = s.as_bytes()[10];
        if sep != b'T' && sep != b't' && sep != b' ' {
            return None;
        }
        let rest = &s[11..];
        let tz_at = rest.find(['Z', 'z', '+', '-']);
        let (time, offset) = match tz_at {
            Some(i) => (&rest[..i], Some(parse_offset(&rest[i..])?)),
            None => (rest, None),
        };
        let naive = NaiveDateTime::new(date, parse_time(time)?);
        let utc = match offset {
            Some(off) => off
                .from_local_datetime(&naive)
                .single()?
                .with_timezone(&Utc),
            None => Utc.from_utc_datetime(&naive),
        };
        // Years 1..=9999 only, in UTC too (as Python's datetime): the stored form is fixed
        // width, and "9999-12-31T23:00-12:00" would otherwise overflow it.
        if !(1..=9999).contains(&chrono::Datelike::year(&utc)) {
            return None;
        }
        Some(Self(utc))
    }

    /// The form kept in the database: fixed width, so string order is time order.
    pub fn to_db(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }

    /// Reads what `to_db` wrote (and, leniently, any accepted input form).
    pub fn from_db(s: &str) -> Option<Self> {
        Self::parse_inner(s)
    }

    /// The API's output form.
    pub fn to_api(&self) -> String {
        if self.0.timestamp_subsec_micros() == 0 {
            self.0.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        }
    }

    /// For `<input type="datetime-local">`.
    pub fn to_input(&self) -> String {
        self.0.format("%Y-%m-%dT%H:%M").to_string()
    }

    /// Short human form for pages, in UTC.
    pub fn to_display(&self) -> String {
        self.0.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_api()
    }
}

impl TryFrom<String> for Timestamp {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_without_offset_is_utc_and_microseconds_are_kept() {
        let t = Timestamp::parse("2026-03-04T05:06:07.123456").unwrap();
        assert_eq!(t.to_api(), "2026-03-04T05:06:07.123456Z");
        assert_eq!(t.to_db(), "2026-03-04T05:06:07.123456Z");
        assert_eq!(Timestamp::from_db(&t.to_db()), Some(t));
    }

    #[test]
    fn minutes_only_and_offsets_are_accepted() {
        assert_eq!(
            Timestamp::parse("2026-03-04T05:06").unwrap().to_api(),
            "2026-03-04T05:06:00Z"
        );
        assert_eq!(
            Timestamp::parse("2026-03-04T05:06:07+02:00")
                .unwrap()
                .to_api(),
            "2026-03-04T03:06:07Z"
        );
        assert_eq!(
            Timestamp::parse("2026-03-04T23:30:00-01:00")
                .unwrap()
                .to_api(),
            "2026-03-05T00:30:00Z"
        );
        assert_eq!(
            Timestamp::parse("2026-03-04T05:06:07.5Z").unwrap().to_api(),
            "2026-03-04T05:06:07.500000Z"
        );
    }

    #[test]
    fn malformed_datetimes_are_rejected_with_the_drf_message() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00",
            "2026-02-30T00:00",
            "2026-01-01",
            "2026-01-01T25:00",
            "2026-01-01T10:00:00.1234567",
            "2026-01-01T10:00+25:00",
            "2026-01-01T10:00:00 extra",
            "２０２６-01-01T10:00",
            "9999-12-31T23:00:00-12:00",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
        ] {
            assert_eq!(
                Timestamp::parse(bad).unwrap_err(),
                DATETIME_FORMAT_ERROR,
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_and_times_are_checked_against_the_calendar_and_clock() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2024-2-9").is_none());
        assert!(parse_time("23:59:59").is_some());
        assert!(parse_time("24:00:00").is_none());
        assert!(parse_time("12:60").is_none());
    }
}
