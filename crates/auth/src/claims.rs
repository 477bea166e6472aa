//! The verified caller, read from a token's claims.

use serde_json::Value;
use std::collections::BTreeSet;

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
}
