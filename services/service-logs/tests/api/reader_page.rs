//! A reader's list of every cluster (`GET /cluster_logs` with `service-logs.log.read`) merges the reader's own logs
//! with each owned cluster's (`store::reader_lists`: the `reader_page` function for the default order without a
//! search, a merge built by the store otherwise). Its pages must be exactly those of the visibility rule stated as one
//! condition (its own account's logs, its owned clusters' by uuid, by cluster id for logs without a uuid; none
//! internal_only), for several orders and searches, every page at several sizes, with up to 64 owned clusters (one
//! part each) and with more (the function's LATERAL parts, the store's one part for them all).

use crate::common::*;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const READER: &str = "acc-r";

/// A log; `n` varies its severity and its timestamp, so that other orders differ from the newest-first one.
fn body(n: usize, uuid: &str, cluster_id: &str, account: &str, internal: bool) -> Value {
    let severity = ["Info", "Warning", "Error"][n % 3];
    json!({"cluster_uuid": uuid, "cluster_id": cluster_id, "account_id": account, "internal_only": internal,
           "severity": severity, "service_name": "s",
           "timestamp": format!("2026-01-01T00:{:02}:{:02}Z", n % 60, (n * 7) % 60),
           "summary": format!("{uuid}/{cluster_id}/{account}/{internal}")})
}

/// The lists compared: (query string, the same order and search as SQL). The first two are the `reader_page`
/// function's; the others the merge built by the store.
const LISTS: &[(&str, &str, &str)] = &[
    ("", "created_at DESC, id DESC", "true"),
    (
        "&orderBy=created_at%20desc",
        "created_at DESC, id DESC",
        "true",
    ),
    (
        "&orderBy=timestamp%20desc",
        "timestamp DESC, id DESC",
        "true",
    ),
    (
        "&orderBy=severity%20asc,created_at%20asc",
        "severity ASC, created_at ASC, id DESC",
        "true",
    ),
    (
        "&search=severity%20%3D%20%27Error%27",
        "created_at DESC, id DESC",
        "severity = 'Error'",
    ),
    (
        "&search=severity%20%3D%20%27Error%27%20or%20cluster_uuid%20%3D%20%27u1%27&orderBy=timestamp%20asc",
        "timestamp ASC, id DESC",
        "(severity = 'Error' OR cluster_uuid = 'u1')",
    ),
];

/// The logs the reader may see that match `search`, in `order`, by the rule as one condition.
async fn expected(app: &TestApp, order: &str, search: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut conn = app.db.connect().await;
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM cluster_logs l WHERE NOT internal_only AND (account_id = $1
           OR cluster_uuid IN (SELECT cluster_uuid FROM cluster_owners WHERE account_id = $1)
           OR (cluster_uuid = '' AND cluster_id IN
               (SELECT cluster_id FROM cluster_owners WHERE account_id = $1 AND cluster_id <> '')))
         AND {search} ORDER BY {order}"
    ))
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
                let n = round * 64 + i;
                match (round + i) % 8 {
                    0 => body(n, &uuid, &cid, READER, false),
                    1 => body(n, &format!("x{i}"), "", READER, false),
                    2 => body(n, &uuid, "", "", false),
                    3 => body(n, "", &cid, "", false),
                    4 => body(n, &uuid, &cid, "", true),
                    5 => body(n, &uuid, &cid, "acc-other", false),
                    6 => body(n, &format!("y{i}"), &format!("d{i}"), "acc-other", false),
                    _ => body(n, &format!("x{i}"), "", READER, true),
                }
            })
            .collect();
        app.bulk_create(items).await;
    }
    let visible = expected(&app, "id", "true").await.len();
    assert_eq!(visible, 4 * 64 * 5 / 8, "the visible logs");
    let reader = tokens::token("reader", Some(READER), &[READ]);
    for (list, order, search) in LISTS {
        let want = expected(&app, order, search).await;
        assert!(!want.is_empty(), "{list}");
        for size in [3usize, 7, 50, 100] {
            for page in 1..=want.len().div_ceil(size) + 1 {
                let got = app
                    .get(
                        &format!("{BASE}/cluster_logs?page={page}&size={size}{list}"),
                        &reader,
                    )
                    .await;
                assert_eq!(got.status, StatusCode::OK, "{list}: {}", got.text);
                let got = got.json();
                let ids: Vec<&str> = got["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap())
                    .collect();
                let from = ((page - 1) * size).min(want.len());
                let to = (page * size).min(want.len());
                assert_eq!(ids, want[from..to], "size {size}, page {page}{list}");
                assert_eq!(
                    got["total"],
                    json!(want.len()),
                    "size {size}, page {page}{list}"
                );
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
