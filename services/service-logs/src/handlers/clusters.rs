//! `/clusters/...`: the logs of one cluster.

use actix_web::{HttpResponse, web};
use errors::ocm::OcmError;

use super::{Params, Pool, cluster_scope, lists};
use crate::access::Caller;
use crate::listing::{ClusterScope, ListQuery};
use crate::wire::{ClusterLogList, Error};

/// Get the logs of a cluster by its cluster_id and/or cluster_uuid (what current clients use).
#[utoipa::path(
    get, path = "/api/service_logs/v1/clusters/cluster_logs", tag = "clusters",
    params(
        ("cluster_id" = Option<String>, Query, description = "Internal cluster id"),
        ("cluster_uuid" = Option<String>, Query, description = "External cluster id; with both, a log matching either is returned"),
        ("page" = Option<i64>, Query, minimum = 1), ("size" = Option<i64>, Query, minimum = -1), ("orderBy" = Option<String>, Query),
        ("order" = Option<String>, Query), ("search" = Option<String>, Query), ("fields" = Option<String>, Query),
        ("format" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "A page of logs", body = ClusterLogList),
        (status = 400, description = "Neither id given, or an invalid parameter", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.read", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn by_ids(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    let visibility = caller.visibility()?;
    let clusters = cluster_scope(&params)?;
    let query = ListQuery::from_params(&params)?;
    lists::respond(&pool, visibility, clusters, query).await
}

/// Get all service logs for a specific cluster (by external id).
#[utoipa::path(
    get, path = "/api/service_logs/v1/clusters/{uuid}/cluster_logs", tag = "clusters",
    params(
        ("uuid" = String, Path, description = "External cluster id"),
        ("page" = Option<i64>, Query, minimum = 1), ("size" = Option<i64>, Query, minimum = -1), ("orderBy" = Option<String>, Query),
        ("order" = Option<String>, Query), ("search" = Option<String>, Query), ("fields" = Option<String>, Query),
        ("format" = Option<String>, Query),
    ),
    responses(
        (status = 200, description = "A page of logs", body = ClusterLogList),
        (status = 400, description = "Invalid parameter", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.read", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn by_uuid(
    pool: Pool,
    caller: Caller,
    uuid: web::Path<String>,
    params: Params,
) -> Result<HttpResponse, OcmError> {
    let visibility = caller.visibility()?;
    let clusters = ClusterScope::Ids {
        cluster_ids: vec![],
        cluster_uuids: vec![uuid.into_inner()],
    };
    let query = ListQuery::from_params(&params)?;
    lists::respond(&pool, visibility, clusters, query).await
}
