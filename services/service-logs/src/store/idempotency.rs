//! Idempotency keys of creates (the `Idempotency-Key` header, a bulk item's `idempotency_key`): the first request
//! with a key makes the log; a repeat with the same body gets the same log back; the same key with another body is
//! refused; two at once: one wins, the other is told so. [`crate::store::logs::create`] applies these rules to a
//! batch inside its transaction with the helpers below.

use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use platform::db::Cached;
use std::collections::BTreeSet;

use crate::schema::idempotency_keys;
use crate::store::StoreResult;
use crate::store::rows::LogRow;

/// Keys are kept this long (the contract promises at least 24 hours).
pub const RETENTION_HOURS: i32 = 48;

/// A create under an idempotency key: whose key, the key, and the fingerprint of the body it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyClaim {
    pub caller: String,
    pub key: String,
    pub request_hash: String,
}

impl KeyClaim {
    fn lock_name(&self) -> String {
        format!("{}\n{}", self.caller, self.key)
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Takes the transaction-scoped advisory lock of each claim, without waiting; whether each was taken (a `false`:
/// another transaction is serving that key right now). Held until commit. One statement for all.
pub(crate) async fn try_lock(
    conn: &mut AsyncPgConnection,
    claims: &[&KeyClaim],
) -> QueryResult<Vec<bool>> {
    let names: Vec<String> = claims.iter().map(|c| c.lock_name()).collect();
    let locked: Vec<Locked> = Cached::kept(
        diesel::sql_query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(t.name, 0)) AS locked \
             FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY t.n",
        )
        .bind::<Array<Text>, _>(names),
    )
    .load(conn)
    .await?;
    Ok(locked.into_iter().map(|l| l.locked).collect())
}

/// [`seen`]'s statement: `$1` callers and `$2` keys, pair by pair. The `LIMIT 1` (a pair is the primary key: at most
/// one row anyway) keeps the lateral part a probe per pair: as a plain join, PostgreSQL hashed the whole table
/// instead once it thought the table small enough (30,000 keys, never analysed).
pub const SEEN_SQL: &str = "SELECT k.caller, k.key, k.request_hash, l.* \
     FROM unnest($1::text[], $2::text[]) AS c(caller, key) \
     CROSS JOIN LATERAL (SELECT * FROM idempotency_keys i \
                         WHERE i.caller = c.caller AND i.key = c.key LIMIT 1) k \
     JOIN cluster_logs l ON l.id = k.log_id";

#[derive(QueryableByName)]
struct SeenRow {
    #[diesel(sql_type = Text)]
    caller: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(embed)]
    log: LogRow,
}

/// The keys of `claims` seen before: `(caller, key, request_hash, the log it made)`.
///
/// One primary-key probe per claimed `(caller, key)` pair: the pairs are joined to the table, not two `= ANY`
/// filters. With the filters, PostgreSQL's plan for a caller that holds most keys (logs-router's audit delivery)
/// read every key of that caller and filtered them by key: its cost grew with the table (make bench: 47 ms per
/// batch at 40,000 keys, 165 ms at 75,000), where the probes cost the batch's size. Planned on every call, not kept
/// prepared: a plan kept from when the table was small (a hash join over all of it) would stay in use while it grows
/// whenever the table is not analysed again (autovacuum off, or behind).
pub(crate) async fn seen(
    conn: &mut AsyncPgConnection,
    claims: &[&KeyClaim],
) -> QueryResult<Vec<(String, String, String, LogRow)>> {
    let pairs: BTreeSet<(&str, &str)> = claims
        .iter()
        .map(|c| (c.caller.as_str(), c.key.as_str()))
        .collect();
    let (callers, keys): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
    let rows: Vec<SeenRow> = diesel::sql_query(SEEN_SQL)
        .bind::<Array<Text>, _>(callers)
        .bind::<Array<Text>, _>(keys)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.caller, r.key, r.request_hash, r.log))
        .collect())
}

/// Records the keys of logs just made: `(claim, log id)`.
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    made: &[(&KeyClaim, &str)],
) -> QueryResult<()> {
    if made.is_empty() {
        return Ok(());
    }
    // One array per column: one SQL text (kept prepared) whatever the number of keys.
    let (mut callers, mut keys, mut hashes, mut logs) = (vec![], vec![], vec![], vec![]);
    for (c, id) in made {
        callers.push(c.caller.as_str());
        keys.push(c.key.as_str());
        hashes.push(c.request_hash.as_str());
        logs.push(*id);
    }
    Cached::kept(
        diesel::sql_query(
            "INSERT INTO idempotency_keys (caller, key, request_hash, log_id) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
        )
        .bind::<Array<Text>, _>(callers)
        .bind::<Array<Text>, _>(keys)
        .bind::<Array<Text>, _>(hashes)
        .bind::<Array<Text>, _>(logs),
    )
    .execute(conn)
    .await?;
    Ok(())
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
