//! The audit outbox's own queries stay cheap whatever the backlog: the claim reads the pending index in its own
//! order (no sort of every pending row), and the statistics read indexes only, analysed or not.

use crate::common::*;
use diesel::QueryDsl;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;
use logs_router::schema::audit_outbox;
use logs_router::store::outbox::{self, STATS_EXACT_UP_TO, STATS_SQL};

/// The plan of `sql` with its `$1`, `$2`... replaced by `literals`.
async fn plan_with(
    conn: &mut diesel_async::AsyncPgConnection,
    sql: &str,
    literals: &[&str],
) -> String {
    let mut text = sql.to_owned();
    for (i, l) in literals.iter().enumerate().rev() {
        text = text.replace(&format!("${}", i + 1), l);
    }
    testkit::db::explain(conn, &text).await
}

/// The statistics' plan reads no table, only indexes.
async fn statistics_read_indexes(conn: &mut diesel_async::AsyncPgConnection, when: &str) {
    let stats = plan_with(conn, STATS_SQL, &[&(STATS_EXACT_UP_TO + 1).to_string()]).await;
    assert!(
        !stats.contains("Seq Scan on audit_outbox"),
        "statistics from indexes only ({when}):\n{stats}"
    );
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
         SELECT gen_random_uuid(), 'acc-' || (i % 64), '{{}}'::jsonb, {delivered}, {parked} FROM generate_series(1, $1) AS i"
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
    // never analysed (autovacuum off, or not run yet): the plan must not rest on statistics
    statistics_read_indexes(&mut conn, "before any ANALYZE").await;
    diesel::sql_query("ANALYZE audit_outbox")
        .execute(&mut conn)
        .await
        .unwrap();

    // the accounts spread the rows over every lane: the claim of one lane has its share of the backlog before it
    let lane: i16 = audit_outbox::table
        .select(audit_outbox::lane)
        .first(&mut conn)
        .await
        .unwrap();
    let claim = plan_with(&mut conn, &outbox::lane_claim_sql(lane), &["250"]).await;
    assert!(
        claim.contains(&format!("audit_outbox_pending_lane_{lane} ")),
        "the claim reads the pending-lane index:\n{claim}"
    );
    let below_limit = claim.split_once("Limit").map_or("", |(_, rest)| rest);
    assert!(
        !below_limit.contains("Sort"),
        "no sort of the pending rows (only of the claimed batch, above its LIMIT):\n{claim}"
    );
    let claimed = outbox::claim_lane(&mut conn, lane, 250).await.unwrap();
    assert_eq!(claimed.len(), 250, "a batch of the lane's oldest rows");
    assert!(
        claimed.windows(2).all(|w| w[0].seq < w[1].seq),
        "oldest first"
    );
    // a row waiting for its retry holds back the rows behind it in its lane
    outbox::mark_failed(&mut conn, &[claimed[1].seq], "503: down", false, 60_000)
        .await
        .unwrap();
    let held = outbox::claim_lane(&mut conn, lane, 250).await.unwrap();
    assert_eq!(
        held.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![claimed[0].seq],
        "the claim stops before the first row not yet due"
    );
    let due = plan_with(&mut conn, &outbox::due_lanes_sql(), &[]).await;
    assert!(
        (0..outbox::LANES).all(|l| due.contains(&format!("audit_outbox_pending_lane_{l} ")))
            && !due.contains("Seq Scan on audit_outbox"),
        "the due lanes are probes of the pending-lane index:\n{due}"
    );
    assert_eq!(
        outbox::due_lanes(&mut conn).await.unwrap(),
        (0..outbox::LANES).collect::<Vec<_>>(),
        "64 accounts fill every lane"
    );

    statistics_read_indexes(&mut conn, "analysed").await;

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
