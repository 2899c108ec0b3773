//! Each user's time zone for the times pages show (issue 11): an IANA name, or empty for
//! "the browser's own zone" (which the browser reports in the `tz` cookie).

use crate::service::db::Db;
use chrono_tz::Tz;

use crate::domain::datetime::Timestamp;
use crate::domain::user::CurrentUser;
use crate::error::AppError;

pub const UNKNOWN_TIME_ZONE: &str = "Select a valid time zone.";

/// Every IANA name this server knows, sorted, for the settings form.
pub fn names() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    all.sort_unstable();
    all
}

/// An IANA name as this server knows it (exact spelling), else `None`.
pub fn parse(raw: &str) -> Option<Tz> {
    // Names are short ASCII; anything else is refused before the lookup.
    if raw.is_empty() || raw.len() > 64 || !raw.is_ascii() {
        return None;
    }
    raw.parse::<Tz>().ok()
}

/// A time as pages show it, in `zone` ("2026-12-03 10:15"); UTC when the name is unknown.
pub fn local_text(at: &Timestamp, zone: &str) -> String {
    match parse(zone) {
        Some(tz) => at
            .inner()
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        None => at.inner().format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The user's own setting ("" when they leave it to the browser).
pub async fn setting(pool: &Db, user_id: i64) -> Result<String, AppError> {
    let zone: Option<String> = sqlx::query_scalar("select time_zone from users where id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    Ok(zone.unwrap_or_default())
}

/// Sets the acting user's time zone: an IANA name, or empty for the browser's own. An
/// unknown name is refused (400 naming `time_zone`) and nothing is written.
pub async fn set(pool: &Db, actor: &CurrentUser, raw: &str) -> Result<String, AppError> {
    let raw = raw.trim();
    let zone = if raw.is_empty() {
        String::new()
    } else {
        parse(raw)
            .ok_or_else(|| AppError::field("time_zone", UNKNOWN_TIME_ZONE))?
            .name()
            .to_owned()
    };
    sqlx::query("update users set time_zone = $1 where id = $2")
        .bind(&zone)
        .bind(actor.id)
        .execute(pool)
        .await?;
    Ok(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_winter_instant_is_shown_an_hour_later_in_berlin() {
        let t = Timestamp::parse("2026-01-15T09:15:00Z").unwrap();
        assert_eq!(local_text(&t, "Europe/Berlin"), "2026-01-15 10:15");
        assert_eq!(local_text(&t, "America/New_York"), "2026-01-15 04:15");
        assert_eq!(local_text(&t, "Mars/Olympus"), "2026-01-15 09:15");
    }

    #[test]
    fn only_exact_iana_names_are_accepted() {
        assert!(parse("Europe/Berlin").is_some());
        assert!(parse("UTC").is_some());
        for bad in [
            "",
            "europe/berlin ",
            "Mars/Olympus",
            "Europe/Berlin\0",
            "../etc",
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        assert!(names().contains(&"America/New_York"));
    }
}
