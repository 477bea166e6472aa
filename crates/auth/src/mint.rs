//! HS256 development tokens: what `<service> token` prints and what tests sign.

use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Map, Value, json};

/// The claims of a development token.
#[derive(Debug, Clone, Default)]
pub struct DevToken {
    pub sub: String,
    pub account: Option<String>,
    pub permissions: Vec<String>,
    pub ttl_secs: u64,
    /// Dotted path the account goes to (`account.bss` by default).
    pub account_claim: String,
    /// Any further claims (`email`, `iam_id`, ...).
    pub extra: Map<String, Value>,
}

/// Signs `token` with HS256 under `secret`.
pub fn mint_hs256(secret: &str, token: &DevToken) -> Result<String, jsonwebtoken::errors::Error> {
    let now = jsonwebtoken::get_current_timestamp();
    let mut claims = token.extra.clone();
    claims.insert("sub".into(), json!(token.sub));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + token.ttl_secs));
    claims.insert("permissions".into(), json!(token.permissions));
    if let Some(account) = &token.account {
        let path = if token.account_claim.is_empty() {
            "account.bss"
        } else {
            &token.account_claim
        };
        insert_path(&mut claims, path, json!(account));
    }
    encode(
        &Header::default(),
        &Value::Object(claims),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
}

fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = map
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}
