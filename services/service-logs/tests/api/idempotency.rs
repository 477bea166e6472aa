//! `Idempotency-Key` on create.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_key_same_body_replays_and_other_body_is_422() {
    let app = spawn().await;
    let path = format!("{BASE}/cluster_logs");
    let body = log("u", "once");
    let first = app
        .raw(
            app.req(Method::POST, &path)
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "evt-1")
                .json(&body),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = app
        .raw(
            app.req(Method::POST, &path)
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "evt-1")
                .json(&body),
        )
        .await;
    assert_eq!(
        (again.status, again.json()),
        (StatusCode::CREATED, first.json())
    );
    let other = app
        .raw(
            app.req(Method::POST, &path)
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "evt-1")
                .json(&log("u", "twice")),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.error(),
        ocm_error(
            8,
            "This Idempotency-Key was already used with a different request body"
        )
    );
    // Keys are per caller: another caller's same key is a new log.
    let other_caller = tokens::token("someone-else", None, &[CREATE]);
    let r = app
        .raw(
            app.req(Method::POST, &path)
                .bearer_auth(&other_caller)
                .header("Idempotency-Key", "evt-1")
                .json(&body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_ne!(r.json()["id"], first.json()["id"]);
    let bad = app
        .raw(
            app.req(Method::POST, &path)
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "")
                .json(&body),
        )
        .await;
    assert_eq!(
        bad.error(),
        ocm_error(21, "Header 'Idempotency-Key' must hold 1 to 255 characters")
    );
    assert_eq!(app.count_rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_create_one_log() {
    let app = spawn().await;
    let path = format!("{BASE}/cluster_logs");
    let body =
        json!({"cluster_uuid": "u", "severity": "Info", "service_name": "s", "summary": "race"});
    let mut statuses = Vec::new();
    for round in 0..5 {
        let key = format!("race-{round}");
        let send = || {
            app.raw(
                app.req(Method::POST, &path)
                    .bearer_auth(&app.admin)
                    .header("Idempotency-Key", &key)
                    .json(&body),
            )
        };
        let (a, b) = tokio::join!(send(), send());
        let mut pair = [a.status.as_u16(), b.status.as_u16()];
        pair.sort_unstable();
        // Either the second arrived while the first was in flight (409), or after it (a replay).
        assert!(pair == [201, 201] || pair == [201, 409], "{pair:?}");
        if pair == [201, 409] {
            let loser = if a.status == StatusCode::CONFLICT {
                &a
            } else {
                &b
            };
            assert_eq!(
                loser.error(),
                ocm_error(
                    6,
                    "A request with this Idempotency-Key is being processed; retry later"
                )
            );
        }
        statuses.push(pair);
    }
    assert_eq!(app.count_rows().await, 5, "one log per key: {statuses:?}");
}

/// The look-up of keys seen before probes the primary key once per (caller, key) pair, on a table that was never
/// analysed and where one caller holds every key (logs-router's audit delivery): its cost is the batch's, not the
/// table's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lookup_of_keys_seen_probes_each_pair() {
    use diesel_async::RunQueryDsl;
    use service_logs::store::idempotency::SEEN_SQL;

    let app = spawn().await;
    let made = app.create(log("u", "keyed")).await;
    let log_id = made["id"].as_str().unwrap().to_owned();
    let mut conn = app.db.connect().await;
    diesel::sql_query(
        "INSERT INTO idempotency_keys (caller, key, request_hash, log_id) \
         SELECT 'logs-router', gen_random_uuid()::text, 'h', $1 FROM generate_series(1, 30000)",
    )
    .bind::<diesel::sql_types::Text, _>(&log_id)
    .execute(&mut conn)
    .await
    .unwrap();
    let keys: Vec<String> = (0..250).map(|i| format!("\"evt-{i}\"")).collect();
    let sql = SEEN_SQL
        .replace("$1", "array_fill('logs-router'::text, ARRAY[250])")
        .replace("$2", &format!("'{{{}}}'", keys.join(",")));
    let plan = testkit::db::explain(&mut conn, &sql).await;
    assert!(
        plan.contains("Index Cond: ((caller = c.caller) AND (key = c.key))")
            && plan.contains("idempotency_keys_pkey")
            && !plan.contains("Seq Scan on idempotency_keys"),
        "one probe of the primary key per pair:\n{plan}"
    );
}
