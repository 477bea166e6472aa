//! Which statements a connection keeps as prepared statements: a list without a search (a bounded set of SQL
//! forms) is prepared once and reused; a list with a search (SQL of the search's own shape) and a list ordered by
//! several keys are prepared for each execution and never kept, so no client can grow a pooled connection's
//! statement cache (and PostgreSQL's memory for it) one search at a time.

use crate::common::*;
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use service_logs::listing::{ClusterScope, ListQuery, Visibility};
use service_logs::store::logs::{Conditions, page_rows};
use std::collections::HashMap;

#[derive(QueryableByName)]
struct Kept {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The prepared statements this session keeps.
async fn kept(conn: &mut AsyncPgConnection) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM pg_prepared_statements")
        .get_result::<Kept>(conn)
        .await
        .unwrap()
        .n
}

async fn list(
    conn: &mut AsyncPgConnection,
    visibility: &Visibility,
    clusters: &ClusterScope,
    params: &[(&str, &str)],
) -> i64 {
    let params: HashMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let query = ListQuery::from_params(&params).unwrap();
    let cond = Conditions {
        visibility,
        clusters,
        query: &query,
    };
    let (_, total) = page_rows(conn, &cond).await.unwrap();
    total
}

#[tokio::test]
async fn lists_without_a_search_are_kept_prepared_and_searches_never_are() {
    let app = spawn().await;
    for (uuid, severity) in [("u1", "Info"), ("u1", "Error"), ("u2", "Warning")] {
        let body = json!({"cluster_uuid": uuid, "account_id": "acc-a", "severity": severity,
                          "service_name": "s", "summary": "x"});
        app.create(body).await;
    }
    let mut conn = app.db.connect().await;
    let all = Visibility::All;
    let reader = Visibility::Account("acc-a".into());
    let u1 = ClusterScope::from_params(None, Some("u1")).unwrap();
    let before = kept(&mut conn).await;

    // The console's cluster page and a reader's list, 20 times each: their statements are prepared once.
    for _ in 0..20 {
        assert_eq!(
            list(&mut conn, &all, &u1, &[("orderBy", "timestamp desc")]).await,
            2
        );
        assert_eq!(list(&mut conn, &reader, &ClusterScope::Any, &[]).await, 3);
    }
    let lists = kept(&mut conn).await - before;
    assert!(
        (2..=6).contains(&lists),
        "the two lists' totals and pages kept, once each: {lists}"
    );

    // Forty searches of forty shapes, and orders of several keys: none is kept.
    for i in 0..40 {
        let search = format!(
            "severity = 'Error'{}",
            " or summary like 'x%'".repeat(i % 20)
                + if i >= 20 {
                    " and internal_only = 'false'"
                } else {
                    ""
                }
        );
        let total = list(&mut conn, &all, &u1, &[("search", &search)]).await;
        assert_eq!(total, if i % 20 == 0 { 1 } else { 2 }, "{search}");
    }
    for order in ["severity, timestamp desc", "summary desc, severity, id"] {
        assert_eq!(list(&mut conn, &all, &u1, &[("orderBy", order)]).await, 2);
    }
    assert_eq!(
        kept(&mut conn).await - before,
        lists,
        "searches and orders of several keys keep no statement"
    );
}
