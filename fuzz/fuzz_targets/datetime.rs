//! Date-time parsing never panics, and every instant it accepts is written back as RFC 3339 that reads as the same
//! instant (years 0001 to 9999 in UTC).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        domain::timefmt::parse_rfc3339(text),
        domain::timefmt::parse_search_datetime(text),
    ]
    .into_iter()
    .flatten()
    {
        let written = domain::timefmt::format_utc(parsed);
        let back = domain::timefmt::parse_rfc3339(&written);
        assert_eq!(back, Some(parsed), "{text:?} was written as {written:?}");
    }
});
