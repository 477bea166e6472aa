//! Any JSON body of a log create is refused with a reason or accepted, never a panic; an accepted timestamp is one
//! that is written back as RFC 3339 and reads as the same instant.
#![no_main]

use domain_logs::service_log::LogInput;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(input) = serde_json::from_value::<LogInput>(body) else {
        return;
    };
    let stamp = input.timestamp.clone();
    if let Ok(valid) = input.validate() {
        let _ = domain_logs::owner::learned_from(&valid);
        if let Some(t) = stamp.as_deref().and_then(domain::timefmt::parse_rfc3339) {
            let written = domain::timefmt::format_utc(t);
            assert_eq!(domain::timefmt::parse_rfc3339(&written), Some(t), "{written}");
        }
    }
});
