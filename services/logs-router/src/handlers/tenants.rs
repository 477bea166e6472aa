//! `/tenants`: list, create, read, rename and delete tenants.

use ::errors::ibm::IbmError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use std::collections::HashMap;
use uuid::Uuid;

use super::{ApiVersion, Call, CommonErrors, Op, not_modified, with_etag};
use crate::headers;
use crate::store::rows::{TargetRow, TenantRow};
use crate::store::{self, StoreError, outbox, tenants};
use crate::wire::{ErrorEnvelope, Tenant, TenantList};
use domain_routing::{parse_new_tenant, parse_tenant_patch, tenant_crn};

/// List the tenants of the caller's account.
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", operation_id = "list_tenants",
    params(("name" = Option<String>, Query, pattern = r"^[^\u0000]*$", description = "Only the tenant with exactly this name"),
           ApiVersion),
    responses((status = 200, description = "The tenants, oldest first", body = TenantList),
              (status = 400, description = "Bad header", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn list(
    call: Call,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::ListTenants, async |audit, account| {
        let mut conn = store::conn(&call.state.pool).await?;
        let name = query.get("name").map(String::as_str);
        let rows = tenants::list(&mut conn, account, name).await?;
        outbox::record(&mut conn, &audit.event(StatusCode::OK, None)).await?;
        let tenants = rows.iter().map(|(t, ts)| Tenant::from_rows(t, ts));
        Ok(HttpResponse::Ok().json(TenantList {
            tenants: tenants.collect(),
        }))
    })
    .await
}

/// Create a tenant with its targets.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", operation_id = "create_tenant",
    request_body(content = serde_json::Value, description = "{\"name\", \"targets\": [{\"log_sink_crn\", \"name\", \"parameters\": {\"host\", \"port\", \"access_credential\"}}]}", content_type = "application/json"),
    params(ApiVersion),
    responses((status = 201, description = "Created", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field", body = ErrorEnvelope),
              (status = 409, description = "Tenant limit reached, name taken, or two targets of one type", body = ErrorEnvelope),
              (status = 415, description = "Content-Type is not application/json", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn create(call: Call, payload: web::Payload) -> Result<HttpResponse, IbmError> {
    call.run(Op::CreateTenant, async |audit, account| {
        let spec = parse_new_tenant(&headers::body(&call.req, payload, false).await?)?;
        if let Some(first) = spec.targets.first() {
            audit.target_spec(first);
        }
        let id = Uuid::new_v4();
        audit.tenant_id(id);
        let crn = tenant_crn(&call.state.region, account, id);
        let tenant = TenantRow::new(id, account, crn, spec.name.clone(), call.trace_id());
        // Targets get distinct creation times so "oldest first" is the order the client sent them in.
        let mut targets = Vec::with_capacity(spec.targets.len());
        for (i, t) in (0i64..).zip(&spec.targets) {
            let created = tenant.created_at + time::Duration::microseconds(i);
            targets.push(TargetRow {
                credential_sealed: call.seal(t.access_credential.as_deref())?,
                created_at: created,
                updated_at: created,
                ..TargetRow::new(id, t, call.trace_id())
            });
        }
        let mut conn = store::conn(&call.state.pool).await?;
        let limit = call.state.tenants_per_account;
        let (tenant, targets) = tenants::create(&mut conn, limit, tenant, targets, |t| {
            audit.tenant(t);
            audit.event(StatusCode::CREATED, None)
        })
        .await?;
        let body = Tenant::from_rows(&tenant, &targets);
        Ok(with_etag(StatusCode::CREATED, &tenant.etag, &body))
    })
    .await
}

/// Read a tenant.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "get_tenant",
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("If-None-Match" = Option<String>, Header, nullable = false, description = "Answer 304 when the ETag matches"),
           ApiVersion),
    responses((status = 200, description = "The tenant", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 304, description = "Not modified", headers(("ETag" = String, description = "The resource's strong entity tag"))),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant in the caller's account", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn get(call: Call, path: web::Path<String>) -> Result<HttpResponse, IbmError> {
    call.run(Op::GetTenant, async |audit, account| {
        let id = headers::path_id("tenant_id", &path)?;
        audit.tenant_id(id);
        let mut conn = store::conn(&call.state.pool).await?;
        let (tenant, targets) = tenants::get(&mut conn, account, id)
            .await?
            .ok_or(StoreError::TenantNotFound(id))?;
        audit.tenant(&tenant);
        let if_none_match = headers::if_none_match(&call.req)?;
        if if_none_match.is_some_and(|c| c.matches_weakly(&tenant.etag)) {
            outbox::record(&mut conn, &audit.event(StatusCode::NOT_MODIFIED, None)).await?;
            return Ok(not_modified(&tenant.etag));
        }
        outbox::record(&mut conn, &audit.event(StatusCode::OK, None)).await?;
        let body = Tenant::from_rows(&tenant, &targets);
        Ok(with_etag(StatusCode::OK, &tenant.etag, &body))
    })
    .await
}

/// Rename a tenant (only `name` may change).
#[utoipa::path(patch, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "update_tenant",
    request_body(content = serde_json::Value, description = "{\"name\": \"...\"}", content_type = "application/merge-patch+json"),
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("If-Match" = String, Header, description = "The tenant's ETag, as returned (or *)"),
           ApiVersion),
    responses((status = 200, description = "The renamed tenant", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 409, description = "Name taken", body = ErrorEnvelope),
              (status = 412, description = "If-Match missing or stale", body = ErrorEnvelope),
              (status = 415, description = "Wrong Content-Type", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn update(
    call: Call,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    call.run(Op::UpdateTenant, async |audit, account| {
        let id = headers::path_id("tenant_id", &path)?;
        audit.tenant_id(id);
        let name = parse_tenant_patch(&headers::body(&call.req, payload, true).await?)?;
        let mut conn = store::conn(&call.state.pool).await?;
        let (if_match, trace) = (headers::if_match(&call.req), call.trace_id());
        let (tenant, targets) = tenants::rename(
            &mut conn,
            account,
            id,
            if_match.as_ref(),
            &name,
            &trace,
            |t| {
                audit.tenant(t);
                audit.event(StatusCode::OK, None)
            },
        )
        .await?;
        let body = Tenant::from_rows(&tenant, &targets);
        Ok(with_etag(StatusCode::OK, &tenant.etag, &body))
    })
    .await
}

/// Delete a tenant and its targets.
#[utoipa::path(delete, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "delete_tenant",
    params(("tenant_id" = uuid::Uuid, Path, description = "Tenant id (UUID, any case)"),
           ("If-Match" = Option<String>, Header, nullable = false, description = "Delete only if the ETag matches"),
           ApiVersion),
    responses((status = 204, description = "Deleted"),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 412, description = "If-Match stale", body = ErrorEnvelope), CommonErrors),
    security(("bearer" = [])))]
pub async fn delete(call: Call, path: web::Path<String>) -> Result<HttpResponse, IbmError> {
    call.run(Op::DeleteTenant, async |audit, account| {
        let id = headers::path_id("tenant_id", &path)?;
        audit.tenant_id(id);
        let mut conn = store::conn(&call.state.pool).await?;
        let if_match = headers::if_match(&call.req);
        tenants::delete(&mut conn, account, id, if_match.as_ref(), |t| {
            audit.tenant(t);
            audit.event(StatusCode::NO_CONTENT, None)
        })
        .await?;
        Ok(HttpResponse::NoContent().finish())
    })
    .await
}
