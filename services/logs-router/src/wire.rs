//! The JSON shapes clients see. Every field is always present: Terraform reads them without null checks.

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::rows::{TargetRow, TenantRow};
use domain::timefmt::format_utc;
use domain_routing::format_id;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct TargetParameters {
    /// Host name of the ingestion endpoint.
    #[schema(min_length = 1, max_length = 256)]
    pub host: String,
    /// Port of the ingestion endpoint.
    #[schema(minimum = 1, maximum = 65535)]
    pub port: i32,
}

/// A log-sink target. `access_credential` is write-only and never appears here.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Target {
    /// Upper-case UUID.
    pub id: String,
    pub log_sink_crn: String,
    pub name: String,
    /// Strong entity tag: a quoted SHA-256 of this target's representation.
    pub etag: String,
    /// `logdna` or `logs`, from the sink CRN's service name.
    #[serde(rename = "type")]
    pub target_type: String,
    pub created_at: String,
    pub updated_at: String,
    pub parameters: TargetParameters,
}

/// Where the tenant's configuration stands. Writes are synchronous: once a call has answered, its change is
/// committed, so `status` is `success` and the failure fields are absent. Not covered by the etag.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct WriteStatus {
    /// `success` once the tenant's configuration is committed; `failed` if the last write failed.
    pub status: String,
    /// Why the last write failed; only when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reason_for_last_failure: Option<String>,
    /// When the last write failed (RFC 3339 date-time); only when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, format = DateTime)]
    pub last_failure: Option<String>,
}

impl WriteStatus {
    /// A committed configuration.
    pub fn success() -> Self {
        Self {
            status: "success".to_owned(),
            reason_for_last_failure: None,
            last_failure: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Tenant {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub crn: String,
    pub name: String,
    /// Strong entity tag: a quoted SHA-256 of this tenant's representation, its targets included.
    pub etag: String,
    /// Oldest first.
    pub targets: Vec<Target>,
    pub write_status: WriteStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    pub tenants: Vec<Tenant>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetList {
    pub targets: Vec<Target>,
}

impl Target {
    pub fn from_row(row: &TargetRow) -> Self {
        Self {
            id: format_id(row.id),
            log_sink_crn: row.log_sink_crn.clone(),
            name: row.name.clone(),
            etag: row.etag.clone(),
            target_type: row.target_type.clone(),
            created_at: format_utc(row.created_at),
            updated_at: format_utc(row.updated_at),
            parameters: TargetParameters {
                host: row.host.clone(),
                port: row.port,
            },
        }
    }
}

impl Tenant {
    pub fn from_rows(row: &TenantRow, targets: &[TargetRow]) -> Self {
        Self {
            id: format_id(row.id),
            created_at: format_utc(row.created_at),
            updated_at: format_utc(row.updated_at),
            crn: row.crn.clone(),
            name: row.name.clone(),
            etag: row.etag.clone(),
            targets: targets.iter().map(Target::from_row).collect(),
            write_status: WriteStatus::success(),
        }
    }
}

/// The IBM error envelope (documentation only: `errors::ibm` renders it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Never empty.
    pub errors: Vec<ErrorItem>,
    /// The HTTP status.
    #[schema(minimum = 100, maximum = 599)]
    pub status_code: u16,
    /// The request's X-Trace-ID.
    pub trace: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// snake_case, e.g. `tenant_id_not_found`.
    pub code: String,
    pub message: String,
    pub more_info: String,
    #[schema(nullable = false)]
    pub target: Option<ErrorTarget>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorTarget {
    /// `field`, `parameter` or `header`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}
