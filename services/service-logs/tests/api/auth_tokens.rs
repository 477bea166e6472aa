//! Bad tokens of every kind, and the RS256/ES256 JWKS path.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

fn jwks_settings(s: &mut service_logs::Settings) {
    s.common.auth_jwks_file = Some(tokens::fixture("jwks.json"));
    s.common.auth_issuer = Some("https://sso.example.com".into());
    s.common.auth_audience = Some("service-logs".into());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_get_401_with_the_realm_and_a_reason() {
    let app = spawn().await;
    let path = format!("{BASE}/cluster_logs");
    let claims = tokens::claims("u", Some("a"), &[READ]);
    let mut no_sub = claims.clone();
    no_sub.as_object_mut().unwrap().remove("sub");
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut future_nbf = claims.clone();
    future_nbf["nbf"] = json!(tokens::now() + 600);
    let mut expired = claims.clone();
    expired["exp"] = json!(tokens::now() - 60);
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "Request doesn't contain the 'Authorization' header"),
        (
            Some("Basic dXNlcjpwYXNz".into()),
            "Authorization header is not of the form 'Bearer <token>'",
        ),
        (Some("Bearer not.a.jwt".into()), "Bearer token is malformed"),
        (
            Some("Bearer ".into()),
            "Authorization header is not of the form 'Bearer <token>'",
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&expired))),
            "Bearer token is expired",
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&future_nbf))),
            "Bearer token is not valid yet",
        ),
        (
            Some(format!(
                "Bearer {}",
                tokens::hs256_with("another-secret", &claims)
            )),
            "Bearer token signature is invalid",
        ),
        (
            Some(format!("Bearer {}", tokens::alg_none(&claims))),
            "Bearer token is malformed",
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&no_sub))),
            "Bearer token lacks the required claim 'sub'",
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&no_exp))),
            "Bearer token lacks the required claim 'exp'",
        ),
        (
            Some(format!(
                "Bearer {}",
                tokens::rs256("rsa-1", "rsa-1.pem", &claims)
            )),
            "Bearer token signing key is unknown",
        ),
    ];
    for (header, reason) in cases {
        let mut req = app.req(reqwest::Method::GET, &path);
        if let Some(h) = &header {
            req = req.header("authorization", h);
        }
        let r = app.raw(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Bearer realm="service_logs/v1""#)
        );
        assert_eq!(r.error(), ocm_error(15, reason), "{header:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rs256_and_es256_from_a_jwks_with_issuer_and_audience() {
    let app = spawn_with(jwks_settings).await;
    let path = format!("{BASE}/cluster_logs");
    let mut good = tokens::claims("u", Some("a"), &[READ]);
    good["iss"] = json!("https://sso.example.com");
    good["aud"] = json!(["other", "service-logs"]);
    for token in [
        tokens::rs256("rsa-1", "rsa-1.pem", &good),
        tokens::es256("ec-1", &good),
    ] {
        assert_eq!(app.get(&path, &token).await.status, StatusCode::OK);
    }
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("https://evil.example.com");
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("other");
    let cases = [
        (
            tokens::rs256("rsa-1", "rsa-other.pem", &good),
            "Bearer token signature is invalid",
        ),
        (
            tokens::rs256("rsa-9", "rsa-1.pem", &good),
            "Bearer token signing key is unknown",
        ),
        (
            tokens::rs256("rsa-1", "rsa-1.pem", &wrong_iss),
            "Bearer token issuer is not accepted",
        ),
        (
            tokens::rs256("rsa-1", "rsa-1.pem", &wrong_aud),
            "Bearer token audience is not accepted",
        ),
        (
            tokens::es256("rsa-1", &good),
            "Bearer token algorithm 'ES256' is not accepted",
        ),
    ];
    for (token, reason) in cases {
        let r = app.get(&path, &token).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!(r.error(), ocm_error(15, reason));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_key_sources_refuses_to_start() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/service-logs");
    let db = testkit::TestDb::create("service_logs", service_logs::MIGRATIONS, &dir).await;
    let mut settings = service_logs::Settings {
        common: platform::settings::CommonSettings::for_tests(&db.url, "x"),
        server: platform::server::ServerSettings::for_tests(1),
        notifications: service_logs::settings::NotificationSettings::for_tests(),
    };
    settings.common.auth_hs256_secret = None;
    let err = service_logs::build(&settings)
        .await
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "no token key source is configured: set AUTH_HS256_SECRET, AUTH_JWKS_URL or AUTH_JWKS_FILE (the service never runs unauthenticated)"
        )
    );
}
