//! The second issuer with real RS256 tokens shaped like Kubernetes' projected ServiceAccount tokens, verified
//! from a JWKS file (the fixture keys of crates/testkit/fixtures).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use auth::{AuthConfig, AuthError, ServiceAccountIssuer, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::path::PathBuf;

const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
const ROUTER: &str = "system:serviceaccount:logs:logs-router";
const USERS_SECRET: &str = "users-hs256-secret";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testkit/fixtures")
        .join(name)
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// What kubelet mounts for a pod of `namespace`/`name` with `audience`, expiring in an hour.
fn sa_claims(namespace: &str, name: &str, audience: &str) -> Value {
    json!({
        "aud": [audience],
        "exp": now() + 3600,
        "iat": now(),
        "nbf": now(),
        "iss": ISSUER,
        "jti": "5d3f1c8e-2d2b-4d8a-9c51-4f0a3e2b7c10",
        "kubernetes.io": {
            "namespace": namespace,
            "node": {"name": "node-1", "uid": "0b9f5f0e-1b7c-4f36-8e4d-3f3a6a7c9d21"},
            "pod": {"name": format!("{name}-7d9c8b6f5-x2k4q"), "uid": "8a6c2e4f-3b1d-4c9e-a7f5-2d8b6e0c4a13"},
            "serviceaccount": {"name": name, "uid": "c1e5a9d3-7f2b-4e8c-b6a4-0d9f3e1c5b27"},
            "warnafter": now() + 2880
        },
        "sub": format!("system:serviceaccount:{namespace}:{name}"),
    })
}

fn rs256(kid: &str, key_file: &str, claims: &Value) -> String {
    let pem = std::fs::read(fixture(key_file)).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap()
}

fn hs256(claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(USERS_SECRET.as_bytes()),
    )
    .unwrap()
}

/// Users' tokens are HS256 here; the cluster's come from the fixture JWKS file.
fn verifier() -> Verifier {
    let users = AuthConfig {
        hs256_secret: Some(USERS_SECRET.into()),
        account_claim: "account.bss".into(),
        ..AuthConfig::default()
    };
    let jwks = fixture("jwks.json").display().to_string();
    let vars = [
        ("AUTH_SA_ISSUER", ISSUER),
        ("AUTH_SA_JWKS_FILE", jwks.as_str()),
        ("AUTH_SA_SUBJECTS", ROUTER),
    ];
    let sa = ServiceAccountIssuer::from_lookup(
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        },
        &["service-logs.log.create"],
    )
    .unwrap()
    .unwrap();
    Verifier::new(&users)
        .unwrap()
        .with_service_accounts(&sa)
        .unwrap()
}

#[tokio::test]
async fn the_routers_service_account_token_may_create_logs_only() {
    let mut claims = sa_claims("logs", "logs-router", "service-logs");
    // A token cannot give itself more: permissions come from the configuration.
    claims["permissions"] = json!(["service-logs.log.delete"]);
    let p = verifier()
        .verify(&rs256("rsa-1", "rsa-1.pem", &claims))
        .await
        .unwrap();
    assert_eq!(p.subject, ROUTER);
    assert_eq!(p.created_by(), ROUTER);
    assert_eq!(p.account, None);
    assert_eq!(
        p.permissions.iter().map(String::as_str).collect::<Vec<_>>(),
        vec!["service-logs.log.create"]
    );
}

#[tokio::test]
async fn another_audience_another_account_or_a_foreign_key_is_refused() {
    let v = verifier();
    let other_audience = rs256(
        "rsa-1",
        "rsa-1.pem",
        &sa_claims("logs", "logs-router", "https://kubernetes.default.svc"),
    );
    assert_eq!(
        v.verify(&other_audience).await,
        Err(AuthError::WrongAudience)
    );

    let other_account = rs256(
        "rsa-1",
        "rsa-1.pem",
        &sa_claims("logs", "default", "service-logs"),
    );
    assert_eq!(
        v.verify(&other_account).await,
        Err(AuthError::SubjectNotAccepted)
    );

    let other_namespace = rs256(
        "rsa-1",
        "rsa-1.pem",
        &sa_claims("tenant-a", "logs-router", "service-logs"),
    );
    assert_eq!(
        v.verify(&other_namespace).await,
        Err(AuthError::SubjectNotAccepted)
    );

    // Signed by a key the issuer's JWKS does not hold, under a kid it does.
    let forged = rs256(
        "rsa-1",
        "rsa-other.pem",
        &sa_claims("logs", "logs-router", "service-logs"),
    );
    assert_eq!(v.verify(&forged).await, Err(AuthError::BadSignature));

    let mut expired = sa_claims("logs", "logs-router", "service-logs");
    expired["exp"] = json!(now() - 60);
    assert_eq!(
        v.verify(&rs256("rsa-1", "rsa-1.pem", &expired)).await,
        Err(AuthError::Expired)
    );

    // HS256 with the users' secret does not make a service-account token.
    let hs = hs256(&sa_claims("logs", "logs-router", "service-logs"));
    assert!(matches!(
        v.verify(&hs).await,
        Err(AuthError::AlgorithmNotAccepted(_))
    ));
}

#[tokio::test]
async fn users_tokens_still_go_to_their_own_issuer() {
    let v = verifier();
    let user = hs256(&json!({
        "sub": "alice", "exp": now() + 600, "account": {"bss": "acc-1"},
        "permissions": ["service-logs.log.read"]
    }));
    let p = v.verify(&user).await.unwrap();
    assert_eq!(p.subject, "alice");
    assert_eq!(p.account.as_deref(), Some("acc-1"));
    assert!(p.has("service-logs.log.read"));

    // A service-account-looking token from another issuer is a user's token: the users' keys decide (here
    // HS256 only, so an RS256 token fails on its key, not through the service-account rules).
    let mut claims = sa_claims("logs", "logs-router", "service-logs");
    claims["iss"] = json!("https://other-cluster.example.com");
    assert_eq!(
        v.verify(&rs256("rsa-1", "rsa-1.pem", &claims)).await,
        Err(AuthError::UnknownKey)
    );
}
