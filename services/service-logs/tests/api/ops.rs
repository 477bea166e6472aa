//! Health, readiness, metrics, the OpenAPI document, operation ids, and 503 when the pool is exhausted.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_and_metrics_need_no_token() {
    let app = spawn().await;
    let r = app.raw(app.req(Method::GET, "/healthz")).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = app.raw(app.req(Method::GET, "/readyz")).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"status": "ok", "database": "ok"}))
    );
    app.get(&format!("{BASE}/cluster_logs"), &app.admin).await;
    app.get(&format!("{BASE}/cluster_logs/abc"), &app.admin)
        .await;
    let m = app.raw(app.req(Method::GET, "/metrics")).await;
    assert_eq!(m.status, StatusCode::OK);
    for line in [
        r#"http_requests_total{method="GET",route="/api/service_logs/v1/cluster_logs",status="200"} 1"#,
        r#"http_requests_total{method="GET",route="/api/service_logs/v1/cluster_logs/{id}",status="404"} 1"#,
        "http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/service_logs/v1/cluster_logs\",le=\"+Inf\"} 1",
        "db_pool_max_size 8",
    ] {
        assert!(
            m.text.lines().any(|l| l == line),
            "missing `{line}` in\n{}",
            m.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_an_operation_id() {
    let app = spawn().await;
    let a = app.raw(app.req(Method::GET, "/healthz")).await;
    let b = app.raw(app.req(Method::GET, "/healthz")).await;
    let (a, b) = (
        a.header("x-operation-id").unwrap().to_owned(),
        b.header("x-operation-id").unwrap().to_owned(),
    );
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_covers_every_route() {
    let app = spawn().await;
    let doc = app.raw(app.req(Method::GET, "/openapi.json")).await.json();
    assert_eq!(
        doc["openapi"].as_str().map(|s| s.starts_with("3.")),
        Some(true)
    );
    let paths = doc["paths"].as_object().unwrap();
    let mut have: Vec<String> = paths
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {p}", m.to_uppercase()))
        })
        .collect();
    have.sort();
    assert_eq!(
        have,
        [
            "DELETE /api/service_logs/v1/cluster_logs/{id}",
            "DELETE /api/service_logs/v1/clusters/{cluster_uuid}/owner",
            "DELETE /api/service_logs/v1/notification_triggers/{id}",
            "DELETE /api/service_logs/v1/warehouse",
            "GET /api/service_logs/v1",
            "GET /api/service_logs/v1/cluster_logs",
            "GET /api/service_logs/v1/cluster_logs/{id}",
            "GET /api/service_logs/v1/clusters/cluster_logs",
            "GET /api/service_logs/v1/clusters/cluster_logs/notifications",
            "GET /api/service_logs/v1/clusters/{cluster_uuid}/owner",
            "GET /api/service_logs/v1/clusters/{uuid}/cluster_logs",
            "GET /api/service_logs/v1/notification_triggers",
            "GET /api/service_logs/v1/notification_triggers/{id}",
            "GET /api/service_logs/v1/warehouse",
            "PATCH /api/service_logs/v1/notification_triggers/{id}",
            "POST /api/service_logs/v1/cluster_logs",
            "POST /api/service_logs/v1/cluster_logs/bulk",
            "POST /api/service_logs/v1/notification_triggers",
            "PUT /api/service_logs/v1/clusters/{cluster_uuid}/owner",
        ]
    );
    assert!(doc["components"]["schemas"]["Error"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_503_not_500() {
    let app = spawn_with(|s| {
        // A port nothing listens on: every connection attempt fails fast.
        s.common.database_url = Some(platform::settings::Secret::new(
            "postgres://postgres@127.0.0.1:1/none",
        ));
    })
    .await;
    let r = app.get(&format!("{BASE}/cluster_logs"), &app.admin).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(
        r.error(),
        ocm_error(9, "The service is temporarily unavailable; retry later")
    );
    let r = app.raw(app.req(Method::GET, "/readyz")).await;
    assert_eq!(
        (r.status, r.json()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "unavailable", "database": "unreachable"})
        )
    );
}
