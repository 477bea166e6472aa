//! The audit outbox: events written with the change they record, read by the delivery worker.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::audit_outbox;
use crate::store::StoreError;
use crate::store::rows::{NewOutboxEvent, NewOutboxRow, OutboxRow};
use platform::db::Cached;

/// Writes an event: serialised here, once, to the `jsonb` column, made storable first (see [`storable`]), so the
/// insert never fails on what a request sent.
pub async fn insert(conn: &mut AsyncPgConnection, e: &NewOutboxEvent) -> QueryResult<()> {
    let mut event = serde_json::to_value(&e.event)
        .map_err(|err| diesel::result::Error::SerializationError(Box::new(err)))?;
    storable(&mut event);
    let row = NewOutboxRow {
        event_id: e.event_id,
        account_id: &storable_text(&e.account_id),
        event,
        traceparent: &storable_text(&e.traceparent),
    };
    diesel::insert_into(audit_outbox::table)
        .values(&row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// [`insert`] for a handler, outside a store transaction (a read's event, a 304's): the store's error, not
/// diesel's.
pub async fn record(conn: &mut AsyncPgConnection, e: &NewOutboxEvent) -> Result<(), StoreError> {
    Ok(insert(conn, e).await?)
}

/// `text` with every NUL written `\u0000` (six characters): PostgreSQL's `text` and `jsonb` refuse the character
/// itself, and an event echoes what the request sent (ids, names, reasons).
pub fn storable_text(text: &str) -> String {
    text.replace('\0', domain_routing::field::NUL_ESCAPED)
}

/// [`storable_text`] over every key and string of a JSON value.
pub fn storable(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => *s = storable_text(s),
        Value::Array(items) => items.iter_mut().for_each(storable),
        Value::Object(map) if map.keys().any(|k| k.contains('\0')) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                storable(&mut v);
                map.insert(storable_text(&k), v);
            }
        }
        Value::Object(map) => map.values_mut().for_each(storable),
        _ => {}
    }
}

/// Every row, oldest first (tests and operators).
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<OutboxRow>> {
    audit_outbox::table
        .select(OutboxRow::as_select())
        .order(audit_outbox::seq.asc())
        .load(conn)
        .await
}

/// How many delivery lanes the outbox has: `audit_outbox.lane` is `hashtext(account_id) & 15` (migration
/// `outbox_lanes`). A lane is delivered by one batch at a time, oldest first, so an account's events (and so a
/// tenant's) reach service-logs in the order they happened while other lanes' batches are in flight.
pub const LANES: i16 = 16;
/// First key of the advisory lock a worker holds on a lane while it delivers a batch of it; the second is the lane.
pub const LANE_LOCK_KEY: i32 = 0x10_9e_71;

/// Lanes whose oldest pending row is due: one probe of each lane's pending index (`audit_outbox_pending_lane_<l>`;
/// the lanes are literals so that the planner matches the indexes' predicates).
pub fn due_lanes_sql() -> String {
    (0..LANES)
        .map(|l| {
            format!(
                "SELECT {l}::int2 AS lane WHERE (SELECT next_attempt_at <= now() FROM audit_outbox \
                 WHERE lane = {l} AND delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1)"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[derive(diesel::QueryableByName)]
struct LaneRow {
    #[diesel(sql_type = diesel::sql_types::SmallInt)]
    lane: i16,
}

pub async fn due_lanes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<i16>> {
    let rows: Vec<LaneRow> = Cached::kept(diesel::sql_query(due_lanes_sql()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.lane).collect())
}

#[derive(diesel::QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// Takes the lane for this transaction, unless another worker (of this process or another replica) has it.
pub async fn lock_lane(conn: &mut AsyncPgConnection, lane: i16) -> QueryResult<bool> {
    let row: Locked = Cached::kept(
        diesel::sql_query("SELECT pg_try_advisory_xact_lock($1, $2) AS locked")
            .bind::<diesel::sql_types::Integer, _>(LANE_LOCK_KEY)
            .bind::<diesel::sql_types::Integer, _>(i32::from(lane)),
    )
    .get_result(conn)
    .await?;
    Ok(row.locked)
}

/// A lane's claim: its pending rows oldest first, up to `$1`, locked for this transaction, cut before the first one
/// not yet due (a row waiting for its retry holds back the rows after it, which keeps the lane's order). It reads
/// the lane's own index `audit_outbox_pending_lane_<lane>` in its order, so its cost does not grow with the backlog
/// (the sort is of the claimed rows only). One text per lane: 16 cached statements.
pub fn lane_claim_sql(lane: i16) -> String {
    format!(
        "SELECT * FROM ( \
           SELECT c.*, bool_or(c.next_attempt_at > now()) OVER (ORDER BY c.seq) AS held FROM ( \
             SELECT * FROM audit_outbox WHERE lane = {lane} AND delivered_at IS NULL AND parked_at IS NULL \
             ORDER BY seq LIMIT $1 FOR UPDATE) c) w \
         WHERE NOT held"
    )
}

/// [`lane_claim_sql`]: call it holding the lane ([`lock_lane`]). Rows oldest first.
pub async fn claim_lane(
    conn: &mut AsyncPgConnection,
    lane: i16,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut rows: Vec<OutboxRow> = Cached::kept(
        diesel::sql_query(lane_claim_sql(lane.clamp(0, LANES - 1)))
            .bind::<diesel::sql_types::BigInt, _>(limit),
    )
    .load(conn)
    .await?;
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// Marks rows delivered, each stamped with the moment of this statement (after service-logs answered).
pub async fn mark_delivered(conn: &mut AsyncPgConnection, seqs: &[i64]) -> QueryResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    Cached::kept(
        diesel::update(audit_outbox::table.filter(audit_outbox::seq.eq_any(seqs))).set((
            audit_outbox::delivered_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("clock_timestamp()")),
            audit_outbox::attempts.eq(audit_outbox::attempts + 1),
        )),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Records a failed attempt of rows: parked for good (`park`), or due again in `retry_in_ms`.
pub async fn mark_failed(
    conn: &mut AsyncPgConnection,
    seqs: &[i64],
    error: &str,
    park: bool,
    retry_in_ms: i64,
) -> QueryResult<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    let next = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(retry_in_ms);
    let parked = park.then(time::OffsetDateTime::now_utc);
    Cached::kept(
        diesel::update(audit_outbox::table.filter(audit_outbox::seq.eq_any(seqs))).set((
            audit_outbox::attempts.eq(audit_outbox::attempts + 1),
            audit_outbox::last_error.eq(error),
            audit_outbox::next_attempt_at.eq(next),
            audit_outbox::parked_at.eq(parked),
        )),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Pending rows, parked rows, and the age in seconds of the oldest pending one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Exact up to [`STATS_EXACT_UP_TO`]; beyond, an estimate from the span of `seq` still pending.
    pub pending: i64,
    /// Exact up to [`STATS_EXACT_UP_TO`]; beyond, that bound plus one (any parked row already needs an operator).
    pub parked: i64,
    pub oldest_age_seconds: f64,
}

/// Up to this many pending (and parked) rows are counted one by one (a bounded walk of the partial index).
pub const STATS_EXACT_UP_TO: i64 = 10_000;

#[derive(Debug, diesel::QueryableByName)]
struct RawStats {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    counted: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    oldest_seq: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    last_seq: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    parked: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    oldest_age_seconds: f64,
}

/// The statistics, read from indexes only: a bounded walk of the pending index, its first entry, the last `seq`
/// (the primary key) and a bounded walk of the parked index. Their cost does not grow with the backlog, nor with the
/// delivered rows. Each walk is in `seq` order with a limit so that PostgreSQL reads the partial index whatever its
/// statistics say: on a table never analysed (autovacuum off, or not yet run) a plain `count(*) WHERE parked_at IS
/// NOT NULL` was a sequential scan of every row, delivered ones included (make bench: 93 ms a second at 75,000 rows).
pub const STATS_SQL: &str = "WITH oldest AS (SELECT seq, created_at FROM audit_outbox \
         WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1) \
     SELECT (SELECT count(*) FROM (SELECT seq FROM audit_outbox \
                 WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT $1) p) AS counted, \
            (SELECT seq FROM oldest) AS oldest_seq, \
            (SELECT max(seq) FROM audit_outbox) AS last_seq, \
            (SELECT count(*) FROM (SELECT seq FROM audit_outbox \
                 WHERE parked_at IS NOT NULL ORDER BY seq LIMIT $1) p) AS parked, \
            COALESCE((SELECT EXTRACT(EPOCH FROM now() - created_at) FROM oldest), 0)::float8 \
                AS oldest_age_seconds";

pub async fn stats(conn: &mut AsyncPgConnection) -> QueryResult<Stats> {
    let raw: RawStats = Cached::kept(
        diesel::sql_query(STATS_SQL).bind::<diesel::sql_types::BigInt, _>(STATS_EXACT_UP_TO + 1),
    )
    .get_result(conn)
    .await?;
    let pending = match (raw.oldest_seq, raw.last_seq) {
        (Some(first), Some(last)) if raw.counted > STATS_EXACT_UP_TO => {
            (last - first + 1).max(raw.counted)
        }
        _ => raw.counted,
    };
    Ok(Stats {
        pending,
        parked: raw.parked,
        oldest_age_seconds: raw.oldest_age_seconds,
    })
}

/// Forgets delivered rows older than `days` (service-logs keeps the events; the outbox only needs recent history
/// for operators). Pending and parked rows are never removed.
pub async fn purge_delivered(conn: &mut AsyncPgConnection, days: i32) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM audit_outbox WHERE delivered_at < now() - make_interval(days => $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(days)
    .execute(conn)
    .await
}

/// Undelivered rows (pending and parked, or parked only), oldest first: what `logs-router outbox list` shows.
pub async fn undelivered(
    conn: &mut AsyncPgConnection,
    parked_only: bool,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = audit_outbox::table
        .filter(audit_outbox::delivered_at.is_null())
        .into_boxed();
    if parked_only {
        query = query.filter(audit_outbox::parked_at.is_not_null());
    }
    query
        .order(audit_outbox::seq.asc())
        .select(OutboxRow::as_select())
        .load(conn)
        .await
}

/// Puts parked rows back in the queue, due now (`event_id`'s, or every parked row when `None`), and returns
/// them (with their last error), oldest first. Pending and delivered rows are left alone.
pub async fn requeue_parked(
    conn: &mut AsyncPgConnection,
    event_id: Option<uuid::Uuid>,
) -> QueryResult<Vec<OutboxRow>> {
    let parked = audit_outbox::delivered_at
        .is_null()
        .and(audit_outbox::parked_at.is_not_null());
    let requeue = (
        audit_outbox::parked_at.eq(None::<time::OffsetDateTime>),
        audit_outbox::next_attempt_at.eq(diesel::dsl::now),
    );
    let mut rows: Vec<OutboxRow> = match event_id {
        Some(id) => {
            diesel::update(audit_outbox::table.filter(parked.and(audit_outbox::event_id.eq(id))))
                .set(requeue)
                .returning(OutboxRow::as_returning())
                .get_results(conn)
                .await?
        }
        None => {
            diesel::update(audit_outbox::table.filter(parked))
                .set(requeue)
                .returning(OutboxRow::as_returning())
                .get_results(conn)
                .await?
        }
    };
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}
