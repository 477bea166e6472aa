//! The router's header rules: `IBM-API-Version` dates and `If-Match` / `If-None-Match` lists of entity tags, any
//! text, never a panic; `*` always matches an existing resource.
#![no_main]

use domain_routing::check_api_version;
use domain_routing::etag::{Condition, precondition_holds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 12 - 01);
    let _ = check_api_version(text, today);
    let condition = Condition::new(text);
    let current = "\"3f2a6c1e8b7d\"";
    let _ = condition.matches_weakly(current);
    for required in [false, true] {
        let _ = precondition_holds(Some(&condition), current, required);
    }
    if text.trim() == "*" {
        assert!(precondition_holds(Some(&condition), current, true));
    }
});
