//! The router's create and patch bodies, and the target merge patch applied to any accepted target: refused with a
//! field error or accepted, never a panic.
#![no_main]

use domain_routing::{apply_target_patch, parse_new_target, parse_new_tenant, parse_tenant_patch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = parse_tenant_patch(&body);
    if let Ok(tenant) = parse_new_tenant(&body) {
        for target in &tenant.targets {
            let _ = apply_target_patch(target, false, &body);
        }
    }
    if let Ok(target) = parse_new_target(&body) {
        for stored in [false, true] {
            let _ = apply_target_patch(&target, stored, &body);
        }
    }
});
