//! `LOG_RETENTION_DAYS`: logs stored longer ago than the retention are deleted in batches, their idempotency keys
//! with them; younger logs, and logs whose client `timestamp` is old but which were stored recently, stay.

use crate::common::*;
use diesel::sql_types::{Array, Text};
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};

async fn backdate(app: &TestApp, ids: &[&str], days: i32) {
    let mut conn = app.db.connect().await;
    diesel::sql_query(format!(
        "UPDATE cluster_logs SET created_at = now() - interval '{days} days' WHERE id = ANY($1)"
    ))
    .bind::<Array<Text>, _>(ids)
    .execute(&mut conn)
    .await
    .unwrap();
}

async fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db.connect().await;
    let rows: Vec<N> = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .load(&mut conn)
        .await
        .unwrap();
    rows[0].n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stored_before_the_retention_go_in_batches_with_their_keys() {
    let app = spawn().await;
    let keyed = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&app.admin)
                .header("Idempotency-Key", "old-1")
                .json(&log("u", "old keyed")),
        )
        .await;
    assert_eq!(keyed.status, StatusCode::CREATED);
    let keyed = keyed.json()["id"].as_str().unwrap().to_owned();
    let mut old = vec![keyed.clone()];
    for i in 0..4 {
        old.push(
            app.create(log("u", &format!("old {i}"))).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let edge = app.create(log("u", "29 days")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut ancient_stamp = log("u", "stored today, about year 1");
    ancient_stamp["timestamp"] = "0001-01-01T00:00:00Z".into();
    let young = app.create(ancient_stamp).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    backdate(
        &app,
        &old.iter().map(String::as_str).collect::<Vec<_>>(),
        31,
    )
    .await;
    backdate(&app, &[&edge], 29).await;
    assert_eq!(count(&app, "idempotency_keys").await, 1);

    let pool = platform::db::build_pool(&app.db.url, 2, "retention-test").unwrap();
    assert_eq!(
        service_logs::purge_past_retention(&pool, 30).await.unwrap(),
        5
    );
    assert_eq!(count(&app, "cluster_logs").await, 2);
    assert_eq!(count(&app, "idempotency_keys").await, 0);
    for id in &old {
        let r = app
            .get(&format!("{BASE}/cluster_logs/{id}"), &app.admin)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}");
    }
    for id in [&edge, &young] {
        let r = app
            .get(&format!("{BASE}/cluster_logs/{id}"), &app.admin)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{id}");
    }
    // Nothing left to do: a second pass deletes nothing.
    assert_eq!(
        service_logs::purge_past_retention(&pool, 30).await.unwrap(),
        0
    );

    // A batch takes at most its limit, oldest first.
    let mut conn = app.db.connect().await;
    assert_eq!(
        service_logs::store::retention::purge_batch(&mut conn, 28, 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        service_logs::store::retention::purge_batch(&mut conn, 28, 1)
            .await
            .unwrap(),
        0
    );
    let r = app
        .get(&format!("{BASE}/cluster_logs/{edge}"), &app.admin)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[test]
fn log_retention_days_is_a_positive_number_of_days() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        settings: service_logs::Settings,
    }
    let parse = |value: &str| {
        Cli::try_parse_from([
            "service-logs",
            "--database-url",
            "postgres://x",
            "--log-retention-days",
            value,
        ])
        .map(|c| c.settings.log_retention_days)
        .map_err(|e| e.kind())
    };
    assert_eq!(parse("30"), Ok(Some(30)));
    assert_eq!(parse("0"), Err(clap::error::ErrorKind::ValueValidation));
    assert_eq!(parse("-1"), Err(clap::error::ErrorKind::UnknownArgument));
    assert_eq!(
        parse("forever"),
        Err(clap::error::ErrorKind::ValueValidation)
    );
}
