//! The JSON and CSV shapes clients see, kept apart from the database rows.

use serde::Serialize;
use utoipa::ToSchema;

use crate::fields::Field;
use crate::store::rows::LogRow;
use domain::timefmt::format_utc;

pub const API_BASE: &str = "/api/service_logs/v1";
pub const LOG_KIND: &str = "ClusterLog";
pub const LIST_KIND: &str = "ClusterLogList";

pub fn log_href(id: &str) -> String {
    format!("{API_BASE}/cluster_logs/{id}")
}

/// A service log. `id`, `kind` and `href` are always present; the other fields are present unless `fields=`
/// left them out, except `doc_references`, which is omitted when empty. Empty strings and `false` are written.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ClusterLog {
    /// Always `ClusterLog`.
    pub kind: &'static str,
    /// A KSUID: 27 base62 characters, sortable by creation time.
    pub id: String,
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// The account that owns the cluster or resource the log is about; scopes who may read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Info")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_references: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_stream_id: Option<String>,
    /// RFC 3339 in UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

impl ClusterLog {
    /// The wire shape of `row`, with only `fields` (plus id, kind, href) when given.
    pub fn from_row(row: LogRow, fields: Option<&[Field]>) -> Self {
        let want = |f: Field| fields.is_none_or(|list| list.contains(&f));
        let keep = |f: Field, v: String| want(f).then_some(v);
        Self {
            kind: LOG_KIND,
            href: log_href(&row.id),
            cluster_uuid: keep(Field::ClusterUuid, row.cluster_uuid),
            cluster_id: keep(Field::ClusterId, row.cluster_id),
            subscription_id: keep(Field::SubscriptionId, row.subscription_id),
            account_id: keep(Field::AccountId, row.account_id),
            severity: keep(Field::Severity, row.severity),
            service_name: keep(Field::ServiceName, row.service_name),
            summary: keep(Field::Summary, row.summary),
            description: keep(Field::Description, row.description),
            internal_only: want(Field::InternalOnly).then_some(row.internal_only),
            log_type: keep(Field::LogType, row.log_type),
            doc_references: (want(Field::DocReferences) && !row.doc_references.is_empty())
                .then_some(row.doc_references),
            event_stream_id: keep(Field::EventStreamId, row.event_stream_id),
            timestamp: want(Field::Timestamp).then(|| format_utc(row.timestamp)),
            username: keep(Field::Username, row.username),
            created_at: want(Field::CreatedAt).then(|| format_utc(row.created_at)),
            created_by: keep(Field::CreatedBy, row.created_by),
            email: keep(Field::Email, row.email),
            first_name: keep(Field::FirstName, row.first_name),
            last_name: keep(Field::LastName, row.last_name),
            id: row.id,
        }
    }
}

/// A page of logs. `size` is the number of items returned; `total` counts every match.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogList {
    /// Always `ClusterLogList`.
    pub kind: &'static str,
    pub page: i64,
    pub size: i64,
    pub total: i64,
    pub items: Vec<ClusterLog>,
}

/// The answer of the warehouse endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseCount {
    pub total: i64,
}

/// The OCM error body (documentation only: `errors::ocm` renders it).
#[derive(Debug, Serialize, ToSchema)]
pub struct Error {
    /// Always `Error`.
    pub kind: String,
    /// The OCM error number as a string, e.g. `"21"`.
    pub id: String,
    pub href: String,
    /// `OCM-CA-<id>`.
    pub code: String,
    /// What is wrong, in words a client can act on.
    pub reason: String,
    /// The request's id, also in the `X-Operation-ID` header and the service's log line.
    pub operation_id: String,
}

/// The CSV columns: `id` first, then the requested fields (or all).
pub fn csv_columns(fields: Option<&[Field]>) -> Vec<Field> {
    match fields {
        None => Field::ALL.to_vec(),
        Some(list) => std::iter::once(Field::Id)
            .chain(list.iter().copied().filter(|f| *f != Field::Id))
            .collect(),
    }
}

/// One CSV record of `row` in `columns` order.
pub fn csv_record(row: &LogRow, columns: &[Field]) -> Vec<String> {
    columns
        .iter()
        .map(|f| match f {
            Field::Id => row.id.clone(),
            Field::ClusterUuid => row.cluster_uuid.clone(),
            Field::ClusterId => row.cluster_id.clone(),
            Field::SubscriptionId => row.subscription_id.clone(),
            Field::AccountId => row.account_id.clone(),
            Field::Severity => row.severity.clone(),
            Field::ServiceName => row.service_name.clone(),
            Field::Summary => row.summary.clone(),
            Field::Description => row.description.clone(),
            Field::InternalOnly => row.internal_only.to_string(),
            Field::LogType => row.log_type.clone(),
            Field::DocReferences => row.doc_references.join(" "),
            Field::EventStreamId => row.event_stream_id.clone(),
            Field::Timestamp => format_utc(row.timestamp),
            Field::Username => row.username.clone(),
            Field::CreatedAt => format_utc(row.created_at),
            Field::CreatedBy => row.created_by.clone(),
            Field::Email => row.email.clone(),
            Field::FirstName => row.first_name.clone(),
            Field::LastName => row.last_name.clone(),
        })
        .collect()
}
