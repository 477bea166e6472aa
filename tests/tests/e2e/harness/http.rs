//! HTTP: a call to a router with its `X-Trace-ID` checked, batches of audited calls, small JSON helpers.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::tokens;

pub use testkit::Reply;

use super::{ALL, CREDENTIAL, LOG_READ_INTERNAL, LOGDNA_CRN, LOGS_CRN};

/// See [`Stack::call`]; free of the stack so batches can run on spawned tasks.
pub async fn call(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let trace = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-trace-id"))
        .map_or_else(
            || uuid::Uuid::new_v4().to_string(),
            |(_, v)| (*v).to_owned(),
        );
    let url = format!("{base}{path}");
    let mut req = http.request(method.clone(), &url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if !has("x-trace-id") {
        req = req.header("X-Trace-ID", &trace);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        if !has("content-type") {
            let ct = if method == Method::PATCH {
                "application/merge-patch+json"
            } else {
                "application/json"
            };
            req = req.header("Content-Type", ct);
        }
        req = req.body(b.to_string());
    }
    let reply = Reply::send(req).await;
    assert_eq!(
        reply.header("x-trace-id"),
        Some(trace.as_str()),
        "{method} {path}: the answer does not echo X-Trace-ID"
    );
    reply
}

/// Call number `i` of a batch, each with a valid token so each records one audit event: a list of tenants, the
/// creation of a tenant in an account of its own (201), or a read of a tenant that does not exist (404).
pub async fn batch_call(http: reqwest::Client, base: String, i: usize) {
    let account = format!("e2e-batch-{i}");
    let token = tokens::token(&format!("batch-user-{i}"), Some(&account), &ALL);
    let (method, path, body, status) = match i % 3 {
        0 => (Method::GET, "/v1/tenants".to_owned(), None, 200),
        1 => (
            Method::POST,
            "/v1/tenants".to_owned(),
            Some(json!({"name": format!("batch-{i}"), "targets": [logs_target("cl")]})),
            201,
        ),
        _ => (
            Method::GET,
            format!("/v1/tenants/{}", uuid::Uuid::new_v4()),
            None,
            404,
        ),
    };
    call(
        &http,
        &base,
        method,
        &path,
        Some(&token),
        &[],
        body.as_ref(),
    )
    .await
    .expect(status);
}

/// Calls `range` of [`batch_call`]s, `parallel` at a time, spread over `bases` in turn.
pub async fn batch(
    http: &reqwest::Client,
    bases: &[String],
    range: std::ops::Range<usize>,
    parallel: usize,
) {
    let mut set = tokio::task::JoinSet::new();
    for i in range {
        if set.len() >= parallel
            && let Some(done) = set.join_next().await
        {
            done.expect("a batch call failed");
        }
        let base = bases[i % bases.len()].clone();
        set.spawn(batch_call(http.clone(), base, i));
    }
    while let Some(done) = set.join_next().await {
        done.expect("a batch call failed");
    }
}

pub fn logdna_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGDNA_CRN, "name": name,
           "parameters": {"host": "www.example.com", "port": 8080, "access_credential": CREDENTIAL}})
}

pub fn logs_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGS_CRN, "name": name,
           "parameters": {"host": "logs.example.com", "port": 443}})
}

/// A token that reads every log of every account in service-logs.
pub fn observer() -> String {
    tokens::token("e2e-observer", None, &[LOG_READ_INTERNAL])
}

/// Percent-encoding of a query parameter value (everything but the unreserved characters).
pub fn enc(s: &str) -> String {
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

/// The `items` of a service-logs page.
pub fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .clone()
}

/// A string field of a JSON value ("" when absent).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// The CADF event a delivered log carries in its description.
pub fn event_of(log: &Value) -> Value {
    serde_json::from_str(s(log, "description"))
        .unwrap_or_else(|e| panic!("description is not the CADF event JSON ({e}): {log}"))
}

/// The id of the CADF event a delivered log carries.
pub fn event_id(log: &Value) -> String {
    let e = event_of(log);
    e["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no event id in {e}"))
        .to_owned()
}

/// Whether a JSON log line holds `trace_id: <trace>` at any depth (the span fields are nested).
pub fn has_trace_id(v: &Value, trace: &str) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| (k == "trace_id" && v.as_str() == Some(trace)) || has_trace_id(v, trace)),
        Value::Array(a) => a.iter().any(|v| has_trace_id(v, trace)),
        _ => false,
    }
}
