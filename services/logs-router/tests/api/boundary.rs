//! (Boundary guards shared with service-logs: `platform::guard`.)
//! What no client input may break, in the shared parts (issue 10 and 11's rows): text PostgreSQL cannot store
//! (NUL) refused with the API's error naming where, oversized requests, and the content type of every error
//! answer, actix's own included.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use testkit::http::raw_exchange;

fn nul(what: &str) -> String {
    format!("{what} contains a NUL character, which cannot be stored")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_anywhere_is_a_400_naming_where_and_changes_nothing() {
    let app = spawn().await;
    let tenant = app.tenant("nul-guard", false).await;
    let id = s(&tenant["id"]);
    let before = app.snapshot().await;
    let cases = [
        (
            Method::GET,
            format!("{}?name=a%00", tenants_path()),
            None,
            ibm_error(
                400,
                "incorrect_parameter",
                &nul("Query parameter 'name'"),
                Some(("parameter", "name")),
            ),
        ),
        (
            Method::GET,
            tenant_path("a%00b"),
            None,
            ibm_error(400, "incorrect_parameter", &nul("The path"), None),
        ),
        (
            Method::POST,
            tenants_path(),
            Some(json!({"name": "x\u{0}", "targets": [logs_target("cl")]}).to_string()),
            ibm_error(
                400,
                "incorrect_field",
                "Field 'name' contains a NUL character (\\u0000), which cannot be stored",
                Some(("field", "name")),
            ),
        ),
        (
            Method::PATCH,
            tenant_path(&id),
            Some(json!({"name": "ok", "extra\u{0}": 1}).to_string()),
            ibm_error(
                400,
                "incorrect_field",
                "Field 'extra\\u0000' contains a NUL character (\\u0000), which cannot be stored",
                Some(("field", "extra\\u0000")),
            ),
        ),
    ];
    for (method, path, body, expected) in cases {
        let content_type = if method == Method::PATCH {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        let r = app
            .request(
                method.clone(),
                &path,
                Some(&app.admin),
                &[("Content-Type", content_type), ("If-Match", "*")],
                body,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{method} {path}: {}",
            r.text
        );
        assert_eq!(r.error(), expected, "{method} {path}");
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused request changed nothing"
    );
}

/// The 401 for a token whose claim `claim` cannot be stored or indexed.
fn claim_refused(claim: &str) -> Value {
    ibm_error(
        401,
        "failure_getting_authorization_claims",
        &format!(
            "Failed to get authorization claims. Error: Bearer token claim '{claim}' has the wrong format"
        ),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_identity_postgresql_cannot_store_is_a_401() {
    let app = spawn().await;
    for claim in ["sub", "iam_id"] {
        let mut claims = tokens::claims("nul", Some(ACCOUNT), &ALL);
        claims[claim] = json!("a\u{0}");
        let r = app.get(&tenants_path(), &tokens::hs256(&claims)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{claim}: {}", r.text);
        assert_eq!(r.error(), claim_refused(claim));
    }
    assert!(app.outbox().await.is_empty(), "no identity, no event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_indexed_claims_are_too_long_is_a_401() {
    // The account is indexed in tenants and filed in every event's CRN (an indexed cluster_id in service-logs):
    // an account too long for an index would make a create a 500 and an audit event undeliverable.
    let app = spawn().await;
    for (claim, value) in [
        ("sub", json!("s".repeat(1025))),
        ("iam_id", json!("i".repeat(1025))),
        ("account", json!({"bss": "a".repeat(257)})),
    ] {
        let mut claims = tokens::claims("long", Some(ACCOUNT), &ALL);
        claims[claim] = value;
        let r = app
            .post(
                &tenants_path(),
                &tokens::hs256(&claims),
                &json!({"name": "t", "targets": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{claim}: {}", r.text);
        assert_eq!(r.error(), claim_refused(claim));
    }
    assert!(app.outbox().await.is_empty(), "no identity, no event");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_answer_is_json_actix_own_included() {
    let app = spawn().await;
    let check = |r: &Reply, status: u16, code: &str| {
        assert_eq!(r.status.as_u16(), status, "{}", r.text);
        assert_eq!(
            r.header("content-type"),
            Some("application/json"),
            "{status}"
        );
        assert_eq!(
            r.error()["errors"][0]["code"],
            json!(code),
            "{status}: {}",
            r.text
        );
    };
    let r = app.get("/no/such/route", &app.admin).await;
    check(&r, 404, "not_found");
    let r = app
        .request(Method::PUT, &tenants_path(), Some(&app.admin), &[], None)
        .await;
    check(&r, 405, "method_not_allowed");
    let r = app
        .request(
            Method::GET,
            &tenants_path(),
            Some(&app.admin),
            &[("x-big", &"b".repeat(70 * 1000))],
            None,
        )
        .await;
    check(&r, 431, "bad_request");
    let head = format!(
        "GET {}?name={} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\r\n",
        tenants_path(),
        "a".repeat(40 * 1000),
        app.admin
    );
    let answer = raw_exchange(&app.url, head, b"", Duration::from_secs(10))
        .await
        .0;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(
        answer.contains(r#""message":"The request URL is longer than 32768 bytes""#),
        "{answer}"
    );
}
