//! Retention (`LOG_RETENTION_DAYS`): logs stored more than that many days ago are deleted in batches, oldest first.
//!
//! Each batch walks `cluster_logs_created` (`created_at`, `id`) from its old end, so it costs the same whatever the
//! table's size; `SKIP LOCKED` lets replicas purge side by side without waiting on each other. Keys of
//! `idempotency_keys` go with their logs (`ON DELETE CASCADE`, through its `log_id` index). `created_at` (when the
//! service stored the log) decides, not the client's `timestamp`, which may be any instant from year 1 to 9999.

use diesel::sql_types::{BigInt, Integer};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::StoreResult;

/// Deletes at most `limit` of the oldest logs stored more than `days` days ago; returns how many went. Zero means
/// none is left (or the rest are being deleted by another replica right now).
pub async fn purge_batch(
    conn: &mut AsyncPgConnection,
    days: u16,
    limit: i64,
) -> StoreResult<usize> {
    Ok(diesel::sql_query(
        "DELETE FROM cluster_logs WHERE id IN (\
           SELECT id FROM cluster_logs \
           WHERE created_at < now() - make_interval(days => $1) \
           ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<Integer, _>(i32::from(days))
    .bind::<BigInt, _>(limit)
    .execute(conn)
    .await?)
}
