//! HTTP handlers, one file per resource: parse, authorize, call the store, shape the response.

pub mod bulk;
pub mod clusters;
pub mod errors;
pub mod lists;
pub mod logs;
pub mod metadata;
pub mod notifications;
pub mod owners;
pub mod triggers;
pub mod warehouse;

use actix_web::web;
use platform::db::DbPool;

pub type Pool = web::Data<DbPool>;
pub type Params = web::Query<std::collections::HashMap<String, String>>;

/// The clusters named by the `cluster_id` and `cluster_uuid` query values (comma-separated lists); 400 when
/// neither holds a non-empty id.
pub fn cluster_scope(
    params: &Params,
) -> Result<crate::listing::ClusterScope, ::errors::ocm::OcmError> {
    crate::listing::ClusterScope::from_params(
        params.get("cluster_id").map(String::as_str),
        params.get("cluster_uuid").map(String::as_str),
    )
    .ok_or_else(|| {
        ::errors::ocm::OcmError::bad_request(
            "At least one of 'cluster_id' or 'cluster_uuid' is required",
        )
    })
}
