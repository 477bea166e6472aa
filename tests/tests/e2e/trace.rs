//! 5. A request with a known `traceparent`: its trace id is in the router's log lines, in the outbox row, and in
//!    service-logs' log line for the delivery `POST` the request caused (a bulk create's span is parented on its first
//!    event's trace).

use crate::harness::{ALL, Stack, has_trace_id, s};
use reqwest::Method;
use std::time::Duration;
use testkit::tokens;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_trace_reaches_service_logs() {
    let stack = Stack::start("trace", 1).await;
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let traceparent = format!("00-{trace}-{span}-01");
    let token = tokens::token("tracer", Some("e2e-acc-trace"), &ALL);
    let reply = stack
        .call(
            0,
            Method::GET,
            "/v1/tenants",
            Some(&token),
            &[("traceparent", &traceparent)],
            None,
        )
        .await;
    reply.expect(200);

    let logs = stack.wait_delivered(1, Duration::from_secs(20)).await;
    assert_eq!(
        s(&logs[0], "event_stream_id"),
        reply.trace(),
        "event_stream_id is the call's X-Trace-ID"
    );

    let outbox = stack.outbox().await;
    assert!(
        outbox[0].traceparent.starts_with(&format!("00-{trace}-")),
        "the outbox row keeps the request's trace: traceparent {:?}, trace id sent {trace}",
        outbox[0].traceparent
    );

    // The router: the line of the request (and whatever else was logged in its span) carries the trace id.
    let router_lines = stack.router().log_lines();
    let request_line = router_lines
        .iter()
        .find(|l| s(l, "correlation_id") == reply.trace())
        .unwrap_or_else(|| panic!("no router log line with correlation_id {}", reply.trace()));
    assert!(
        has_trace_id(request_line, &trace),
        "the router's request line does not carry trace_id {trace}: {request_line}"
    );
    eprintln!("e2e: the router's line for the request: {request_line}");

    // service-logs: its line for the delivery POST carries the same trace id.
    let sl_lines = stack.sl.log_lines();
    let delivery_lines: Vec<_> = sl_lines
        .iter()
        .filter(|l| {
            s(l, "method") == "POST"
                && (s(l, "path") == "/api/service_logs/v1/cluster_logs/bulk"
                    || s(l, "path") == "/api/service_logs/v1/cluster_logs")
        })
        .collect();
    assert!(
        !delivery_lines.is_empty(),
        "service-logs logged no POST /api/service_logs/v1/cluster_logs/bulk (nor a single create)"
    );
    let traced = delivery_lines
        .iter()
        .find(|l| has_trace_id(l, &trace))
        .unwrap_or_else(|| {
            panic!("no service-logs line for the delivery POST carries trace_id {trace}: {delivery_lines:#?}")
        });
    eprintln!("e2e: service-logs' line for the delivery: {traced}");
}
