//! Database rows, kept apart from the wire shapes.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{audit_outbox, targets, tenants};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct TenantRow {
    pub id: Uuid,
    pub account_id: String,
    pub name: String,
    pub crn: String,
    pub etag: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub trace_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = targets, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct TargetRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub log_sink_crn: String,
    pub target_type: String,
    pub host: String,
    pub port: i32,
    pub credential_sealed: Option<Vec<u8>>,
    pub etag: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub trace_id: String,
}

/// An audit event on its way to the outbox. (`treat_none_as_default_value = false` keeps inserts cacheable as
/// prepared statements; see service-logs' `NewLogRow`.)
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_outbox, treat_none_as_default_value = false)]
pub struct NewOutboxRow {
    pub event_id: Uuid,
    pub account_id: String,
    pub event: serde_json::Value,
    pub traceparent: String,
}

/// A pending outbox row, as the delivery worker and tests read it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxRow {
    pub seq: i64,
    pub event_id: Uuid,
    pub account_id: String,
    pub event: serde_json::Value,
    pub traceparent: String,
    pub created_at: OffsetDateTime,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: String,
    pub delivered_at: Option<OffsetDateTime>,
    pub parked_at: Option<OffsetDateTime>,
}

/// Now, at the precision PostgreSQL keeps (microseconds), so an etag computed before a write matches the row read
/// back after it.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}
