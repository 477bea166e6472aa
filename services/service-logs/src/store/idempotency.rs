//! `Idempotency-Key` on create: the first request with a key makes the log; a repeat with the same body gets
//! the same log back; the same key with another body is refused; two at once: one wins, the other is told so.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_logs::owner::ValidOwner;

use crate::schema::{cluster_logs, idempotency_keys};
use crate::store::logs;
use crate::store::notifications::Queueing;
use crate::store::rows::LogRow;
use crate::store::{StoreError, StoreResult};

/// Keys are kept this long (the contract promises at least 24 hours).
pub const RETENTION_HOURS: i32 = 48;

#[derive(Debug)]
pub enum Outcome {
    Created(LogRow),
    /// The same caller, key and body were seen before: the log then made.
    Replayed(LogRow),
    /// The key was used with another body.
    Mismatch,
    /// Another request with this key is being served right now.
    InProgress,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Creates `row` under `(caller, key)` unless the key was seen before.
pub async fn create(
    conn: &mut AsyncPgConnection,
    caller: &str,
    key: &str,
    request_hash: &str,
    row: &LogRow,
    learned: Option<&ValidOwner>,
    queueing: &Queueing,
) -> StoreResult<Outcome> {
    let lock_name = format!("{caller}\n{key}");
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        {
            // Held until commit: a second request with the same key meanwhile sees `false` and gets a 409.
            let locked: Locked = diesel::sql_query(
                "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked",
            )
            .bind::<Text, _>(&lock_name)
            .get_result(conn)
            .await?;
            if !locked.locked {
                return Ok(Outcome::InProgress);
            }
            let seen: Option<(String, LogRow)> = idempotency_keys::table
                .inner_join(cluster_logs::table)
                .filter(idempotency_keys::caller.eq(caller))
                .filter(idempotency_keys::key.eq(key))
                .select((idempotency_keys::request_hash, LogRow::as_select()))
                .first(conn)
                .await
                .optional()?;
            if let Some((hash, log)) = seen {
                return Ok(if hash == request_hash {
                    Outcome::Replayed(log)
                } else {
                    Outcome::Mismatch
                });
            }
            let log = logs::insert_row(conn, row, learned, queueing).await?;
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::caller.eq(caller),
                    idempotency_keys::key.eq(key),
                    idempotency_keys::request_hash.eq(request_hash),
                    idempotency_keys::log_id.eq(&log.id),
                ))
                .execute(conn)
                .await?;
            Ok(Outcome::Created(log))
        }
    })
    .await
    .map_err(StoreError::from)
}

/// The log made under `(caller, key)`, if any.
pub async fn log_of(
    conn: &mut AsyncPgConnection,
    caller: &str,
    key: &str,
) -> StoreResult<Option<String>> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::caller.eq(caller))
        .filter(idempotency_keys::key.eq(key))
        .select(idempotency_keys::log_id)
        .first(conn)
        .await
        .optional()?)
}

/// Forgets keys older than the retention; how many went.
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> StoreResult<usize> {
    Ok(diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(RETENTION_HOURS)
    .execute(conn)
    .await?)
}
