//! `/clusters/{cluster_uuid}/owner`: the account that owns a cluster, whose readers see its logs.

use actix_web::{HttpResponse, web};
use domain_logs::owner::OwnerInput;
use errors::ocm::OcmError;
use serde_json::Value;

use super::{Pool, errors::broken_rule};
use crate::access::{CLUSTER_MANAGE, Caller, LOG_READ_INTERNAL};
use crate::store;
use crate::wire::{ClusterOwner, ClusterOwnerRequest, Error};

fn not_found(uuid: &str) -> OcmError {
    OcmError::not_found(format!("Cluster '{uuid}' has no registered owner"))
}

/// Register the account that owns a cluster (replaces a learned or earlier owner).
#[utoipa::path(
    put, path = "/api/service_logs/v1/clusters/{cluster_uuid}/owner", tag = "clusters",
    params(("cluster_uuid" = String, Path, description = "External cluster id")),
    request_body(content = ClusterOwnerRequest, description = "account_id is required"),
    responses(
        (status = 200, description = "The owner as registered", body = ClusterOwner),
        (status = 400, description = "Invalid body", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.cluster.manage", body = Error),
        (status = 404, description = "An empty cluster id (no such path)", body = Error),
        (status = 415, description = "Not JSON", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn put(
    pool: Pool,
    caller: Caller,
    uuid: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, OcmError> {
    caller.require(CLUSTER_MANAGE)?;
    let body = body.into_inner();
    if !body.is_object() {
        return Err(OcmError::bad_request("Request body must be a JSON object"));
    }
    let input: OwnerInput = serde_json::from_value(body)
        .map_err(|e| OcmError::bad_request(format!("Request body is not a valid owner: {e}")))?;
    let owner = input.validate(&uuid).map_err(broken_rule)?;
    let mut conn = store::conn(&pool).await?;
    let row = store::owners::register(&mut conn, &owner).await?;
    Ok(HttpResponse::Ok().json(ClusterOwner::from_row(row)))
}

/// Get the owner of a cluster.
#[utoipa::path(
    get, path = "/api/service_logs/v1/clusters/{cluster_uuid}/owner", tag = "clusters",
    params(("cluster_uuid" = String, Path, description = "External cluster id")),
    responses(
        (status = 200, description = "The owner", body = ClusterOwner),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.cluster.manage and service-logs.log.read-internal", body = Error),
        (status = 404, description = "No owner registered or learned", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    pool: Pool,
    caller: Caller,
    uuid: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    caller.require_any(&[CLUSTER_MANAGE, LOG_READ_INTERNAL])?;
    let mut conn = store::conn(&pool).await?;
    let row = store::owners::find(&mut conn, &uuid).await?;
    let row = row.ok_or_else(|| not_found(&uuid))?;
    Ok(HttpResponse::Ok().json(ClusterOwner::from_row(row)))
}

/// Forget the owner of a cluster (its logs stay; readers of the account no longer see them through it).
#[utoipa::path(
    delete, path = "/api/service_logs/v1/clusters/{cluster_uuid}/owner", tag = "clusters",
    params(("cluster_uuid" = String, Path, description = "External cluster id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.cluster.manage", body = Error),
        (status = 404, description = "No owner registered or learned", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    pool: Pool,
    caller: Caller,
    uuid: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    caller.require(CLUSTER_MANAGE)?;
    let mut conn = store::conn(&pool).await?;
    if store::owners::remove(&mut conn, &uuid).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&uuid))
    }
}
