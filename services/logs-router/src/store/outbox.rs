//! The audit outbox: events written with the change they record, read by the delivery worker.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::audit_outbox;
use crate::store::rows::{NewOutboxEvent, NewOutboxRow, OutboxRow};

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

/// The claim: pending rows, oldest first by `seq`, locked for this transaction; rows another replica holds are
/// skipped. Its order is the partial index `audit_outbox_pending_seq`'s, so its cost does not grow with the backlog.
pub const CLAIM_SQL: &str = "SELECT * FROM audit_outbox \
     WHERE delivered_at IS NULL AND parked_at IS NULL AND next_attempt_at <= now() \
     ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED";

pub async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    diesel::sql_query(CLAIM_SQL)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
        .await
}

pub async fn mark_delivered(conn: &mut AsyncPgConnection, seq: i64) -> QueryResult<()> {
    diesel::update(audit_outbox::table.find(seq))
        .set((
            audit_outbox::delivered_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("clock_timestamp()")),
            audit_outbox::attempts.eq(audit_outbox::attempts + 1),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn mark_failed(
    conn: &mut AsyncPgConnection,
    seq: i64,
    error: &str,
    park: bool,
    retry_in_ms: i64,
) -> QueryResult<()> {
    let next = time::OffsetDateTime::now_utc() + time::Duration::milliseconds(retry_in_ms);
    let parked = park.then(time::OffsetDateTime::now_utc);
    diesel::update(audit_outbox::table.find(seq))
        .set((
            audit_outbox::attempts.eq(audit_outbox::attempts + 1),
            audit_outbox::last_error.eq(error),
            audit_outbox::next_attempt_at.eq(next),
            audit_outbox::parked_at.eq(parked),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Pending rows, parked rows, and the age in seconds of the oldest pending one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Exact up to [`STATS_EXACT_UP_TO`]; beyond, an estimate from the span of `seq` still pending.
    pub pending: i64,
    pub parked: i64,
    pub oldest_age_seconds: f64,
}

/// Up to this many pending rows are counted one by one (a bounded walk of the pending index).
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

/// The statistics, read from indexes only: a bounded count of the pending index, its first entry, the last `seq`
/// (the primary key) and the parked index. Their cost does not grow with the backlog.
pub const STATS_SQL: &str = "WITH oldest AS (SELECT seq, created_at FROM audit_outbox \
         WHERE delivered_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1) \
     SELECT (SELECT count(*) FROM (SELECT 1 FROM audit_outbox \
                 WHERE delivered_at IS NULL AND parked_at IS NULL LIMIT $1) p) AS counted, \
            (SELECT seq FROM oldest) AS oldest_seq, \
            (SELECT max(seq) FROM audit_outbox) AS last_seq, \
            (SELECT count(*) FROM audit_outbox WHERE parked_at IS NOT NULL) AS parked, \
            COALESCE((SELECT EXTRACT(EPOCH FROM now() - created_at) FROM oldest), 0)::float8 \
                AS oldest_age_seconds";

pub async fn stats(conn: &mut AsyncPgConnection) -> QueryResult<Stats> {
    let raw: RawStats = diesel::sql_query(STATS_SQL)
        .bind::<diesel::sql_types::BigInt, _>(STATS_EXACT_UP_TO + 1)
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
