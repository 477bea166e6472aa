//! The property is `fuzz_checks::trigger_body` (crates/fuzz-checks), where the workspace tests replay seeds and findings.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::trigger_body(data));
