//! Totals come from the maintained `log_counts` when a list has no search: after every kind of write (single and
//! bulk creates, deletes by id and by warehouse, retention, ownership moves) each list's `total` equals the number
//! of items the same list returns in one page, for readers of two accounts and an internal reader; and the counts
//! table equals counting the logs.

use crate::common::*;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn reader(account: &str) -> String {
    tokens::token(&format!("user-of-{account}"), Some(account), &[READ])
}

fn body(uuid: &str, id: &str, account: &str, internal: bool) -> Value {
    json!({"cluster_uuid": uuid, "cluster_id": id, "account_id": account, "internal_only": internal,
           "severity": "Info", "service_name": "s", "summary": format!("{uuid}/{id}/{account}/{internal}")})
}

/// Every list route's `total`, against the items of the same list read in one page (and against `size=0`).
async fn assert_totals(app: &TestApp, step: &str) {
    let callers = [reader("acc-a"), reader("acc-b"), app.admin.clone()];
    let lists = [
        format!("{BASE}/cluster_logs"),
        format!("{BASE}/clusters/cluster_logs?cluster_uuid=u1"),
        format!("{BASE}/clusters/cluster_logs?cluster_uuid=u2,u3"),
        format!("{BASE}/clusters/cluster_logs?cluster_id=c9"),
        format!("{BASE}/clusters/cluster_logs?cluster_uuid=u1&cluster_id=c9"),
        format!("{BASE}/clusters/u3/cluster_logs"),
    ];
    for (who, token) in callers.iter().enumerate() {
        for list in &lists {
            let sep = if list.contains('?') { '&' } else { '?' };
            let page = app.get(&format!("{list}{sep}size=1000"), token).await;
            assert_eq!(page.status, StatusCode::OK, "{step}: {list}: {}", page.text);
            let page = page.json();
            let items = page["items"].as_array().unwrap().len() as i64;
            assert_eq!(page["total"], json!(items), "{step}: caller {who}, {list}");
            let empty = app.get(&format!("{list}{sep}size=0"), token).await.json();
            assert_eq!(
                empty["total"],
                json!(items),
                "{step}: caller {who}, {list}, size=0"
            );
        }
    }
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Diff {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.connect().await;
    let mismatched: Vec<Diff> = diesel::sql_query(
        "WITH logs AS (SELECT account_id, cluster_uuid, cluster_id, internal_only, count(*) AS n
                       FROM cluster_logs GROUP BY 1, 2, 3, 4),
              kept AS (SELECT account_id, cluster_uuid, cluster_id, internal_only, n FROM log_counts WHERE n > 0)
         SELECT count(*) AS n FROM logs FULL JOIN kept USING (account_id, cluster_uuid, cluster_id, internal_only)
         WHERE logs.n IS DISTINCT FROM kept.n",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        mismatched,
        vec![Diff { n: 0 }],
        "{step}: log_counts differs from the logs"
    );
}

async fn put_owner(app: &TestApp, uuid: &str, account: &str, cluster_id: &str) {
    let manager = tokens::token("provisioner", None, &["service-logs.cluster.manage"]);
    let r = app
        .call(
            Method::PUT,
            &format!("{BASE}/clusters/{uuid}/owner"),
            Some(&manager),
            Some(json!({"account_id": account, "cluster_id": cluster_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totals_stay_exact_through_every_kind_of_write() {
    let app = spawn().await;
    assert_totals(&app, "empty").await;
    let mut ids = Vec::new();
    for (uuid, id, account, internal) in [
        ("u1", "c1", "acc-a", false),
        ("u1", "c1", "acc-a", true),
        ("u1", "c1", "", false),
        ("u2", "c2", "acc-b", false),
        ("u2", "c2", "acc-a", false),
        ("u3", "c3", "", false),
        ("u3", "c3", "", true),
        ("", "c9", "", false),
        ("", "c9", "acc-b", false),
    ] {
        ids.push(app.create(body(uuid, id, account, internal)).await["id"].clone());
    }
    assert_totals(&app, "single creates").await;

    let items: Vec<Value> = (0..30)
        .map(|i| {
            body(
                ["u1", "u2", "u3"][i % 3],
                "",
                ["acc-a", "", "acc-b"][i % 3],
                i % 4 == 0,
            )
        })
        .chain((0..5).map(|_| body("", "c9", "", false)))
        .collect();
    app.bulk_create(items).await;
    assert_totals(&app, "bulk create").await;

    // Ownership: u3 (and, for logs without a uuid, cluster id c9) to acc-a, then u3 moves to acc-b.
    put_owner(&app, "u3", "acc-a", "c9").await;
    assert_totals(&app, "owner registered").await;
    put_owner(&app, "u3", "acc-b", "c3").await;
    assert_totals(&app, "owner moved").await;

    let r = app
        .call(
            Method::DELETE,
            &format!("{BASE}/cluster_logs/{}", ids[3].as_str().unwrap()),
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_totals(&app, "delete by id").await;

    let ops = tokens::token("ops", None, &[DELETE]);
    let r = app
        .call(
            Method::DELETE,
            &format!("{BASE}/warehouse?cluster_uuid=u1&cluster_id=c9"),
            Some(&ops),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_totals(&app, "warehouse delete").await;

    // A hand-written UPDATE moving logs between clusters and visibility keeps the counts too.
    let mut conn = app.db.connect().await;
    diesel::sql_query(
        "UPDATE cluster_logs SET cluster_uuid = 'u1', internal_only = NOT internal_only WHERE cluster_uuid = 'u2'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_totals(&app, "update").await;

    // Retention's batched deletes go through the same trigger.
    diesel::sql_query(
        "UPDATE cluster_logs SET created_at = now() - interval '10 days' WHERE cluster_uuid = 'u3'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let purged = service_logs::store::retention::purge_batch(&mut conn, 5, 3)
        .await
        .unwrap();
    assert_eq!(purged, 3);
    assert_totals(&app, "retention").await;

    diesel::sql_query("TRUNCATE cluster_logs CASCADE")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_totals(&app, "truncate").await;
}
