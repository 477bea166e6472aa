//! `/warehouse`: count or remove the logs of clusters (offboarding, retention).

use actix_web::HttpResponse;
use errors::ocm::OcmError;

use super::{Params, Pool, cluster_scope};
use crate::access::{Caller, LOG_DELETE};
use crate::store;
use crate::wire::{Error, WarehouseCount};

/// Count the logs of clusters.
#[utoipa::path(
    get, path = "/api/service_logs/v1/warehouse", tag = "warehouse",
    params(
        ("cluster_id" = Option<String>, Query, description = "Comma-separated internal cluster ids"),
        ("cluster_uuid" = Option<String>, Query, description = "Comma-separated external cluster ids"),
    ),
    responses(
        (status = 200, description = "How many logs", body = WarehouseCount),
        (status = 400, description = "Neither id given", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.delete", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn count(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    caller.require(LOG_DELETE)?;
    let clusters = cluster_scope(&params)?;
    let mut conn = store::conn(&pool).await?;
    let total = store::logs::count_for_clusters(&mut conn, &clusters).await?;
    Ok(HttpResponse::Ok().json(WarehouseCount { total }))
}

/// Remove the logs of clusters.
#[utoipa::path(
    delete, path = "/api/service_logs/v1/warehouse", tag = "warehouse",
    params(
        ("cluster_id" = Option<String>, Query, description = "Comma-separated internal cluster ids"),
        ("cluster_uuid" = Option<String>, Query, description = "Comma-separated external cluster ids"),
    ),
    responses(
        (status = 200, description = "How many logs were removed", body = WarehouseCount),
        (status = 400, description = "Neither id given", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.delete", body = Error),
        (status = 404, description = "The clusters have no logs", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn remove(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    caller.require(LOG_DELETE)?;
    let clusters = cluster_scope(&params)?;
    let mut conn = store::conn(&pool).await?;
    let total = store::logs::delete_for_clusters(&mut conn, &clusters).await?;
    if total == 0 {
        return Err(OcmError::not_found("The given clusters have no logs"));
    }
    Ok(HttpResponse::Ok().json(WarehouseCount { total }))
}
