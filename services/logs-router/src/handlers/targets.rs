//! `/tenants/{tenant_id}/targets`: list, create, read, change and delete a tenant's targets.

use ::errors::ibm::IbmError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;
use uuid::Uuid;

use super::errors::{ApiError, target_not_found};
use super::{ApiVersion, Call, CommonErrors, Op, not_modified, sealed_after, with_etag};
use crate::audit::Audit;
use crate::headers;
use crate::store::rows::TargetRow;
use crate::store::{self, StoreError, outbox, tenants};
use crate::wire::{ErrorEnvelope, Target, TargetList};
use domain_routing::{apply_target_patch, parse_new_target};

fn ids(path: &(String, String)) -> Result<(Uuid, Uuid), IbmError> {
    Ok((
        headers::path_id("tenant_id", &path.0)?,
        headers::path_id("target_id", &path.1)?,
    ))
}

/// List a tenant's targets.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}/targets", tag = "targets", operation_id = "list_targets",
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("name" = Option<String>, Query, pattern = r"^[^\u0000]*$", description = "Only the target with exactly this name"),
           ApiVersion),
    responses((status = 200, description = "The targets, oldest first", body = TargetList),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn list(
    call: Call,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::ListTargets, async |audit, account| {
        let tenant_id = headers::path_id("tenant_id", &path)?;
        let name = query.get("name").map(String::as_str);
        read(&call, audit, account, tenant_id, None, name).await
    })
    .await
}

/// Read one target.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "get_target",
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = uuid::Uuid, Path, description = "Target id (UUID, any case)"),
           ApiVersion),
    responses((status = 200, description = "The target", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn get(call: Call, path: web::Path<(String, String)>) -> Result<HttpResponse, IbmError> {
    call.run(Op::GetTarget, async |audit, account| {
        let (tenant_id, target_id) = ids(&path)?;
        read(&call, audit, account, tenant_id, Some(target_id), None).await
    })
    .await
}

/// The tenant's targets (those named `name`, when given), or the one target `target_id`.
async fn read(
    call: &Call,
    audit: &mut Audit,
    account: &str,
    tenant_id: Uuid,
    target_id: Option<Uuid>,
    name: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    audit.tenant_id(tenant_id);
    let mut conn = store::conn(&call.state.pool).await?;
    let (tenant, targets) = tenants::get(&mut conn, account, tenant_id)
        .await?
        .ok_or(StoreError::TenantNotFound(tenant_id))?;
    audit.tenant(&tenant);
    let Some(gid) = target_id else {
        outbox::record(&mut conn, &audit.event(StatusCode::OK, None)).await?;
        let targets = targets
            .iter()
            .filter(|t| name.is_none_or(|n| t.name == n))
            .map(Target::from_row)
            .collect();
        return Ok(HttpResponse::Ok().json(TargetList { targets }));
    };
    let t = targets
        .iter()
        .find(|t| t.id == gid)
        .ok_or_else(|| target_not_found(gid))?;
    audit.target_row(t);
    if headers::if_none_match(&call.req)?.is_some_and(|c| c.matches_weakly(&t.etag)) {
        outbox::record(&mut conn, &audit.event(StatusCode::NOT_MODIFIED, None)).await?;
        return Ok(not_modified(&t.etag));
    }
    outbox::record(&mut conn, &audit.event(StatusCode::OK, None)).await?;
    Ok(with_etag(StatusCode::OK, &t.etag, &Target::from_row(t)))
}

/// Add a target to a tenant.
#[utoipa::path(post, path = "/v1/tenants/{tenant_id}/targets", tag = "targets", operation_id = "create_target",
    request_body(content = serde_json::Value, description = "{\"log_sink_crn\", \"name\", \"parameters\": {\"host\", \"port\", \"access_credential\"}}", content_type = "application/json"),
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ApiVersion),
    responses((status = 201, description = "Created", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 409, description = "A target of this type exists, two targets already, or name taken", body = ErrorEnvelope),
              (status = 415, description = "Content-Type is not application/json", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn create(
    call: Call,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::CreateTarget, async |audit, account| {
        let tenant_id = headers::path_id("tenant_id", &path)?;
        audit.tenant_id(tenant_id);
        let spec = parse_new_target(&headers::body(&call.req, payload, false).await?)?;
        audit.target_spec(&spec);
        audit.detail(format!("create target {}", spec.name));
        let row = TargetRow {
            credential_sealed: call.seal(spec.access_credential.as_deref())?,
            ..TargetRow::new(tenant_id, &spec, call.trace_id())
        };
        let mut conn = store::conn(&call.state.pool).await?;
        let (_, target) = tenants::add_target(&mut conn, account, tenant_id, row, |t| {
            audit.tenant(t);
            audit.event(StatusCode::CREATED, None)
        })
        .await?;
        let body = Target::from_row(&target);
        Ok(with_etag(StatusCode::CREATED, &target.etag, &body))
    })
    .await
}

/// Change a target (JSON merge patch of name, log_sink_crn, parameters).
#[utoipa::path(patch, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "update_target",
    request_body(content = serde_json::Value, description = "A JSON merge patch of name, log_sink_crn and parameters (host, port, access_credential)", content_type = "application/merge-patch+json"),
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = uuid::Uuid, Path, description = "Target id (UUID, any case)"),
           ("If-Match" = String, Header, description = "The target's ETag, as returned (or *)"),
           ApiVersion),
    responses((status = 200, description = "The changed target", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header, or a type change with two targets (update_failed)", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope),
              (status = 409, description = "Name taken", body = ErrorEnvelope),
              (status = 412, description = "If-Match missing or stale", body = ErrorEnvelope),
              (status = 415, description = "Wrong Content-Type", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn update(
    call: Call,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::UpdateTarget, async |audit, account| {
        let (tenant_id, target_id) = ids(&path)?;
        audit.tenant_id(tenant_id);
        let patch = headers::body(&call.req, payload, true).await?;
        let mut conn = store::conn(&call.state.pool).await?;
        let (if_match, trace) = (headers::if_match(&call.req), call.trace_id());
        let sealer = &call.state.sealer;
        let change = |current: &TargetRow| -> Result<TargetRow, ApiError> {
            let stored = current.credential_sealed.as_deref();
            let patched = apply_target_patch(&current.spec()?, stored.is_some(), &patch)?;
            let sealed = sealed_after(sealer, &patched, stored)?;
            Ok(current.changed(&patched.spec, sealed, trace.clone()))
        };
        let (_, target) = tenants::update_target(
            &mut conn,
            account,
            (tenant_id, target_id),
            if_match.as_ref(),
            change,
            |t, g| {
                audit.tenant(t);
                audit.target_row(g);
                audit.event(StatusCode::OK, None)
            },
        )
        .await?;
        Ok(with_etag(
            StatusCode::OK,
            &target.etag,
            &Target::from_row(&target),
        ))
    })
    .await
}

/// Delete a target (not the tenant's last).
#[utoipa::path(delete, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "delete_target",
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = uuid::Uuid, Path, description = "Target id (UUID, any case)"),
           ("If-Match" = Option<String>, Header, nullable = false, description = "Delete only if the ETag matches"),
           ApiVersion),
    responses((status = 204, description = "Deleted"),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope),
              (status = 409, description = "The tenant's last target", body = ErrorEnvelope),
              (status = 412, description = "If-Match stale", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn delete(
    call: Call,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::DeleteTarget, async |audit, account| {
        let (tenant_id, target_id) = ids(&path)?;
        audit.tenant_id(tenant_id);
        let mut conn = store::conn(&call.state.pool).await?;
        let (if_match, trace) = (headers::if_match(&call.req), call.trace_id());
        let ids = (tenant_id, target_id);
        tenants::delete_target(
            &mut conn,
            account,
            ids,
            if_match.as_ref(),
            &trace,
            |t, g| {
                audit.tenant(t);
                audit.target_row(g);
                audit.detail(format!("delete target {}", g.name));
                audit.event(StatusCode::NO_CONTENT, None)
            },
        )
        .await?;
        Ok(HttpResponse::NoContent().finish())
    })
    .await
}
