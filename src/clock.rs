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

/// Parses an RFC 3339 time given with `--at`.
pub fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2026-06-01T00:00:00Z ({e})"))
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
