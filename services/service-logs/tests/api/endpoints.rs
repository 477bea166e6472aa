//! Every endpoint and the statuses it answers, with exact bodies.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Replaces the server-made values (checked for shape first) so a whole body can be compared.
fn normalized(mut v: Value) -> Value {
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 27, "KSUID: {id}");
    assert_eq!(v["href"], json!(format!("{BASE}/cluster_logs/{id}")));
    for k in ["created_at", "timestamp"] {
        let t = v[k].as_str().unwrap();
        assert!(t.ends_with('Z') && !t.contains(".000"), "{k}: {t}");
    }
    v["id"] = json!("ID");
    v["href"] = json!("HREF");
    v["created_at"] = json!("T");
    if v["event_stream_id"].as_str().is_some_and(|s| s.len() == 27) {
        v["event_stream_id"] = json!("ESID");
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_echoes_the_log_with_server_fields_from_the_token() {
    let app = spawn().await;
    let mut claims = tokens::claims("svc-account", Some("acc-1"), &[CREATE, READ]);
    claims["preferred_username"] = json!("jdoe");
    claims["email"] = json!("jdoe@example.com");
    claims["given_name"] = json!("Jane");
    claims["family_name"] = json!("Doe");
    let token = tokens::hs256(&claims);
    let body = json!({
        "kind": "LogEntry", "id": "ignored", "created_by": "ignored",
        "cluster_uuid": "c-uuid", "cluster_id": "c-id", "subscription_id": "sub", "account_id": "acc-1",
        "severity": "Warning", "service_name": "SREManualAction", "summary": "Hello", "description": "**md**",
        "internal_only": false, "log_type": "Cluster Updates", "doc_references": ["https://docs/x"],
        "timestamp": "2025-02-06T11:15:38.3607+01:00", "username": "someone"
    });
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    assert_eq!(r.header("location"), created["href"].as_str());
    assert_eq!(
        normalized(created.clone()),
        json!({
            "kind": "ClusterLog", "id": "ID", "href": "HREF",
            "cluster_uuid": "c-uuid", "cluster_id": "c-id", "subscription_id": "sub", "account_id": "acc-1",
            "severity": "Warning", "service_name": "SREManualAction", "summary": "Hello", "description": "**md**",
            "internal_only": false, "log_type": "Cluster Updates", "doc_references": ["https://docs/x"],
            "event_stream_id": "ESID", "timestamp": "2025-02-06T10:15:38.3607Z", "username": "someone",
            "created_at": "T", "created_by": "jdoe", "email": "jdoe@example.com", "first_name": "Jane", "last_name": "Doe"
        })
    );
    // GET answers the same object.
    let id = created["id"].as_str().unwrap();
    let got = app.get(&format!("{BASE}/cluster_logs/{id}"), &token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json(), created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_fill_absent_fields_and_empty_values_are_written() {
    let app = spawn().await;
    let token = tokens::token("robot", None, &[CREATE, READ_INTERNAL]);
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&token),
            Some(log("u1", "s")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let v = r.json();
    assert_eq!(v["timestamp"], v["created_at"], "timestamp defaults to now");
    assert_eq!(
        normalized(v.clone()),
        json!({
            "kind": "ClusterLog", "id": "ID", "href": "HREF", "cluster_uuid": "u1", "cluster_id": "",
            "subscription_id": "", "account_id": "", "severity": "Info", "service_name": "SREManualAction",
            "summary": "s", "description": "", "internal_only": false, "log_type": "", "event_stream_id": "ESID",
            "timestamp": v["timestamp"], "username": "", "created_at": "T", "created_by": "robot", "email": "",
            "first_name": "", "last_name": ""
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_delete_answer_404_for_unknown_and_foreign_logs() {
    let app = spawn().await;
    let mine = app.create(json!({"cluster_uuid": "u", "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "mine"})).await;
    let internal = app.create(json!({"cluster_uuid": "u", "account_id": "acc-1", "internal_only": true, "severity": "Info", "service_name": "s", "summary": "internal"})).await;
    // Another cluster: `u` is acc-1's now (learned from its first log), so every log of `u` is acc-1's to read.
    let foreign = app.create(json!({"cluster_uuid": "u2", "account_id": "acc-2", "severity": "Info", "service_name": "s", "summary": "theirs"})).await;
    let reader = tokens::token("reader", Some("acc-1"), &[READ]);

    let r = app
        .get(
            &format!("{BASE}/cluster_logs/{}", mine["id"].as_str().unwrap()),
            &reader,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for (id, label) in [
        (foreign["id"].as_str().unwrap(), "another account's"),
        (internal["id"].as_str().unwrap(), "an internal"),
        ("2Qy0LZ6JyTQ8XoJm6x0lVw3Yb0A", "a missing"),
        ("not-a-ksuid", "a malformed"),
    ] {
        let r = app.get(&format!("{BASE}/cluster_logs/{id}"), &reader).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{label} log");
        assert_eq!(
            r.error(),
            ocm_error(7, &format!("Log with id '{id}' not found")),
            "{label} log"
        );
    }

    let deleter = tokens::token("ops", None, &[DELETE]);
    let path = format!("{BASE}/cluster_logs/{}", mine["id"].as_str().unwrap());
    let r = app.call(Method::DELETE, &path, Some(&deleter), None).await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::NO_CONTENT, ""));
    let r = app.call(Method::DELETE, &path, Some(&deleter), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.call(Method::DELETE, &path, Some(&reader), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The caller lacks the 'service-logs.log.delete' permission"
        )
    );
    assert_eq!(app.count_rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warehouse_counts_and_removes_cluster_logs() {
    let app = spawn().await;
    for (uuid, id) in [("u1", "i1"), ("u1", ""), ("", "i2"), ("u3", "i3"), ("", "")] {
        let mut body = log(uuid, "x");
        body["cluster_id"] = json!(id);
        if uuid.is_empty() && id.is_empty() {
            body["cluster_id"] = json!("other");
        }
        app.create(body).await;
    }
    let ops = tokens::token("ops", None, &[DELETE]);
    let r = app
        .get(
            &format!("{BASE}/warehouse?cluster_uuid=u1&cluster_id=i2"),
            &ops,
        )
        .await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({"total": 3})));
    let r = app
        .get(&format!("{BASE}/warehouse?cluster_uuid=u1,u3"), &ops)
        .await;
    assert_eq!(r.json(), json!({"total": 3}));
    // An empty id is absent: it never matches the logs whose id is empty.
    let r = app
        .get(&format!("{BASE}/warehouse?cluster_uuid=&cluster_id="), &ops)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.error(),
        ocm_error(
            21,
            "At least one of 'cluster_id' or 'cluster_uuid' is required"
        )
    );

    let r = app
        .call(
            Method::DELETE,
            &format!("{BASE}/warehouse?cluster_uuid=u1"),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({"total": 2})));
    let r = app
        .call(
            Method::DELETE,
            &format!("{BASE}/warehouse?cluster_uuid=u1"),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), ocm_error(7, "The given clusters have no logs"));
    assert_eq!(app.count_rows().await, 3);

    let reader = tokens::token("r", Some("a"), &[READ, READ_INTERNAL, CREATE]);
    let r = app
        .get(&format!("{BASE}/warehouse?cluster_uuid=u3"), &reader)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_needs_the_create_permission() {
    let app = spawn().await;
    let reader = tokens::token("reader", Some("acc-1"), &[READ, READ_INTERNAL]);
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&reader),
            Some(log("u", "s")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The caller lacks the 'service-logs.log.create' permission"
        )
    );
    let nobody = tokens::token("nobody", Some("acc-1"), &[]);
    let r = app.get(&format!("{BASE}/cluster_logs"), &nobody).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The caller lacks the 'service-logs.log.read' permission"
        )
    );
    let accountless = tokens::token("x", None, &[READ]);
    let r = app.get(&format!("{BASE}/cluster_logs"), &accountless).await;
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The token carries no account, so there are no logs it may read"
        )
    );
    assert_eq!(app.count_rows().await, 0);
}
