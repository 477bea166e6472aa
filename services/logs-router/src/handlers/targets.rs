//! `/tenants/{tenant_id}/targets`: list, create, read, change and delete a tenant's targets.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use errors::ibm::IbmError;
use std::collections::HashMap;
use uuid::Uuid;

use super::tenants::trace_id;
use super::{State, op_error, seal, target_not_found, tenant_not_found, with_etag};
use crate::access::{Caller, TENANT_READ, TENANT_UPDATE};
use crate::audit::{Action, Audit};
use crate::headers;
use crate::store::rows::{TargetRow, now};
use crate::store::{self, OpError, outbox, tenants};
use crate::wire::{ErrorEnvelope, Target, TargetList};
use domain::routing::{TargetSpec, TargetType, apply_target_patch, parse_new_target};

fn ids(tenant: &str, target: Option<&str>) -> Result<(Uuid, Option<Uuid>), IbmError> {
    let t = headers::path_id("tenant_id", tenant)?;
    let g = target
        .map(|g| headers::path_id("target_id", g))
        .transpose()?;
    Ok((t, g))
}

/// List a tenant's targets.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}/targets", tag = "targets", operation_id = "list_targets",
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("name" = Option<String>, Query, description = "Only the target with exactly this name"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The targets, oldest first", body = TargetList),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Read);
    let result = read_inner(
        &req,
        &state,
        &caller,
        &path,
        None,
        query.get("name").map(String::as_str),
        &mut audit,
    )
    .await;
    audit.settle(&state.pool, result).await
}

/// Read one target.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "get_target",
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = String, Path, description = "Target id (UUID, any case)"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The target", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Read);
    let result = read_inner(
        &req,
        &state,
        &caller,
        &path.0,
        Some(&path.1),
        None,
        &mut audit,
    )
    .await;
    audit.settle(&state.pool, result).await
}

async fn read_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    tenant_raw: &str,
    target_raw: Option<&str>,
    name: Option<&str>,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_READ, "read a tenant")?;
    let account = caller.account()?;
    let (tenant_id, target_id) = ids(tenant_raw, target_raw)?;
    audit.tenant_id(tenant_id);
    let code = "failure_getting_tenant";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let (tenant, targets) = tenants::get(&mut conn, account, tenant_id)
        .await
        .map_err(|e| OpError::Db(e).into_ibm(code))?
        .ok_or_else(|| tenant_not_found(tenant_id))?;
    audit.tenant(&tenant);
    let response = match target_id {
        Some(gid) => {
            let t = targets
                .iter()
                .find(|t| t.id == gid)
                .ok_or_else(|| target_not_found(gid))?;
            audit.target(&t.target_type, &t.host, i64::from(t.port), &t.log_sink_crn);
            if headers::if_none_match(req).is_some_and(|h| crate::etag::if_none_match(&h, &t.etag))
            {
                outbox::insert(&mut conn, &audit.event(StatusCode::NOT_MODIFIED, None))
                    .await
                    .map_err(|e| OpError::Db(e).into_ibm(code))?;
                return Ok(HttpResponse::NotModified()
                    .insert_header((actix_web::http::header::ETAG, t.etag.clone()))
                    .finish());
            }
            with_etag(StatusCode::OK, &t.etag, &Target::from_row(t))
        }
        None => HttpResponse::Ok().json(TargetList {
            targets: targets
                .iter()
                .filter(|t| name.is_none_or(|n| t.name == n))
                .map(Target::from_row)
                .collect(),
        }),
    };
    outbox::insert(&mut conn, &audit.event(StatusCode::OK, None))
        .await
        .map_err(|e| OpError::Db(e).into_ibm(code))?;
    Ok(response)
}

/// Add a target to a tenant.
#[utoipa::path(post, path = "/v1/tenants/{tenant_id}/targets", tag = "targets", operation_id = "create_target",
    request_body(content = serde_json::Value, description = "{\"log_sink_crn\", \"name\", \"parameters\": {\"host\", \"port\", \"access_credential\"}}", content_type = "application/json"),
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 201, description = "Created", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 409, description = "A target of this type exists, two targets already, or name taken", body = ErrorEnvelope),
              (status = 415, description = "Content-Type is not application/json", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Update);
    let result = create_inner(&req, &state, &caller, &path, payload, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn create_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    raw: &str,
    payload: web::Payload,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_UPDATE, "update a tenant")?;
    let account = caller.account()?;
    let (tenant_id, _) = ids(raw, None)?;
    audit.tenant_id(tenant_id);
    headers::content_type(req, false)?;
    let spec = parse_new_target(&headers::json_body(
        &headers::read_body(payload, crate::MAX_BODY_BYTES).await?,
    )?)
    .map_err(headers::spec_error)?;
    audit.target(
        spec.target_type.as_str(),
        &spec.host,
        i64::from(spec.port),
        &spec.log_sink_crn,
    );
    audit.detail(format!("create target {}", spec.name));
    let at = now();
    let row = TargetRow {
        id: Uuid::new_v4(),
        tenant_id,
        name: spec.name.clone(),
        log_sink_crn: spec.log_sink_crn.clone(),
        target_type: spec.target_type.as_str().to_owned(),
        host: spec.host.clone(),
        port: i32::from(spec.port),
        credential_sealed: seal(
            state,
            spec.access_credential.as_deref(),
            "failure_creating_target",
        )?,
        etag: String::new(),
        created_at: at,
        updated_at: at,
        trace_id: trace_id(req),
    };
    let code = "failure_creating_target";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let (_, target) = tenants::add_target(&mut conn, account, tenant_id, row, |t| {
        audit.tenant(t);
        audit.event(StatusCode::CREATED, None)
    })
    .await
    .map_err(|e| op_error(e, tenant_id, None, code))?;
    Ok(with_etag(
        StatusCode::CREATED,
        &target.etag,
        &Target::from_row(&target),
    ))
}

/// Change a target (JSON merge patch of name, log_sink_crn, parameters).
#[utoipa::path(patch, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "update_target",
    request_body(content = serde_json::Value, description = "A JSON merge patch of name, log_sink_crn and parameters (host, port, access_credential)", content_type = "application/merge-patch+json"),
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = String, Path, description = "Target id (UUID, any case)"),
           ("If-Match" = String, Header, description = "The target's ETag, as returned (or *)"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The changed target", body = Target, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header, or a type change with two targets (update_failed)", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope),
              (status = 409, description = "Name taken", body = ErrorEnvelope),
              (status = 412, description = "If-Match missing or stale", body = ErrorEnvelope),
              (status = 415, description = "Wrong Content-Type", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn update(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Update);
    let result = update_inner(&req, &state, &caller, &path.0, &path.1, payload, &mut audit).await;
    audit.settle(&state.pool, result).await
}

fn spec_of(row: &TargetRow) -> TargetSpec {
    TargetSpec {
        name: row.name.clone(),
        log_sink_crn: row.log_sink_crn.clone(),
        target_type: row.target_type.parse().unwrap_or(TargetType::Logs),
        host: row.host.clone(),
        port: u16::try_from(row.port).unwrap_or(1),
        access_credential: None,
    }
}

async fn update_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    tenant_raw: &str,
    target_raw: &str,
    payload: web::Payload,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_UPDATE, "update a tenant")?;
    let account = caller.account()?;
    let (tenant_id, target_id) = ids(tenant_raw, Some(target_raw))?;
    audit.tenant_id(tenant_id);
    headers::content_type(req, true)?;
    let patch = headers::json_body(&headers::read_body(payload, crate::MAX_BODY_BYTES).await?)?;
    let code = "failure_updating_target";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let if_match = headers::if_match(req);
    let sealer = &state.sealer;
    let trace = trace_id(req);
    let change = |current: &TargetRow, count: usize| -> Result<TargetRow, OpError> {
        let before = spec_of(current);
        let patched = apply_target_patch(&before, current.credential_sealed.is_some(), &patch)
            .map_err(|e| OpError::Rejected(Box::new(headers::spec_error(e))))?;
        let spec = patched.spec;
        if spec.target_type != before.target_type && count > 1 {
            return Err(OpError::UpdateFailed(
                "Target type cannot be changed. Only one target of each type is allowed".into(),
            ));
        }
        // A write re-seals under the current key, so CREDENTIALS_KEY rotates as targets change.
        let credential_sealed = match (
            &spec.access_credential,
            patched.drop_credential,
            &current.credential_sealed,
        ) {
            (Some(new), _, _) => Some(
                sealer
                    .seal(new)
                    .map_err(|e| OpError::Rejected(Box::new(IbmError::internal(code, e))))?,
            ),
            (None, true, _) => None,
            (None, false, Some(old)) if !sealer.is_current(old) => {
                let plain = sealer.open(old).map_err(|e| {
                    OpError::UpdateFailed(format!(
                        "The stored access credential cannot be read ({e}); send a new one"
                    ))
                })?;
                Some(
                    sealer
                        .seal(&plain)
                        .map_err(|e| OpError::Rejected(Box::new(IbmError::internal(code, e))))?,
                )
            }
            (None, false, old) => old.clone(),
        };
        let row = TargetRow {
            name: spec.name.clone(),
            log_sink_crn: spec.log_sink_crn.clone(),
            target_type: spec.target_type.as_str().to_owned(),
            host: spec.host.clone(),
            port: i32::from(spec.port),
            credential_sealed,
            updated_at: now(),
            trace_id: trace.clone(),
            ..current.clone()
        };
        Ok(row)
    };
    let record = |t: &crate::store::rows::TenantRow, g: &TargetRow| {
        audit.tenant(t);
        audit.target(&g.target_type, &g.host, i64::from(g.port), &g.log_sink_crn);
        audit.event(StatusCode::OK, None)
    };
    let result = tenants::update_target(
        &mut conn,
        account,
        tenant_id,
        target_id.unwrap_or_default(),
        if_match.as_deref(),
        change,
        record,
    )
    .await;
    let (_, target) = result.map_err(|e| op_error(e, tenant_id, target_id, code))?;
    Ok(with_etag(
        StatusCode::OK,
        &target.etag,
        &Target::from_row(&target),
    ))
}

/// Delete a target (not the tenant's last).
#[utoipa::path(delete, path = "/v1/tenants/{tenant_id}/targets/{target_id}", tag = "targets", operation_id = "delete_target",
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("target_id" = String, Path, description = "Target id (UUID, any case)"),
           ("If-Match" = Option<String>, Header, description = "Delete only if the ETag matches"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 204, description = "Deleted"),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant or target", body = ErrorEnvelope),
              (status = 409, description = "The tenant's last target", body = ErrorEnvelope),
              (status = 412, description = "If-Match stale", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn delete(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Update);
    let result = delete_inner(&req, &state, &caller, &path.0, &path.1, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn delete_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    tenant_raw: &str,
    target_raw: &str,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_UPDATE, "update a tenant")?;
    let account = caller.account()?;
    let (tenant_id, target_id) = ids(tenant_raw, Some(target_raw))?;
    audit.tenant_id(tenant_id);
    let code = "failure_deleting_target";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let if_match = headers::if_match(req);
    let trace = trace_id(req);
    tenants::delete_target(
        &mut conn,
        account,
        tenant_id,
        target_id.unwrap_or_default(),
        if_match.as_deref(),
        &trace,
        |t, g| {
            audit.tenant(t);
            audit.target(&g.target_type, &g.host, i64::from(g.port), &g.log_sink_crn);
            audit.detail(format!("delete target {}", g.name));
            audit.event(StatusCode::NO_CONTENT, None)
        },
    )
    .await
    .map_err(|e| op_error(e, tenant_id, target_id, code))?;
    Ok(HttpResponse::NoContent().finish())
}
