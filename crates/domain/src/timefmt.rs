//! Date-time text as the APIs write and read it.
//!
//! Written: RFC 3339 in UTC with `Z` and only the fraction digits needed
//! (`2025-03-03T18:01:51Z`, `2025-02-06T10:15:38.3607Z`).
//! Read: RFC 3339 with any offset and any number of fraction digits; in searches also a date alone or a
//! date-time without a zone, both read as UTC. Every instant read is within years 0001 to 9999 once converted to
//! UTC (what RFC 3339 can write and PostgreSQL's `timestamptz` holds); anything else is refused as unreadable, so
//! no later conversion can overflow (`9999-12-31T23:59:59-23:59` is in year 10000 in UTC).

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Formats `t` in UTC with `Z` and the shortest exact fraction.
pub fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Parses an RFC 3339 date-time with an offset (what clients send in a body), as UTC.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .and_then(in_range)
}

/// `t` in UTC when that conversion does not overflow and its year is 0001 to 9999.
fn in_range(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(UtcOffset::UTC)
        .filter(|u| (1..=9999).contains(&u.year()))
}

/// Parses a date-time as written in a search: RFC 3339, or without a zone (UTC), or a date alone
/// (midnight UTC). A space may stand for the `T`.
pub fn parse_search_datetime(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Some(t) = parse_rfc3339(s) {
        return Some(t);
    }
    let normalized = s.replacen(' ', "T", 1);
    if let Some(t) = parse_rfc3339(&normalized) {
        return Some(t);
    }
    let zoneless = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
    );
    if let Ok(t) = PrimitiveDateTime::parse(&normalized, &zoneless) {
        return in_range(t.assume_utc());
    }
    let date_only = format_description!(version = 2, "[year]-[month]-[day]");
    time::Date::parse(s, &date_only)
        .ok()
        .and_then(|d| in_range(d.midnight().assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_with_only_needed_fraction_digits() {
        assert_eq!(
            format_utc(datetime!(2025-03-03 18:01:51 UTC)),
            "2025-03-03T18:01:51Z"
        );
        assert_eq!(
            format_utc(datetime!(2025-02-06 10:15:38.3607 UTC)),
            "2025-02-06T10:15:38.3607Z"
        );
        assert_eq!(
            format_utc(datetime!(2025-02-06 12:15:38.000001 +02:00)),
            "2025-02-06T10:15:38.000001Z"
        );
    }

    #[test]
    fn parses_client_and_search_forms() {
        let want = datetime!(2024-01-01 00:00:00.123456 UTC);
        assert_eq!(
            parse_search_datetime("2024-01-01T00:00:00.123456"),
            Some(want)
        );
        assert_eq!(
            parse_search_datetime("2024-01-01T00:00:00.123456Z"),
            Some(want)
        );
        assert_eq!(
            parse_search_datetime("2024-01-01 00:00:00.123456"),
            Some(want)
        );
        assert_eq!(
            parse_search_datetime("2024-05-01"),
            Some(datetime!(2024-05-01 00:00 UTC))
        );
        assert_eq!(
            parse_search_datetime("2024-05-01T10:00"),
            Some(datetime!(2024-05-01 10:00 UTC))
        );
        assert_eq!(
            parse_rfc3339("2025-02-06T10:15:38.123456789+01:00"),
            Some(datetime!(2025-02-06 09:15:38.123456789 UTC))
        );
        assert_eq!(
            parse_rfc3339("2025-02-06T10:15:38Z"),
            Some(datetime!(2025-02-06 10:15:38 UTC))
        );
        assert_eq!(parse_search_datetime("yesterday"), None);
        assert_eq!(
            parse_rfc3339("2025-02-06T10:15:38+01:00").map(|t| t.offset()),
            Some(UtcOffset::UTC)
        );
        assert_eq!(parse_rfc3339("2025-02-06"), None);
    }

    #[test]
    fn refuses_what_overflows_or_leaves_years_0001_to_9999_in_utc() {
        for text in [
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:00:00-01:00",
            "0000-01-01T00:00:00+23:59",
            "0001-01-01T00:00:00+00:01",
            "0000-06-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
            assert_eq!(parse_search_datetime(text), None, "{text}");
        }
        assert_eq!(parse_search_datetime("0000-06-01"), None);
        assert_eq!(parse_search_datetime("0000-06-01T10:00"), None);
        assert_eq!(
            parse_rfc3339("9999-12-31T23:59:59.999999999Z"),
            Some(datetime!(9999-12-31 23:59:59.999999999 UTC))
        );
        assert_eq!(
            parse_rfc3339("0001-01-01T00:00:00-01:00"),
            Some(datetime!(0001-01-01 01:00 UTC))
        );
        assert_eq!(
            parse_search_datetime("0001-01-01"),
            Some(datetime!(0001-01-01 00:00 UTC))
        );
    }
}
