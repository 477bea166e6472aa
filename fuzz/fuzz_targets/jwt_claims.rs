//! The property is `fuzz_checks::jwt_claims` (crates/fuzz-checks), where the workspace tests replay seeds and findings.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::jwt_claims(data));
