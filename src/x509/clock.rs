//! Time: "now" for patch headers, and parsing `--at`.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The current UTC time, to the second, as RFC 3339 (`2026-11-29T02:03:04Z`).
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    now.format(&Rfc3339).unwrap_or_else(|_| now.to_string())
}

/// Parses the time given with `--at`: RFC 3339 (`2026-06-01T00:00:00Z`), or a plain date
/// (`2026-06-01`, taken as midnight UTC), or `now`.
pub fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(OffsetDateTime::now_utc());
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(s, &date_only) {
        return Ok(date.midnight().assume_utc());
    }
    Err(format!(
        "`{s}` is not a time certpatch understands: give RFC 3339 such as 2026-06-01T00:00:00Z (with the Z or an offset), or a date such as 2026-06-01"
    ))
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_accepts_rfc3339_dates_and_now() {
        assert_eq!(
            parse_at("2026-06-01").unwrap(),
            parse_at("2026-06-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            parse_at("2026-06-01T02:00:00+02:00").unwrap(),
            parse_at("2026-06-01T00:00:00Z").unwrap()
        );
        assert!(parse_at("now").is_ok());
        for bad in ["2026-06-01T00:00:00", "06/01/2026", "yesterday", ""] {
            assert!(parse_at(bad).is_err(), "{bad}");
        }
    }
}
