//! `POST /cluster_logs/bulk`: per-item answers in order, one transaction, the single create's rules per item.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const BULK: &str = "/api/service_logs/v1/cluster_logs/bulk";

async fn bulk(app: &TestApp, token: &str, body: Value) -> Reply {
    app.call(Method::POST, BULK, Some(token), Some(body)).await
}

/// The result items of a 200, each item's error with its operation id checked against the header and blanked.
fn results(r: &Reply) -> Vec<Value> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["kind"], "ClusterLogBulkResult", "{}", r.text);
    let op = r.header("x-operation-id").unwrap_or_default().to_owned();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if item.get("error").is_some() {
                assert_eq!(item["error"]["operation_id"], json!(op));
                item["error"]["operation_id"] = json!("");
            }
            item
        })
        .collect()
}

/// A created or replayed item's log without what the server makes up (id, href, times, stream id).
fn made_up_removed(log: &Value) -> Value {
    let mut log = log.clone();
    for k in ["id", "href", "created_at", "timestamp", "event_stream_id"] {
        log.as_object_mut().unwrap().remove(k);
    }
    log
}

fn error_item(status: u16, id: u16, reason: &str) -> Value {
    json!({"status": status, "error": ocm_error(id, reason)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_item_gets_its_own_answer_in_order_and_invalid_ones_stop_nothing() {
    let app = spawn().await;
    let creator = tokens::token("robot", None, &[CREATE]);
    let items = json!([
        {"cluster_uuid": "u-1", "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "first",
         "description": "d", "doc_references": ["https://a"]},
        42,
        {"cluster_uuid": "u-1", "service_name": "s", "summary": "no severity"},
        {"cluster_uuid": "u-1", "severity": "Info", "service_name": "s", "summary": "x".repeat(256)},
        {"cluster_uuid": "u-1", "severity": "Info", "service_name": "s", "summary": "a\u{0}b"},
        {"cluster_uuid": "u-1", "severity": "Info", "service_name": "s", "summary": "k", "idempotency_key": 5},
        {"cluster_uuid": "u-1", "severity": "Info", "service_name": "s", "summary": "k", "idempotency_key": ""},
        {"cluster_uuid": "u-1", "severity": "Info", "service_name": "s", "summary": "k", "internal_only": "yes"},
        {"cluster_id": "c-2", "severity": "Warning", "service_name": "s", "summary": "second", "internal_only": true,
         "idempotency_key": null},
    ]);
    let r = bulk(&app, &creator, json!({"items": items})).await;
    let got = results(&r);
    assert_eq!(got.len(), 9);
    let expected_errors = [
        (1, error_item(400, 21, "Item must be a JSON object")),
        (2, error_item(400, 8, "Field 'severity' is required")),
        (
            3,
            error_item(
                400,
                8,
                "Field 'summary' is 256 characters long; at most 255 are allowed",
            ),
        ),
        (
            4,
            error_item(
                400,
                21,
                "Field 'summary' contains a NUL character (\\u0000), which cannot be stored",
            ),
        ),
        (
            5,
            error_item(400, 21, "Field 'idempotency_key' must be a string"),
        ),
        (
            6,
            error_item(
                400,
                21,
                "Field 'idempotency_key' must hold 1 to 255 characters",
            ),
        ),
    ];
    for (i, want) in &expected_errors {
        assert_eq!(&got[*i], want, "item {i}");
    }
    assert_eq!(got[7]["status"], 400);
    assert_eq!(got[7]["error"]["id"], "21");
    assert!(
        got[7]["error"]["reason"].as_str().unwrap().starts_with(
            "Item is not a valid log: invalid type: string \"yes\", expected a boolean"
        ),
        "{}",
        got[7]
    );
    assert_eq!(got[0]["status"], 201);
    assert_eq!(
        made_up_removed(&got[0]["log"]),
        json!({"kind": "ClusterLog", "cluster_uuid": "u-1", "cluster_id": "", "subscription_id": "",
               "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "first",
               "description": "d", "internal_only": false, "log_type": "", "doc_references": ["https://a"],
               "username": "", "created_by": "robot", "email": "", "first_name": "", "last_name": ""})
    );
    assert_eq!(got[8]["status"], 201);
    assert_eq!(
        made_up_removed(&got[8]["log"]),
        json!({"kind": "ClusterLog", "cluster_uuid": "", "cluster_id": "c-2", "subscription_id": "",
               "account_id": "", "severity": "Warning", "service_name": "s", "summary": "second",
               "description": "", "internal_only": true, "log_type": "", "username": "", "created_by": "robot",
               "email": "", "first_name": "", "last_name": ""})
    );
    // What was answered is what was stored (a creator sees its own log whole, as after a single create).
    for i in [0, 8] {
        let log = &got[i]["log"];
        let stored = app
            .get(
                &format!("{BASE}/cluster_logs/{}", log["id"].as_str().unwrap()),
                &app.admin,
            )
            .await;
        assert_eq!(&stored.json(), log, "item {i}");
    }
    assert_eq!(app.count_rows().await, 2);
    // The first log teaches the cluster's owner, as a single create does.
    let owner = app
        .get(
            &format!("{BASE}/clusters/u-1/owner"),
            &tokens::token("p", None, &["service-logs.cluster.manage"]),
        )
        .await;
    assert_eq!(
        (
            owner.status,
            owner.json()["account_id"].clone(),
            owner.json()["source"].clone()
        ),
        (StatusCode::OK, json!("acc-1"), json!("learned"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_replay_within_a_request_across_requests_and_single_creates() {
    let app = spawn().await;
    let x = log("u", "x");
    let keyed = |key: &str, body: &Value| {
        let mut b = body.clone();
        b["idempotency_key"] = json!(key);
        b
    };
    let r = bulk(
        &app,
        &app.admin,
        json!({"items": [keyed("k1", &x), keyed("k1", &x), keyed("k1", &log("u", "y")), keyed("k2", &log("u", "z"))]}),
    )
    .await;
    let got = results(&r);
    let mismatch = error_item(
        422,
        8,
        "This Idempotency-Key was already used with a different request body",
    );
    assert_eq!(got[0]["status"], 201);
    // The second item with the same key and body replays the first; another body is a mismatch.
    assert_eq!(got[1], json!({"status": 200, "log": got[0]["log"]}));
    assert_eq!(got[2], mismatch);
    assert_eq!(got[3]["status"], 201);
    assert_eq!(app.count_rows().await, 2);

    // A later request: a replay, a mismatch and a new key.
    let again = bulk(
        &app,
        &app.admin,
        json!({"items": [keyed("k1", &x), keyed("k2", &log("u", "other")), keyed("k3", &x)]}),
    )
    .await;
    let again = results(&again);
    assert_eq!(again[0], json!({"status": 200, "log": got[0]["log"]}));
    assert_eq!(again[1], mismatch);
    assert_eq!(again[2]["status"], 201);
    assert_ne!(again[2]["log"]["id"], got[0]["log"]["id"]);
    assert_eq!(app.count_rows().await, 3);

    // The key is the caller's, whichever way it came: a single create with header k1 and the same body replays.
    let single = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "k1")
                .json(&x),
        )
        .await;
    assert_eq!(
        (single.status, single.json()),
        (StatusCode::CREATED, got[0]["log"].clone())
    );
    // And a bulk item replays a single create's key.
    let solo = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "solo")
                .json(&log("u", "solo")),
        )
        .await;
    assert_eq!(solo.status, StatusCode::CREATED);
    let r = bulk(
        &app,
        &app.admin,
        json!({"items": [keyed("solo", &log("u", "solo"))]}),
    )
    .await;
    assert_eq!(
        results(&r),
        vec![json!({"status": 200, "log": solo.json()})]
    );
    // Another caller's k1 is its own.
    let other = tokens::token("someone-else", None, &[CREATE]);
    let r = bulk(&app, &other, json!({"items": [keyed("k1", &x)]})).await;
    assert_eq!(results(&r)[0]["status"], 201);
    assert_eq!(app.count_rows().await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_in_flight_elsewhere_is_409_for_its_item_only() {
    use diesel::sql_types::Text;
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let app = spawn().await;
    // Another transaction holds the key's lock, as a create being served under it would.
    let mut holder = app.db.connect().await;
    holder.batch_execute("BEGIN").await.unwrap();
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>("admin\nbusy")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut busy = log("u", "busy");
    busy["idempotency_key"] = json!("busy");
    let r = bulk(
        &app,
        &app.admin,
        json!({"items": [busy.clone(), log("u", "free")]}),
    )
    .await;
    let got = results(&r);
    assert_eq!(
        got[0],
        error_item(
            409,
            6,
            "A request with this Idempotency-Key is being processed; retry later"
        )
    );
    assert_eq!(got[1]["status"], 201);
    holder.batch_execute("ROLLBACK").await.unwrap();
    let r = bulk(&app, &app.admin, json!({"items": [busy]})).await;
    assert_eq!(results(&r)[0]["status"], 201);
    assert_eq!(app.count_rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_request_errors_keep_the_ocm_format() {
    let app = spawn().await;
    let too_many: Vec<Value> = (0..1001).map(|i| log("u", &format!("n{i}"))).collect();
    for (body, reason) in [
        (json!([log("u", "x")]), "Request body must be a JSON object"),
        (json!({}), "Field 'items' must be an array of logs"),
        (
            json!({"items": {"a": 1}}),
            "Field 'items' must be an array of logs",
        ),
        (
            json!({"items": []}),
            "Field 'items' must hold 1 to 1000 logs; it holds 0",
        ),
        (
            json!({"items": too_many}),
            "Field 'items' must hold 1 to 1000 logs; it holds 1001",
        ),
        (
            json!({"items": [log("u", "x")], "note": "a\u{0}"}),
            "Field 'note' contains a NUL character (\\u0000), which cannot be stored",
        ),
    ] {
        let r = bulk(&app, &app.admin, body).await;
        assert_eq!(
            (r.status, r.error()),
            (StatusCode::BAD_REQUEST, ocm_error(21, reason))
        );
    }
    let bad_json = app
        .raw(
            app.req(Method::POST, BULK)
                .bearer_auth(&app.admin)
                .header("content-type", "application/json")
                .body("{\"items\": ["),
        )
        .await;
    assert_eq!(bad_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_json.error()["id"], "21");
    let not_json = app
        .raw(
            app.req(Method::POST, BULK)
                .bearer_auth(&app.admin)
                .body("items"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Permission: that of a create.
    let reader = tokens::token("reader", Some("acc-1"), &[READ, READ_INTERNAL]);
    let r = bulk(&app, &reader, json!({"items": [log("u", "x")]})).await;
    assert_eq!(
        (r.status, r.error()),
        (
            StatusCode::FORBIDDEN,
            ocm_error(
                11,
                "The caller lacks the 'service-logs.log.create' permission"
            )
        )
    );
    let r = app
        .call(
            Method::POST,
            BULK,
            None,
            Some(json!({"items": [log("u", "x")]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error()["id"], "15");
    assert_eq!(app.count_rows().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_items_and_a_body_limit_of_its_own() {
    let app = spawn().await;
    let description = "d".repeat(2000);
    let items: Vec<Value> = (0..1000)
        .map(|i| {
            let mut l = log(&format!("u-{}", i % 7), &format!("n{i}"));
            l["description"] = json!(description);
            l
        })
        .collect();
    // About 2.1 MB: over the 1 MiB of every other route, within the bulk create's 4 MiB.
    let body = json!({"items": items});
    assert!(body.to_string().len() > 2_000_000);
    let r = bulk(&app, &app.admin, body.clone()).await;
    let got = results(&r);
    assert_eq!(got.len(), 1000);
    for (i, item) in got.iter().enumerate() {
        assert_eq!(item["status"], 201, "item {i}");
        assert_eq!(
            item["log"]["summary"],
            json!(format!("n{i}")),
            "in request order"
        );
    }
    assert_eq!(app.count_rows().await, 1000);
    // The same body is too large for a single create.
    let single = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&app.admin),
            Some(body),
        )
        .await;
    assert_eq!(single.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Above 4 MiB, the bulk create refuses the whole body.
    let huge: Vec<Value> = (0..3)
        .map(|_| {
            let mut l = log("u", "big");
            l["description"] = json!("d".repeat(1_500_000));
            l
        })
        .collect();
    let r = bulk(&app, &app.admin, json!({"items": huge})).await;
    assert_eq!(
        (r.status, r.error()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            ocm_error(21, "The request body is too large")
        )
    );
    assert_eq!(app.count_rows().await, 1000);
}

/// The logs of one INSERT are bound column by column (one array per column, `store/insert.rs`): each row keeps its
/// own reference list, of any length, with the characters an array literal would have to escape, and its own
/// values in every other column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_a_bulk_keeps_its_own_values() {
    let app = spawn().await;
    let references = [
        json!([]),
        json!([
            "a,b",
            "q\"uote",
            "back\\slash",
            "{brace}",
            "NULL",
            "",
            "ünï ☃"
        ]),
        json!(["only"]),
    ];
    let items: Vec<Value> = references
        .iter()
        .enumerate()
        .map(|(i, refs)| {
            let severity = ["Info", "Warning", "Error"][i];
            json!({"cluster_uuid": format!("u-{i}"), "cluster_id": format!("c-{i}"), "account_id": format!("acc-{i}"),
                   "severity": severity, "service_name": format!("s{i}"),
                   "summary": format!("summary {i}"), "description": format!("d{i}"), "internal_only": i == 1,
                   "log_type": format!("t{i}"), "doc_references": refs, "subscription_id": format!("sub-{i}"),
                   "event_stream_id": format!("e{i}"), "timestamp": format!("2026-0{}-02T03:04:05.678901Z", i + 1)})
        })
        .collect();
    let r = bulk(&app, &app.admin, json!({"items": items})).await;
    let got = results(&r);
    assert_eq!(got.len(), 3);
    for (i, item) in got.iter().enumerate() {
        assert_eq!(item["status"], 201, "{item}");
        let id = item["log"]["id"].as_str().unwrap();
        let read = app
            .get(&format!("{BASE}/cluster_logs/{id}"), &app.admin)
            .await
            .json();
        assert_eq!(read, item["log"], "item {i} as read back");
        for key in [
            "cluster_uuid",
            "cluster_id",
            "account_id",
            "severity",
            "service_name",
            "summary",
            "description",
            "internal_only",
            "log_type",
            "subscription_id",
            "event_stream_id",
            "timestamp",
        ] {
            assert_eq!(read[key], items[i][key], "item {i}, {key}");
        }
        let refs = read.get("doc_references").cloned().unwrap_or(json!([]));
        assert_eq!(refs, references[i], "item {i}");
    }
}
