//! Database rows of the logs table, kept apart from the wire shapes clients see.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::schema::cluster_logs;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = cluster_logs, check_for_backend(diesel::pg::Pg))]
pub struct LogRow {
    pub id: String,
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    pub account_id: String,
    pub severity: String,
    pub service_name: String,
    pub summary: String,
    pub description: String,
    pub internal_only: bool,
    pub log_type: String,
    pub doc_references: Vec<String>,
    pub event_stream_id: String,
    pub timestamp: OffsetDateTime,
    pub username: String,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// `treat_none_as_default_value = false`: with diesel's default every field may become DEFAULT, which marks the
/// INSERT uncacheable, so it was prepared anew on every create (make bench: twice pgbench's PostgreSQL work).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cluster_logs, treat_none_as_default_value = false)]
pub struct NewLogRow {
    pub id: String,
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    pub account_id: String,
    pub severity: String,
    pub service_name: String,
    pub summary: String,
    pub description: String,
    pub internal_only: bool,
    pub log_type: String,
    pub doc_references: Vec<String>,
    pub event_stream_id: String,
    pub timestamp: OffsetDateTime,
    pub username: String,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}
