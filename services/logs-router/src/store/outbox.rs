//! The audit outbox: events written with the change they record, read by the delivery worker.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::audit_outbox;
use crate::store::rows::{NewOutboxRow, OutboxRow};

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewOutboxRow) -> QueryResult<()> {
    diesel::insert_into(audit_outbox::table)
        .values(row)
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
