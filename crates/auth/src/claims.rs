//! The verified caller, read from a token's claims.

use serde_json::Value;
use std::collections::BTreeSet;

/// The longest `sub` (and `iam_id`) accepted, in bytes.
pub const SUBJECT_MAX_BYTES: usize = 1024;
/// The longest account id accepted, in bytes.
pub const ACCOUNT_MAX_BYTES: usize = 256;

/// The caller of a request, after its token was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `sub`.
    pub subject: String,
    /// The account the caller acts for (the configured account claim), when the token has one.
    pub account: Option<String>,
    /// The union of `permissions` (array) and `scope` (space-separated).
    pub permissions: BTreeSet<String>,
    /// `iam_id`, falling back to `sub`: the initiator id of audit events.
    pub iam_id: String,
    /// `preferred_username`, else `username`.
    pub username: Option<String>,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

impl Principal {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.contains(permission)
    }

    /// What a created log records as its author: the user name, else the subject.
    pub fn created_by(&self) -> &str {
        self.username.as_deref().unwrap_or(&self.subject)
    }

    pub(crate) fn from_claims(claims: &Value, account_path: &[&str]) -> Option<Self> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let subject = text("sub")?;
        let mut permissions = BTreeSet::new();
        if let Some(list) = claims.get("permissions").and_then(Value::as_array) {
            permissions.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(scope) = claims.get("scope").and_then(Value::as_str) {
            permissions.extend(scope.split_whitespace().map(str::to_owned));
        }
        let account = account_path
            .iter()
            .try_fold(claims, |v, key| v.get(*key))
            .and_then(|v| match v {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        Some(Self {
            iam_id: text("iam_id").unwrap_or_else(|| subject.clone()),
            username: text("preferred_username").or_else(|| text("username")),
            email: text("email"),
            given_name: text("given_name"),
            family_name: text("family_name"),
            subject,
            account,
            permissions,
        })
    }

    /// The first identity claim PostgreSQL could not store, by its claim name: `text` and `jsonb` cannot hold NUL
    /// (these claims are written into logs and audit events), and a B-tree index entry cannot exceed about 2.7 kB,
    /// so the claims that end up in indexed columns are bounded: the subject (a part of each `Idempotency-Key`
    /// record's key, beside a key of up to 255 characters) at [`SUBJECT_MAX_BYTES`], the account (indexed in both
    /// services, and a part of every router CRN filed as a log's `cluster_id`, itself indexed) at
    /// [`ACCOUNT_MAX_BYTES`]. Real subjects and accounts are far shorter (IBMid-…, UUIDs, 32 hex digits,
    /// `system:serviceaccount:<ns>:<name>`).
    pub(crate) fn unstorable_claim(&self) -> Option<&'static str> {
        let texts = [
            ("sub", Some(&self.subject)),
            ("iam_id", Some(&self.iam_id)),
            ("account", self.account.as_ref()),
            ("preferred_username", self.username.as_ref()),
            ("email", self.email.as_ref()),
            ("given_name", self.given_name.as_ref()),
            ("family_name", self.family_name.as_ref()),
        ];
        let too_long = [
            ("sub", Some(&self.subject), SUBJECT_MAX_BYTES),
            ("iam_id", Some(&self.iam_id), SUBJECT_MAX_BYTES),
            ("account", self.account.as_ref(), ACCOUNT_MAX_BYTES),
        ];
        texts
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| v.contains('\0')))
            .map(|(name, _)| name)
            .or_else(|| {
                too_long
                    .into_iter()
                    .find(|(_, v, max)| v.is_some_and(|v| v.len() > *max))
                    .map(|(name, _, _)| name)
            })
            .or_else(|| {
                self.permissions
                    .iter()
                    .any(|p| p.contains('\0'))
                    .then_some("permissions")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_every_claim_the_contract_names() {
        let claims = json!({
            "sub": "u1", "iam_id": "IBMid-1", "account": {"bss": "acc-9"},
            "permissions": ["a.read"], "scope": "b.write  c.delete",
            "preferred_username": "alice", "username": "ignored", "email": "a@x", "given_name": "A", "family_name": "L"
        });
        let p = Principal::from_claims(&claims, &["account", "bss"]);
        let p = p.as_ref();
        assert_eq!(p.map(|p| p.subject.as_str()), Some("u1"));
        assert_eq!(p.and_then(|p| p.account.as_deref()), Some("acc-9"));
        assert_eq!(p.map(|p| p.iam_id.as_str()), Some("IBMid-1"));
        assert_eq!(p.map(|p| p.created_by()), Some("alice"));
        assert_eq!(
            p.map(|p| p.permissions.iter().cloned().collect::<Vec<_>>()),
            Some(vec!["a.read".into(), "b.write".into(), "c.delete".into()])
        );
    }

    #[test]
    fn falls_back_to_sub_and_needs_sub() {
        let p = Principal::from_claims(&json!({"sub": "svc"}), &["account", "bss"]);
        assert_eq!(p.as_ref().map(|p| p.iam_id.as_str()), Some("svc"));
        assert_eq!(p.as_ref().map(|p| p.created_by()), Some("svc"));
        assert_eq!(p.and_then(|p| p.account), None);
        assert_eq!(Principal::from_claims(&json!({"sub": ""}), &["a"]), None);
        assert_eq!(Principal::from_claims(&json!({}), &["a"]), None);
    }

    #[test]
    fn names_the_first_claim_postgresql_cannot_store() {
        let path = ["account", "bss"];
        let of = |claims: serde_json::Value| {
            Principal::from_claims(&claims, &path).and_then(|p| p.unstorable_claim())
        };
        assert_eq!(of(json!({"sub": "u\u{0}1"})), Some("sub"));
        assert_eq!(of(json!({"sub": "u", "iam_id": "\u{0}"})), Some("iam_id"));
        assert_eq!(
            of(json!({"sub": "u", "account": {"bss": "a\u{0}"}})),
            Some("account")
        );
        assert_eq!(
            of(json!({"sub": "u", "preferred_username": "\u{0}"})),
            Some("preferred_username")
        );
        assert_eq!(
            of(json!({"sub": "u", "username": "\u{0}"})),
            Some("preferred_username")
        );
        assert_eq!(of(json!({"sub": "u", "email": "\u{0}"})), Some("email"));
        assert_eq!(
            of(json!({"sub": "u", "given_name": "\u{0}"})),
            Some("given_name")
        );
        assert_eq!(
            of(json!({"sub": "u", "family_name": "\u{0}"})),
            Some("family_name")
        );
        assert_eq!(
            of(json!({"sub": "u", "permissions": ["a\u{0}"]})),
            Some("permissions")
        );
        assert_eq!(of(json!({"sub": "u", "email": "a@x"})), None);
    }

    #[test]
    fn bounds_the_claims_that_reach_an_index() {
        let path = ["account", "bss"];
        let of = |claims: serde_json::Value| {
            Principal::from_claims(&claims, &path).and_then(|p| p.unstorable_claim())
        };
        let at = |n: usize| "é".repeat(n / 2);
        assert_eq!(of(json!({"sub": at(SUBJECT_MAX_BYTES)})), None);
        assert_eq!(of(json!({"sub": at(SUBJECT_MAX_BYTES + 2)})), Some("sub"));
        assert_eq!(
            of(json!({"sub": "u", "iam_id": at(SUBJECT_MAX_BYTES + 2)})),
            Some("iam_id")
        );
        assert_eq!(
            of(json!({"sub": "u", "account": {"bss": at(ACCOUNT_MAX_BYTES)}})),
            None
        );
        assert_eq!(
            of(json!({"sub": "u", "account": {"bss": at(ACCOUNT_MAX_BYTES + 2)}})),
            Some("account")
        );
        // A long name or e-mail is stored but never indexed: accepted.
        assert_eq!(of(json!({"sub": "u", "email": at(4096)})), None);
    }
}
