//! The audit outbox: events written with the change they record, read by the delivery worker.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::audit_outbox;
use crate::store::rows::{NewOutboxEvent, NewOutboxRow, OutboxRow};

/// Writes an event: serialised here, once, to the `jsonb` column.
pub async fn insert(conn: &mut AsyncPgConnection, e: &NewOutboxEvent) -> QueryResult<()> {
    let event = serde_json::to_value(&e.event)
        .map_err(|err| diesel::result::Error::SerializationError(Box::new(err)))?;
    let row = NewOutboxRow {
        event_id: e.event_id,
        account_id: &e.account_id,
        event,
        traceparent: &e.traceparent,
    };
    diesel::insert_into(audit_outbox::table)
        .values(&row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every row, oldest first (tests and operators).
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<OutboxRow>> {
    audit_outbox::table
        .select(OutboxRow::as_select())
        .order(audit_outbox::seq.asc())
        .load(conn)
        .await
}

/// Pending rows, oldest first, locked for this transaction; rows another replica holds are skipped.
pub async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    audit_outbox::table
        .filter(audit_outbox::delivered_at.is_null())
        .filter(audit_outbox::parked_at.is_null())
        .filter(audit_outbox::next_attempt_at.le(diesel::dsl::now))
        .order(audit_outbox::seq.asc())
        .limit(limit)
        .for_update()
        .skip_locked()
        .select(OutboxRow::as_select())
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
#[derive(Debug, Clone, Copy, PartialEq, diesel::QueryableByName)]
pub struct Stats {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub parked: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub oldest_age_seconds: f64,
}

pub async fn stats(conn: &mut AsyncPgConnection) -> QueryResult<Stats> {
    diesel::sql_query(
        "SELECT count(*) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL) AS pending,
                count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE delivered_at IS NULL AND parked_at IS NULL)), 0)::float8
                    AS oldest_age_seconds
         FROM audit_outbox WHERE delivered_at IS NULL",
    )
    .get_result(conn)
    .await
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
