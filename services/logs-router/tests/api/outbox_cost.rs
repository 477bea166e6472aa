//! The audit outbox's own queries stay cheap whatever the backlog: the claim reads the pending index in its own
//! order (no sort of every pending row), and the statistics read indexes only.

use crate::common::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use logs_router::store::outbox::{self, CLAIM_SQL, STATS_EXACT_UP_TO, STATS_SQL};

#[derive(diesel::QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn plan(conn: &mut diesel_async::AsyncPgConnection, sql: &str, bind: i64) -> String {
    let lines: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN {sql}"))
        .bind::<BigInt, _>(bind)
        .load(conn)
        .await
        .unwrap();
    lines
        .into_iter()
        .map(|l| l.line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `n` rows of the outbox in one of three states, as the delivery worker leaves them.
async fn rows(conn: &mut diesel_async::AsyncPgConnection, n: i64, state: &str) {
    let (delivered, parked) = match state {
        "delivered" => ("now()", "NULL"),
        "parked" => ("NULL", "now()"),
        _ => ("NULL", "NULL"),
    };
    diesel::sql_query(format!(
        "INSERT INTO audit_outbox (event_id, account_id, event, delivered_at, parked_at) \
         SELECT gen_random_uuid(), 'acc', '{{}}'::jsonb, {delivered}, {parked} FROM generate_series(1, $1)"
    ))
    .bind::<BigInt, _>(n)
    .execute(conn)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_and_the_statistics_read_indexes_not_the_backlog() {
    let app = spawn().await;
    let mut conn = app.db.connect().await;
    rows(&mut conn, 20_000, "delivered").await;
    rows(&mut conn, 3, "parked").await;
    let pending = STATS_EXACT_UP_TO + 2_000;
    rows(&mut conn, pending, "pending").await;
    diesel::sql_query("ANALYZE audit_outbox")
        .execute(&mut conn)
        .await
        .unwrap();

    let claim = plan(&mut conn, CLAIM_SQL, 50).await;
    assert!(
        claim.contains("audit_outbox_pending_seq"),
        "the claim reads the pending index:\n{claim}"
    );
    assert!(
        !claim.contains("Sort"),
        "no sort of the pending rows:\n{claim}"
    );

    let stats = plan(&mut conn, STATS_SQL, STATS_EXACT_UP_TO + 1).await;
    assert!(
        !stats.contains("Seq Scan on audit_outbox"),
        "statistics from indexes only:\n{stats}"
    );

    let s = outbox::stats(&mut conn).await.unwrap();
    assert_eq!(s.parked, 3);
    assert_eq!(
        s.pending, pending,
        "beyond the exact count, the seq span of the pending rows"
    );
    assert!(s.oldest_age_seconds >= 0.0 && s.oldest_age_seconds < 60.0);

    // an exact count below the bound, and nothing pending is 0 with no age
    diesel::sql_query("UPDATE audit_outbox SET delivered_at = now() WHERE seq % 10 <> 0 AND delivered_at IS NULL AND parked_at IS NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    let s = outbox::stats(&mut conn).await.unwrap();
    assert_eq!(s.pending, 1_200);
    diesel::sql_query("UPDATE audit_outbox SET delivered_at = now() WHERE parked_at IS NULL")
        .execute(&mut conn)
        .await
        .unwrap();
    let s = outbox::stats(&mut conn).await.unwrap();
    assert_eq!((s.pending, s.parked, s.oldest_age_seconds), (0, 3, 0.0));
}
