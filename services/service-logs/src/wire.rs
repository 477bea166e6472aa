//! The JSON and CSV shapes clients see, kept apart from the database rows.

use serde::Serialize;
use utoipa::ToSchema;

use crate::fields::Field;
use crate::store::owners::OwnerRow;
use crate::store::rows::LogRow;
use domain::timefmt::format_utc;
use time::OffsetDateTime;

pub const API_BASE: &str = "/api/service_logs/v1";
pub const LOG_KIND: &str = "ClusterLog";
pub const LIST_KIND: &str = "ClusterLogList";
pub const OWNER_KIND: &str = "ClusterOwner";
pub const METADATA_KIND: &str = "Metadata";
pub const BULK_RESULT_KIND: &str = "ClusterLogBulkResult";

pub fn log_href(id: &str) -> String {
    format!("{API_BASE}/cluster_logs/{id}")
}

/// What a row's value becomes on the wire and in a CSV cell, by its type.
trait WireValue {
    type Wire;
    /// The JSON value; `None` leaves the key out.
    fn into_wire(self) -> Option<Self::Wire>;
    fn csv(&self) -> String;
}

impl WireValue for String {
    type Wire = String;
    fn into_wire(self) -> Option<String> {
        Some(self)
    }
    fn csv(&self) -> String {
        self.clone()
    }
}

impl WireValue for bool {
    type Wire = bool;
    fn into_wire(self) -> Option<bool> {
        Some(self)
    }
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl WireValue for OffsetDateTime {
    type Wire = String;
    fn into_wire(self) -> Option<String> {
        Some(format_utc(self))
    }
    fn csv(&self) -> String {
        format_utc(*self)
    }
}

/// Lists are left out when empty, and joined with spaces in CSV.
impl WireValue for Vec<String> {
    type Wire = Vec<String>;
    fn into_wire(self) -> Option<Vec<String>> {
        (!self.is_empty()).then_some(self)
    }
    fn csv(&self) -> String {
        self.join(" ")
    }
}

macro_rules! declare_wire {
    (all: [{ $(#[$im:meta])* Id id : $irt:ty => $iwt:ty }
           $({ $(#[$m:meta])* $v:ident $c:ident : $rt:ty => $wt:ty })*]
     $($groups:tt)*) => {
        /// A service log. `id`, `kind` and `href` are always present; the other fields are present unless `fields=`
        /// left them out, except `doc_references`, which is omitted when empty. Empty strings and `false` are written.
        #[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
        pub struct ClusterLog {
            /// Always `ClusterLog`.
            pub kind: &'static str,
            $(#[$im])*
            pub id: $iwt,
            pub href: String,
            $(
                $(#[$m])*
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $c: Option<$wt>,
            )*
        }

        impl ClusterLog {
            /// The wire shape of `row`, with only `fields` (plus id, kind, href) when given.
            pub fn from_row(row: LogRow, fields: Option<&[Field]>) -> Self {
                let want = |f: Field| fields.is_none_or(|list| list.contains(&f));
                Self {
                    kind: LOG_KIND,
                    href: log_href(&row.id),
                    $($c: if want(Field::$v) { row.$c.into_wire() } else { None },)*
                    id: row.id,
                }
            }
        }

        /// One CSV cell of `row`.
        fn csv_cell(row: &LogRow, field: Field) -> String {
            match field {
                Field::Id => row.id.csv(),
                $(Field::$v => row.$c.csv(),)*
            }
        }
    };
}

crate::fields::log_fields!(declare_wire);

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

/// Who owns a cluster. `cluster_id` and `subscription_id` are `""` when unknown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterOwner {
    /// Always `ClusterOwner`.
    pub kind: &'static str,
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    /// The owning account: its `service-logs.log.read` callers see the cluster's logs.
    pub account_id: String,
    /// `explicit` (registered with PUT) or `learned` (from the first log that named an account).
    #[schema(example = "explicit")]
    pub source: String,
    /// RFC 3339 in UTC.
    pub updated_at: String,
}

impl ClusterOwner {
    pub fn from_row(row: OwnerRow) -> Self {
        Self {
            kind: OWNER_KIND,
            cluster_uuid: row.cluster_uuid,
            cluster_id: row.cluster_id,
            subscription_id: row.subscription_id,
            account_id: row.account_id,
            source: row.source,
            updated_at: format_utc(row.updated_at),
        }
    }
}

/// The body of `POST /cluster_logs` (documentation only: `domain_logs::service_log::LogInput` reads it). Fields
/// the server sets (`id`, `kind`, `href`, `created_*`, ...) are ignored when sent; `null` counts as absent. One of
/// `cluster_id` and `cluster_uuid` must be non-blank (a rule the document cannot state). Indexed text fields hold at most
/// 512 characters. The patterns say what
/// the service refuses: blank required text, and NUL (`\u0000`), which no text column can store.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogRequest {
    #[schema(
        pattern = r"^(Debug|Info|Warning|Error|Fatal|Major|Critical|Important|Moderate|Low)$"
    )]
    pub severity: String,
    #[schema(pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$", max_length = 512)]
    pub service_name: String,
    /// At most 255 characters.
    #[schema(pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$", max_length = 255)]
    pub summary: String,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 512)]
    pub cluster_uuid: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 512)]
    pub cluster_id: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 512)]
    pub subscription_id: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 512)]
    pub account_id: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub description: Option<String>,
    pub internal_only: Option<bool>,
    #[schema(pattern = r"^[^\u0000]*$", max_length = 512)]
    pub log_type: Option<String>,
    pub doc_references: Option<Vec<String>>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub event_stream_id: Option<String>,
    /// RFC 3339; the server's time when absent or empty.
    #[schema(
        pattern = r"^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    pub timestamp: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub username: Option<String>,
}

/// The body of `POST /cluster_logs/bulk` (documentation only: `handlers::bulk` reads it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogBulkRequest {
    /// The logs to create, in order.
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<ClusterLogBulkItem>,
}

/// One item of a bulk create: a create body, and optionally the key that makes it repeat-safe (as the
/// `Idempotency-Key` header does for a single create; the same key and body as a single create replay it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogBulkItem {
    #[serde(flatten)]
    pub log: ClusterLogRequest,
    #[schema(min_length = 1, max_length = 255, pattern = r"^[^\u0000]*$")]
    pub idempotency_key: Option<String>,
}

/// The answer of a bulk create: one result per item, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogBulkResult {
    /// Always `ClusterLogBulkResult`.
    pub kind: &'static str,
    pub items: Vec<ClusterLogBulkItemResult>,
}

/// What became of one item: `status` 201 (created) or 200 (replayed by its idempotency key) with `log`; 400, 409
/// or 422 with `error`, the body a single create would have answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogBulkItemResult {
    #[schema(example = 201)]
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<ClusterLog>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Error>)]
    pub error: Option<errors::ocm::ErrorBody>,
}

/// The body of `PUT .../owner` (documentation only: `domain_logs::owner::OwnerInput` reads it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterOwnerRequest {
    /// Required, not blank.
    pub account_id: String,
    pub cluster_id: Option<String>,
    pub subscription_id: Option<String>,
}

/// The API's version metadata (`GET /api/service_logs/v1`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Metadata {
    /// Always `Metadata`.
    pub kind: &'static str,
    /// This server's version.
    #[schema(example = "0.1.0")]
    pub server_version: &'static str,
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

/// One CSV record of `row` in `columns` order, every cell [`neutralised`].
pub fn csv_record(row: &LogRow, columns: &[Field]) -> Vec<String> {
    columns
        .iter()
        .map(|f| neutralised(csv_cell(row, *f)))
        .collect()
}

/// OWASP's rule against CSV (formula) injection: a cell a spreadsheet would read as a formula (first character
/// `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, so it is shown as text. Quoting of the cell
/// itself is the CSV writer's.
pub fn neutralised(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::neutralised;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for (cell, out) in [
            (
                "=HYPERLINK(\"http://evil\",\"click\")",
                "'=HYPERLINK(\"http://evil\",\"click\")",
            ),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("plain = text", "plain = text"),
            ("", ""),
            ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
        ] {
            assert_eq!(neutralised(cell.to_owned()), out, "{cell:?}");
        }
    }
}
