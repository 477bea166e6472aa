//! Bad input: each row a request, the exact status, error id and reason, and nothing changed.

use crate::common::*;
use crate::lists::enc;
use reqwest::{Method, StatusCode};
use serde_json::json;

struct Row {
    method: Method,
    path: String,
    content_type: Option<&'static str>,
    body: Option<String>,
    status: u16,
    id: u16,
    reason: &'static str,
}

fn row(
    method: Method,
    path: &str,
    body: Option<&str>,
    status: u16,
    id: u16,
    reason: &'static str,
) -> Row {
    Row {
        method,
        path: path.into(),
        content_type: Some("application/json"),
        body: body.map(Into::into),
        status,
        id,
        reason,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_answer_exact_errors_and_change_nothing() {
    let app = spawn().await;
    app.create(log("u1", "existing")).await;
    let before = app.count_rows().await;
    let logs = format!("{BASE}/cluster_logs");
    let long = format!(
        r#"{{"cluster_uuid":"u","severity":"Info","service_name":"s","summary":"{}"}}"#,
        "x".repeat(256)
    );
    let deep = format!("{}a = '1'{}", "(".repeat(40), ")".repeat(40));
    let huge = format!("summary = '{}'", "x".repeat(5000));
    let rows = vec![
        row(
            Method::POST,
            &logs,
            Some("{"),
            400,
            21,
            "Request body is not valid JSON: EOF while parsing an object at line 1 column 1",
        ),
        row(
            Method::POST,
            &logs,
            Some("[1,2]"),
            400,
            21,
            "Request body must be a JSON object",
        ),
        row(
            Method::POST,
            &logs,
            Some(
                r#"{"severity":"Info","service_name":"s","summary":"x","cluster_id":"c","internal_only":"yes"}"#,
            ),
            400,
            21,
            "Request body is not a valid log: invalid type: string \"yes\", expected a boolean",
        ),
        row(
            Method::POST,
            &logs,
            Some(r#"{"severity":"Info","service_name":"s","summary":7,"cluster_id":"c"}"#),
            400,
            21,
            "Request body is not a valid log: invalid type: integer `7`, expected a string",
        ),
        row(
            Method::POST,
            &logs,
            Some(
                r#"{"severity":"Info","service_name":"s","summary":"x","cluster_id":"c","doc_references":"x"}"#,
            ),
            400,
            21,
            "Request body is not a valid log: invalid type: string \"x\", expected a sequence",
        ),
        row(
            Method::POST,
            &logs,
            Some(r#"{"severity":"info","service_name":"s","summary":"x","cluster_id":"c"}"#),
            400,
            8,
            "severity 'info' is not valid; accepted values are 'Debug', 'Info', 'Warning', 'Error', 'Fatal', 'Major', 'Critical', 'Important', 'Moderate', 'Low'",
        ),
        row(
            Method::POST,
            &logs,
            Some(r#"{"severity":"Info","service_name":"s","summary":"x"}"#),
            400,
            8,
            "One of 'cluster_id' or 'cluster_uuid' is required",
        ),
        row(
            Method::POST,
            &logs,
            Some(r#"{"severity":"Info","service_name":"","summary":"x","cluster_id":"c"}"#),
            400,
            8,
            "Field 'service_name' is required",
        ),
        row(
            Method::POST,
            &logs,
            Some(r#"{"service_name":"s","summary":"x","cluster_id":"c"}"#),
            400,
            8,
            "Field 'severity' is required",
        ),
        row(
            Method::POST,
            &logs,
            Some(&long),
            400,
            8,
            "Field 'summary' is 256 characters long; at most 255 are allowed",
        ),
        row(
            Method::POST,
            &logs,
            Some(
                r#"{"severity":"Info","service_name":"s","summary":"x","cluster_id":"c","timestamp":"yesterday"}"#,
            ),
            400,
            8,
            "Field 'timestamp' value 'yesterday' is not an RFC 3339 date-time such as '2025-03-03T18:01:51Z'",
        ),
        Row {
            content_type: Some("text/plain"),
            ..row(
                Method::POST,
                &logs,
                Some("{}"),
                415,
                21,
                "The request body must be JSON with 'Content-Type: application/json'",
            )
        },
        Row {
            content_type: None,
            ..row(
                Method::POST,
                &logs,
                Some("{}"),
                415,
                21,
                "The request body must be JSON with 'Content-Type: application/json'",
            )
        },
        row(
            Method::POST,
            &logs,
            Some(&format!(r#"{{"description":"{}"}}"#, "x".repeat(1_100_000))),
            413,
            21,
            "The request body is too large",
        ),
        row(
            Method::GET,
            &format!("{logs}?search={}", enc("summary = 'x'' OR 1=1 --")),
            None,
            400,
            23,
            "Invalid search: unterminated string literal (missing closing quote) at position 11",
        ),
        row(
            Method::GET,
            &format!(
                "{logs}?search={}",
                enc("summary = 'x'; DROP TABLE cluster_logs; --")
            ),
            None,
            400,
            23,
            "Invalid search: invalid character ';' at position 14",
        ),
        row(
            Method::GET,
            &format!("{logs}?search={}", enc("1=1")),
            None,
            400,
            23,
            "Invalid search: expected a field name (the field goes on the left of the operator), found number 1 at position 1",
        ),
        row(
            Method::GET,
            &format!("{logs}?search={}", enc(&deep)),
            None,
            400,
            23,
            "Invalid search: nesting deeper than 32 levels of parentheses and 'not' at position 33",
        ),
        row(
            Method::GET,
            &format!("{logs}?search={}", enc(&huge)),
            None,
            400,
            23,
            "Invalid search: the search is longer than 4096 characters at position 4097",
        ),
        row(
            Method::GET,
            &format!("{logs}?search={}", enc("pg_sleep = '1'")),
            None,
            400,
            23,
            "Invalid search: unknown field 'pg_sleep' at position 1; searchable fields are id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description, internal_only, log_type, event_stream_id, timestamp, username, created_at, created_by, email, first_name, last_name",
        ),
        row(
            Method::GET,
            &format!("{logs}?page=0"),
            None,
            400,
            21,
            "Invalid 'page' value '0': it must be an integer of at least 1",
        ),
        row(
            Method::GET,
            &format!("{logs}?size=-5"),
            None,
            400,
            21,
            "Invalid 'size' value '-5': it must be -1 (everything) or an integer of at least 0",
        ),
        row(
            Method::GET,
            &format!("{logs}?format=xml"),
            None,
            400,
            21,
            "Invalid 'format' value 'xml': use 'json' or 'csv'",
        ),
        row(
            Method::GET,
            &format!("{BASE}/clusters/cluster_logs"),
            None,
            400,
            21,
            "At least one of 'cluster_id' or 'cluster_uuid' is required",
        ),
        row(
            Method::GET,
            &format!("{BASE}/nope"),
            None,
            404,
            7,
            "The requested resource does not exist",
        ),
        row(
            Method::PUT,
            &logs,
            Some("{}"),
            405,
            21,
            "The method is not allowed on this resource",
        ),
    ];
    for r in rows {
        let mut req = app.req(r.method.clone(), &r.path).bearer_auth(&app.admin);
        if let Some(ct) = r.content_type {
            req = req.header("content-type", ct);
        }
        if let Some(b) = r.body.clone() {
            req = req.body(b);
        }
        let reply = app.raw(req).await;
        let label = format!(
            "{} {}",
            r.method,
            r.path.chars().take(120).collect::<String>()
        );
        assert_eq!(reply.status.as_u16(), r.status, "{label}: {}", reply.text);
        assert_eq!(reply.error(), ocm_error(r.id, r.reason), "{label}");
    }
    assert_eq!(app.count_rows().await, before, "a 4xx changed the table");
    // The table is still there and whole after the injection attempts.
    assert_eq!(
        app.get(
            &format!("{logs}?search={}", enc("summary = 'existing'")),
            &app.admin
        )
        .await
        .json()["total"],
        json!(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injection_text_inside_a_literal_is_only_data() {
    let app = spawn().await;
    let evil = "x' OR '1'='1'; DROP TABLE cluster_logs; --";
    app.create(log("u", evil)).await;
    app.create(log("u", "harmless")).await;
    let search = format!("summary = '{}'", evil.replace('\'', "''"));
    let r = app
        .get(
            &format!("{BASE}/cluster_logs?search={}", enc(&search)),
            &app.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(
        (v["total"].clone(), v["items"][0]["summary"].clone()),
        (json!(1), json!(evil))
    );
    assert_eq!(app.count_rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_answers_405_with_allow_listing_the_resources_methods() {
    let app = spawn().await;
    let id = app.create(log("u1", "existing")).await["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (method, path, allow) in [
        (Method::PUT, String::new(), "GET"),
        (Method::PUT, "/cluster_logs".to_owned(), "GET, POST"),
        (Method::PATCH, format!("/cluster_logs/{id}"), "GET, DELETE"),
        (Method::GET, "/cluster_logs/bulk".to_owned(), "POST"),
        (Method::POST, "/clusters/cluster_logs".to_owned(), "GET"),
        (
            Method::DELETE,
            "/clusters/u1/cluster_logs".to_owned(),
            "GET",
        ),
        (
            Method::POST,
            "/clusters/u1/owner".to_owned(),
            "GET, PUT, DELETE",
        ),
        (Method::TRACE, "/warehouse".to_owned(), "GET, DELETE"),
    ] {
        let label = format!("{method} {BASE}{path}");
        let reply = app
            .raw(
                app.req(method, &format!("{BASE}{path}"))
                    .bearer_auth(&app.admin),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 405, "{label}: {}", reply.text);
        assert_eq!(reply.header("allow"), Some(allow), "{label}");
        assert_eq!(
            reply.error(),
            ocm_error(21, "The method is not allowed on this resource"),
            "{label}"
        );
    }
}
