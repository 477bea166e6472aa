//! A reader's list of every cluster (`GET /cluster_logs` with `service-logs.log.read`, default order, no search) is
//! served by the `reader_page` function, which merges the reader's own logs with each owned cluster's. Its pages must
//! be exactly those of the visibility rule stated as one condition (its own account's logs, its owned clusters' by
//! uuid, by cluster id for logs without a uuid; none internal_only; newest first): every page at several sizes, with
//! up to 64 owned clusters (merged parts) and with more (one LATERAL part per cluster).

use crate::common::*;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const READER: &str = "acc-r";

fn body(uuid: &str, cluster_id: &str, account: &str, internal: bool) -> Value {
    json!({"cluster_uuid": uuid, "cluster_id": cluster_id, "account_id": account, "internal_only": internal,
           "severity": "Info", "service_name": "s", "summary": format!("{uuid}/{cluster_id}/{account}/{internal}")})
}

/// The logs the reader may see, newest first, by the rule as one condition.
async fn expected(app: &TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut conn = app.db.connect().await;
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM cluster_logs l WHERE NOT internal_only AND (account_id = $1
           OR cluster_uuid IN (SELECT cluster_uuid FROM cluster_owners WHERE account_id = $1)
           OR (cluster_uuid = '' AND cluster_id IN
               (SELECT cluster_id FROM cluster_owners WHERE account_id = $1 AND cluster_id <> '')))
         ORDER BY created_at DESC, id DESC",
    )
    .bind::<diesel::sql_types::Text, _>(READER)
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.id).collect()
}

async fn pages_match_the_rule(owned: usize) {
    let app = spawn().await;
    let manager = tokens::token("provisioner", None, &["service-logs.cluster.manage"]);
    for c in 0..owned {
        let r = app
            .call(
                Method::PUT,
                &format!("{BASE}/clusters/u{c}/owner"),
                Some(&manager),
                Some(json!({"account_id": READER, "cluster_id": format!("c{c}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Four batches (four created_at times), each with every kind of log, visible or not.
    for round in 0..4 {
        let items: Vec<Value> = (0..64)
            .map(|i| {
                let c = (round * 64 + i) % owned;
                let (uuid, cid) = (format!("u{c}"), format!("c{c}"));
                match (round + i) % 8 {
                    0 => body(&uuid, &cid, READER, false),
                    1 => body(&format!("x{i}"), "", READER, false),
                    2 => body(&uuid, "", "", false),
                    3 => body("", &cid, "", false),
                    4 => body(&uuid, &cid, "", true),
                    5 => body(&uuid, &cid, "acc-other", false),
                    6 => body(&format!("y{i}"), &format!("d{i}"), "acc-other", false),
                    _ => body(&format!("x{i}"), "", READER, true),
                }
            })
            .collect();
        let r = app
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs/bulk"),
                Some(&app.admin),
                Some(json!({"items": items})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let want = expected(&app).await;
    assert_eq!(want.len(), 4 * 64 * 5 / 8, "the visible logs");
    let reader = tokens::token("reader", Some(READER), &[READ]);
    for size in [1usize, 7, 50, 100] {
        for page in 1..=want.len().div_ceil(size) + 1 {
            for order in ["", "&orderBy=created_at%20desc"] {
                let got = app
                    .get(
                        &format!("{BASE}/cluster_logs?page={page}&size={size}{order}"),
                        &reader,
                    )
                    .await;
                assert_eq!(got.status, StatusCode::OK, "{}", got.text);
                let got = got.json();
                let ids: Vec<&str> = got["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap())
                    .collect();
                let from = ((page - 1) * size).min(want.len());
                let to = (page * size).min(want.len());
                assert_eq!(ids, want[from..to], "size {size}, page {page}{order}");
                assert_eq!(got["total"], json!(want.len()), "size {size}, page {page}");
            }
        }
    }
    // A page past every log, as far as the page number goes: empty, not an overflow.
    let far = app
        .get(
            &format!("{BASE}/cluster_logs?page={}&size=100", i64::MAX),
            &reader,
        )
        .await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.text);
    assert_eq!(far.json()["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readers_pages_are_the_rules_with_few_owned_clusters() {
    pages_match_the_rule(5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_readers_pages_are_the_rules_with_more_than_64_owned_clusters() {
    pages_match_the_rule(70).await;
}
