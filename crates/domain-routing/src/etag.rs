//! Strong entity tags and the preconditions that compare them.
//!
//! A tag is a quoted SHA-256 (64 hex digits) of everything a resource's representation shows except the tag
//! itself, computed from domain values (never from a wire type). A tenant's tag covers its own fields and its
//! targets' tags in order; a target's covers neither its tenant nor the other target, so a rename of the tenant
//! leaves target tags alone and a change to one target leaves the other's alone. Times count at microseconds,
//! the precision PostgreSQL keeps.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::sinks::TargetType;

/// What a target's tag covers.
#[derive(Debug, Clone, Copy)]
pub struct TargetFacts<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub log_sink_crn: &'a str,
    pub target_type: TargetType,
    pub host: &'a str,
    pub port: u16,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What a tenant's tag covers; `target_tags` are its targets' tags, oldest first.
#[derive(Debug, Clone)]
pub struct TenantFacts<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub crn: &'a str,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub target_tags: Vec<&'a str>,
}

/// Hashes fields length-prefixed, so no two different sequences of fields hash alike.
struct Tagger(Sha256);

impl Tagger {
    fn new(kind: &str) -> Self {
        let mut t = Self(Sha256::new());
        t.text(kind);
        t
    }
    fn text(&mut self, s: &str) -> &mut Self {
        self.0.update((s.len() as u64).to_be_bytes());
        self.0.update(s.as_bytes());
        self
    }
    fn time(&mut self, t: OffsetDateTime) -> &mut Self {
        self.0
            .update((t.unix_timestamp_nanos() / 1_000).to_be_bytes());
        self
    }
    fn finish(self) -> String {
        format!("\"{}\"", hex::encode(self.0.finalize()))
    }
}

pub fn target(t: &TargetFacts<'_>) -> String {
    let mut h = Tagger::new("target");
    h.text(&t.id.to_string())
        .text(t.name)
        .text(t.log_sink_crn)
        .text(t.target_type.as_str())
        .text(t.host)
        .text(&t.port.to_string())
        .time(t.created_at)
        .time(t.updated_at);
    h.finish()
}

pub fn tenant(t: &TenantFacts<'_>) -> String {
    let mut h = Tagger::new("tenant");
    h.text(&t.id.to_string())
        .text(t.name)
        .text(t.crn)
        .time(t.created_at)
        .time(t.updated_at);
    for tag in &t.target_tags {
        h.text(tag);
    }
    h.finish()
}

/// An `If-Match` or `If-None-Match` header as sent: `*`, or a comma-separated list of entity tags; or a header
/// that was sent but cannot be read as text, which matches nothing (it is never taken for an absent one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition(Option<String>);

impl Condition {
    pub fn new(header: impl Into<String>) -> Self {
        Self(Some(header.into()))
    }

    /// A header that is present but unreadable (e.g. not ASCII).
    pub fn unreadable() -> Self {
        Self(None)
    }

    pub fn is_unreadable(&self) -> bool {
        self.0.is_none()
    }

    fn tags(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flat_map(|h| h.split(',')).map(str::trim)
    }

    /// `If-Match` (strong comparison): `*`, or one of the tags quoted as returned; a `W/` tag never matches.
    pub fn matches(&self, current: &str) -> bool {
        self.tags().any(|t| t == "*" || t == current)
    }

    /// `If-None-Match` (weak comparison, as RFC 9110 asks for GET): `*`, or a tag with or without `W/`.
    pub fn matches_weakly(&self, current: &str) -> bool {
        self.tags()
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == current)
    }
}

/// Whether a write guarded by `if_match` may go on against a resource tagged `current`. `required`: the write
/// needs the header (PATCH); without it, only a sent header is compared (DELETE).
pub fn precondition_holds(if_match: Option<&Condition>, current: &str, required: bool) -> bool {
    match if_match {
        Some(c) => c.matches(current),
        None => !required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_rules() {
        let tag = "\"abc\"";
        let c = |s: &str| Condition::new(s);
        assert!(c("\"abc\"").matches(tag));
        assert!(c("*").matches(tag));
        assert!(c("\"x\", \"abc\"").matches(tag));
        assert!(!c("abc").matches(tag));
        assert!(!c("W/\"abc\"").matches(tag));
        assert!(c("W/\"abc\"").matches_weakly(tag));
        assert!(!c("\"x\"").matches_weakly(tag));
        assert!(precondition_holds(None, tag, false));
        assert!(!precondition_holds(None, tag, true));
        assert!(!precondition_holds(Some(&c("\"x\"")), tag, false));
        assert!(precondition_holds(Some(&c(tag)), tag, true));
        // sent but unreadable: never absent, never a match
        let u = Condition::unreadable();
        assert!(!u.matches(tag) && !u.matches_weakly(tag));
        assert!(!precondition_holds(Some(&u), tag, false));
    }

    fn facts() -> TargetFacts<'static> {
        TargetFacts {
            id: Uuid::nil(),
            name: "a",
            log_sink_crn: "crn",
            target_type: TargetType::Logs,
            host: "h",
            port: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn tags_are_quoted_sha256_and_change_with_any_field() {
        let base = target(&facts());
        assert_eq!(base.len(), 66);
        assert!(base.starts_with('"') && base.ends_with('"'));
        assert_eq!(base, target(&facts()), "stable");
        let changed = [
            TargetFacts {
                name: "b",
                ..facts()
            },
            TargetFacts {
                host: "h2",
                ..facts()
            },
            TargetFacts { port: 2, ..facts() },
            TargetFacts {
                target_type: TargetType::Logdna,
                ..facts()
            },
            TargetFacts {
                updated_at: OffsetDateTime::UNIX_EPOCH + time::Duration::microseconds(1),
                ..facts()
            },
        ];
        for f in changed {
            assert_ne!(target(&f), base, "{f:?}");
        }
        // field boundaries count: "ab" + "c" is not "a" + "bc"
        let a = TargetFacts {
            name: "ab",
            log_sink_crn: "c",
            ..facts()
        };
        let b = TargetFacts {
            name: "a",
            log_sink_crn: "bc",
            ..facts()
        };
        assert_ne!(target(&a), target(&b));
    }

    #[test]
    fn a_tenant_tag_follows_its_targets_tags() {
        let t = |tags: Vec<&'static str>| TenantFacts {
            id: Uuid::nil(),
            name: "t",
            crn: "crn",
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            target_tags: tags,
        };
        assert_ne!(tenant(&t(vec!["\"a\""])), tenant(&t(vec!["\"b\""])));
        assert_ne!(
            tenant(&t(vec!["\"a\"", "\"b\""])),
            tenant(&t(vec!["\"b\"", "\"a\""]))
        );
    }
}
