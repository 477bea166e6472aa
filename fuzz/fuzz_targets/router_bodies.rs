//! The router's create and patch bodies, and the target merge patch applied to any accepted target: refused with a
//! field error or accepted, never a panic; whatever is accepted holds no NUL (PostgreSQL text cannot store one).
#![no_main]

use domain_routing::{apply_target_patch, parse_new_target, parse_new_tenant, parse_tenant_patch, reject_nul};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let clean = reject_nul(&body).is_ok();
    let _ = parse_tenant_patch(&body);
    if let Ok(tenant) = parse_new_tenant(&body) {
        for target in &tenant.targets {
            let _ = apply_target_patch(target, false, &body);
        }
    }
    if let Ok(target) = parse_new_target(&body) {
        assert!(clean || !target.name.contains('\0'), "a NUL in an accepted name");
        for stored in [false, true] {
            let _ = apply_target_patch(&target, stored, &body);
        }
    }
});
