//! Identifiers: KSUIDs for logs (27 base62 characters, sortable by creation time).

use svix_ksuid::{Ksuid, KsuidLike};

/// A new KSUID as its 27-character base62 text.
pub fn new_ksuid() -> String {
    Ksuid::new::<std::time::SystemTime>(None, None).to_string()
}

/// Whether `s` looks like a KSUID: exactly 27 ASCII alphanumerics.
/// Used to answer 404 early for ids that cannot exist, without a database round trip.
pub fn is_ksuid(s: &str) -> bool {
    s.len() == 27 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_ksuids_and_sort_by_time() {
        let a = new_ksuid();
        assert!(is_ksuid(&a), "{a}");
        assert!(!is_ksuid("abc"));
        assert!(!is_ksuid("2Qy0LZ6JyTQ8XoJm6x0lVw3Yb0'"));
    }
}
