//! Strong entity tags: a quoted SHA-256 (64 hex digits) of a resource's representation without its own etag.
//! A tenant's representation holds its targets (with their etags); a target's holds neither its tenant nor the
//! other target, so a tenant rename leaves target etags alone and a change to one target leaves the other's alone.

use sha2::{Digest, Sha256};

use crate::store::rows::{TargetRow, TenantRow};
use crate::wire::{Target, Tenant};

fn tag_of<T: serde::Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("\"{}\"", hex::encode(Sha256::digest(&bytes)))
}

pub fn target(row: &TargetRow) -> String {
    let mut repr = Target::from_row(row);
    repr.etag = String::new();
    tag_of(&repr)
}

pub fn tenant(row: &TenantRow, targets: &[TargetRow]) -> String {
    let mut repr = Tenant::from_rows(row, targets);
    repr.etag = String::new();
    tag_of(&repr)
}

/// Whether an `If-Match` value matches `current`: `*`, or one of a comma-separated list of entity tags
/// (quoted as returned; a `W/` weak tag never matches a strong comparison).
pub fn if_match(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == current)
}

/// Whether an `If-None-Match` value matches `current` (weak comparison, as RFC 9110 asks for GET).
pub fn if_none_match(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_rules() {
        let tag = "\"abc\"";
        assert!(if_match("\"abc\"", tag));
        assert!(if_match("*", tag));
        assert!(if_match("\"x\", \"abc\"", tag));
        assert!(!if_match("abc", tag));
        assert!(!if_match("W/\"abc\"", tag));
        assert!(if_none_match("W/\"abc\"", tag));
        assert!(!if_none_match("\"x\"", tag));
    }
}
