//! Signed tokens for tests: HS256 with [`SECRET`], RS256/ES256 with the fixture keys published in
//! `fixtures/jwks.json`, and every kind of broken token.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::path::PathBuf;

pub const SECRET: &str = "test-secret-for-hs256-tokens-only";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

/// Claims with `sub`, the account at `account.bss`, permissions, and a one-hour lifetime.
pub fn claims(sub: &str, account: Option<&str>, permissions: &[&str]) -> Value {
    let mut c = json!({"sub": sub, "iat": now(), "exp": now() + 3600, "permissions": permissions});
    if let Some(a) = account {
        c["account"] = json!({"bss": a});
    }
    c
}

pub fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

pub fn hs256_with(secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// A token for `sub` in `account` with `permissions`.
pub fn token(sub: &str, account: Option<&str>, permissions: &[&str]) -> String {
    hs256(&claims(sub, account, permissions))
}

pub fn rs256(kid: &str, key_file: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(key_file)).unwrap();
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.into());
    encode(&h, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

pub fn es256(kid: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture("ec-1.pem")).unwrap();
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some(kid.into());
    encode(&h, claims, &EncodingKey::from_ec_pem(&pem).unwrap()).unwrap()
}

/// An unsigned token (`alg: none`), which must never be accepted.
pub fn alg_none(claims: &Value) -> String {
    use base64_url as b;
    format!(
        "{}.{}.",
        b::encode(br#"{"alg":"none","typ":"JWT"}"#),
        b::encode(claims.to_string().as_bytes())
    )
}

mod base64_url {
    /// Unpadded base64url, enough for building a broken token by hand.
    pub fn encode(bytes: &[u8]) -> String {
        const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
}
