//! What no client input may break (issue 10 and 11's rows in the shared parts): date-times outside years
//! 0001-9999, text PostgreSQL cannot store (NUL), oversized or slow requests, and the content type of every
//! error answer, actix's own included.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use testkit::http::raw_exchange;

const UUID: &str = "3f2a6c1e-8b7d-4e2f-9a10-5c6d7e8f9a0b";

/// Percent-encoding of a query parameter value (everything but the unreserved characters).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn nul_reason(what: &str) -> String {
    format!("{what} contains a NUL character, which cannot be stored")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_time_outside_years_0001_to_9999_in_utc_is_a_400_naming_the_field() {
    let app = spawn().await;
    for ts in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59"] {
        let mut body = log(UUID, "range");
        body["timestamp"] = json!(ts);
        let r = app
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs"),
                Some(&app.admin),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{ts}: {}", r.text);
        assert_eq!(
            r.error(),
            ocm_error(
                8,
                &format!(
                    "Field 'timestamp' value '{ts}' is not an RFC 3339 date-time such as '2025-03-03T18:01:51Z'"
                )
            )
        );
    }
    for (search, field) in [
        ("timestamp >= '9999-12-31T23:59:59-23:59'", "timestamp"),
        (
            "timestamp in ('2024-01-01', '9999-12-31T23:59:59-23:59')",
            "timestamp",
        ),
        ("created_at < '0000-01-01T00:00:00+23:59'", "created_at"),
    ] {
        let path = format!("{BASE}/cluster_logs?search={}", enc(search));
        let r = app.get(&path, &app.admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{search}: {}", r.text);
        let e = r.error();
        assert_eq!(e["id"], json!("23"), "{search}: {e}");
        assert!(
            e["reason"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("is not a date-time for field '{field}'"))),
            "{search}: {e}"
        );
    }
    assert_eq!(app.count_rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_anywhere_is_a_400_naming_where_and_stores_nothing() {
    let app = spawn().await;
    let logs = format!("{BASE}/cluster_logs");
    let post =
        |body: serde_json::Value| app.call(Method::POST, &logs, Some(&app.admin), Some(body));
    for field in [
        "summary",
        "description",
        "service_name",
        "cluster_id",
        "username",
        "log_type",
        "subscription_id",
        "event_stream_id",
    ] {
        let mut body = log(UUID, "nul");
        body[field] = json!("a\u{0}b");
        let r = post(body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.text);
        assert_eq!(
            r.error(),
            ocm_error(
                21,
                &format!(
                    "Field '{field}' contains a NUL character (\\u0000), which cannot be stored"
                )
            ),
            "{field}"
        );
    }
    let mut body = log(UUID, "nul");
    body["doc_references"] = json!(["https://ok", "\u{0}"]);
    let r = post(body).await;
    assert_eq!(
        r.error(),
        ocm_error(
            21,
            "Field 'doc_references[1]' contains a NUL character (\\u0000), which cannot be stored"
        )
    );

    let cases = [
        (
            Method::GET,
            format!("{BASE}/clusters/cluster_logs?cluster_id=%00"),
            nul_reason("Query parameter 'cluster_id'"),
        ),
        (
            Method::GET,
            format!("{BASE}/cluster_logs?search=summary%20%3D%20%27a%00%27"),
            nul_reason("Query parameter 'search'"),
        ),
        (
            Method::GET,
            format!("{BASE}/cluster_logs?search=summary%20in%20(%27%00%27)"),
            nul_reason("Query parameter 'search'"),
        ),
        (
            Method::GET,
            format!("{BASE}/clusters/a%00b/cluster_logs"),
            nul_reason("The path"),
        ),
        (
            Method::GET,
            format!("{BASE}/warehouse?cluster_uuid=%00"),
            nul_reason("Query parameter 'cluster_uuid'"),
        ),
        (
            Method::DELETE,
            format!("{BASE}/warehouse?cluster_uuid=%00"),
            nul_reason("Query parameter 'cluster_uuid'"),
        ),
    ];
    for (method, path, reason) in cases {
        let r = app
            .call(method.clone(), &path, Some(&app.admin), None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{method} {path}: {}",
            r.text
        );
        assert_eq!(r.error(), ocm_error(21, &reason), "{method} {path}");
    }
    assert_eq!(app.count_rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_indexed_claims_are_too_long_is_a_401() {
    // The subject is part of each Idempotency-Key record's key and the account is indexed: values too long for
    // an index would make a keyed create a 500.
    let app = spawn().await;
    for (claim, value) in [
        ("sub", json!("s".repeat(1025))),
        ("account", json!({"bss": "a".repeat(257)})),
    ] {
        let mut claims = tokens::claims("long", Some("acc-1"), &[CREATE, READ]);
        claims[claim] = value;
        let r = app
            .raw(
                app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                    .bearer_auth(tokens::hs256(&claims))
                    .header("Idempotency-Key", "k".repeat(255))
                    .json(&log(UUID, "long claims")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{claim}: {}", r.text);
        assert_eq!(
            r.error(),
            ocm_error(
                15,
                &format!("Bearer token claim '{claim}' has the wrong format")
            ),
            "{claim}"
        );
    }
    let r = app.get(&format!("{BASE}/cluster_logs"), &app.admin).await;
    assert_eq!(r.json()["total"], 0, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_whose_identity_postgresql_cannot_store_is_a_401() {
    let app = spawn().await;
    for (claim, value) in [
        ("sub", json!("a\u{0}")),
        ("preferred_username", json!("\u{0}")),
        ("email", json!("x\u{0}@y")),
        ("given_name", json!("\u{0}")),
        ("family_name", json!("\u{0}")),
        ("iam_id", json!("\u{0}")),
    ] {
        let mut claims = tokens::claims("nul-user", Some("acc-1"), &[CREATE, READ]);
        claims[claim] = value;
        let r = app
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs"),
                Some(&tokens::hs256(&claims)),
                Some(log(UUID, "nul token")),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{claim}: {}", r.text);
        assert_eq!(
            r.error(),
            ocm_error(
                15,
                &format!("Bearer token claim '{claim}' has the wrong format")
            ),
            "{claim}"
        );
    }
    let mut claims = tokens::claims("nul-user", Some("acc-1"), &[READ]);
    claims["account"] = json!({"bss": "acc\u{0}"});
    let r = app
        .get(&format!("{BASE}/cluster_logs"), &tokens::hs256(&claims))
        .await;
    assert_eq!(
        r.error(),
        ocm_error(15, "Bearer token claim 'account' has the wrong format")
    );
    assert_eq!(app.count_rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_answer_is_json_actix_own_included() {
    let app = spawn().await;
    let json_error = |r: &Reply, status: u16, id: u16| {
        assert_eq!(r.status.as_u16(), status, "{}", r.text);
        assert_eq!(
            r.header("content-type"),
            Some("application/json"),
            "{status}"
        );
        assert_eq!(
            r.error()["id"],
            json!(id.to_string()),
            "{status}: {}",
            r.text
        );
    };
    let r = app.get("/no/such/route", &app.admin).await;
    json_error(&r, 404, 7);
    let r = app
        .call(
            Method::PUT,
            &format!("{BASE}/cluster_logs"),
            Some(&app.admin),
            None,
        )
        .await;
    json_error(&r, 405, 21);
    let big = "x".repeat(2 * 1024 * 1024);
    let r = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("content-type", "application/json")
                .body(format!("{{\"summary\":\"{big}\"}}")),
        )
        .await;
    json_error(&r, 413, 21);
    let r = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    json_error(&r, 415, 21);
    // Over 32 KiB of URL (reqwest sends none over 64 KiB, and actix reads none: see below).
    let head = format!(
        "GET {BASE}/cluster_logs?search={} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\r\n",
        "a".repeat(40 * 1000),
        app.admin
    );
    let (answer, _) = raw_exchange(&app.url, head, b"", Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(
        answer.contains(r#""reason":"The request URL is longer than 32768 bytes""#),
        "{answer}"
    );
    let r = app
        .raw(
            app.req(Method::GET, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("x-big", "b".repeat(70 * 1000)),
        )
        .await;
    json_error(&r, 431, 21);
    assert_eq!(
        r.error()["reason"],
        json!("The request headers are larger than 65536 bytes")
    );
    // Never a 411: a POST with neither Content-Length nor Transfer-Encoding has an empty body, refused in JSON.
    let head = format!(
        "POST {BASE}/cluster_logs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\nconnection: close\r\n\r\n",
        app.admin
    );
    let (answer, _) = raw_exchange(&app.url, head, b"", Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(answer.contains(r#""kind":"Error""#), "{answer}");
}

/// What actix answers itself, before any of our code runs, and so cannot carry our error body (documented in
/// docs/reliability.md): a request head over its 128 KiB buffer (431), a URL of 64 KiB or more (400) and
/// malformed HTTP (400), all empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_actix_refuses_before_our_code_is_answered_with_an_empty_body() {
    let app = spawn().await;
    let cases = [
        (
            format!(
                "GET {BASE}/cluster_logs HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
                "b".repeat(1_000_000)
            ),
            "HTTP/1.1 431",
        ),
        (
            format!(
                "GET {BASE}/cluster_logs?search={} HTTP/1.1\r\nhost: x\r\n\r\n",
                "a".repeat(100 * 1000)
            ),
            "HTTP/1.1 400",
        ),
        (
            "GET /healthz HTTP/1.1\r\nhost x\r\n\r\n".to_owned(),
            "HTTP/1.1 400",
        ),
    ];
    for (head, status) in cases {
        let (answer, _) = raw_exchange(&app.url, head, b"", Duration::from_secs(10)).await;
        assert!(answer.starts_with(status), "{status}: {answer}");
        assert!(answer.contains("content-length: 0"), "{status}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_within_10_s_is_a_408_and_the_connection_closes() {
    let app = spawn().await;
    let head = format!(
        "POST {BASE}/cluster_logs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n",
        app.admin
    );
    let (answer, took) = raw_exchange(&app.url, head, b"{", Duration::from_secs(20)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(
        answer.contains("The request body did not arrive within 10 seconds"),
        "{answer}"
    );
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(15),
        "answered after {took:?}"
    );
    assert_eq!(app.count_rows().await, 0);
}
