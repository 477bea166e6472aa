//! `/tenants`: list, create, read, rename and delete tenants.

use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{HttpRequest, HttpResponse, web};
use errors::ibm::IbmError;
use std::collections::HashMap;
use uuid::Uuid;

use super::{State, op_error, seal, tenant_not_found, with_etag};
use crate::access::{Caller, TENANT_CREATE, TENANT_DELETE, TENANT_READ, TENANT_UPDATE};
use crate::audit::{Action, Audit};
use crate::headers;
use crate::store::rows::{TargetRow, TenantRow, now};
use crate::store::{self, outbox, tenants};
use crate::wire::{ErrorEnvelope, Tenant, TenantList};
use domain::routing::{parse_new_tenant, parse_tenant_patch, tenant_crn};
/// The request's trace id, as the request middleware scoped it.
pub(crate) fn trace_id(_req: &HttpRequest) -> String {
    errors::context::request_id()
}

/// List the tenants of the caller's account.
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", operation_id = "list_tenants",
    params(("name" = Option<String>, Query, description = "Only the tenant with exactly this name"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The tenants, oldest first", body = TenantList),
              (status = 400, description = "Bad header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn list(
    req: HttpRequest,
    state: State,
    caller: Caller,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Read);
    let result = list_inner(&req, &state, &caller, &query, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn list_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    query: &HashMap<String, String>,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_READ, "list tenants")?;
    let account = caller.account()?;
    let code = "failure_getting_tenant_ids";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let rows = tenants::list(&mut conn, account, query.get("name").map(String::as_str))
        .await
        .map_err(|e| store::OpError::Db(e).into_ibm(code))?;
    outbox::insert(&mut conn, &audit.event(StatusCode::OK, None))
        .await
        .map_err(|e| store::OpError::Db(e).into_ibm(code))?;
    let tenants = rows
        .iter()
        .map(|(t, ts)| Tenant::from_rows(t, ts))
        .collect();
    Ok(HttpResponse::Ok().json(TenantList { tenants }))
}

/// Create a tenant with its targets.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", operation_id = "create_tenant",
    request_body(content = serde_json::Value, description = "{\"name\", \"targets\": [{\"log_sink_crn\", \"name\", \"parameters\": {\"host\", \"port\", \"access_credential\"}}]}", content_type = "application/json"),
    params(("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 201, description = "Created", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 409, description = "Tenant limit reached, name taken, or two targets of one type", body = ErrorEnvelope),
              (status = 415, description = "Content-Type is not application/json", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn create(
    req: HttpRequest,
    state: State,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Create);
    let result = create_inner(&req, &state, &caller, payload, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn create_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    payload: web::Payload,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_CREATE, "create a tenant")?;
    let account = caller.account()?.to_owned();
    headers::content_type(req, false)?;
    let spec = parse_new_tenant(&headers::json_body(
        &headers::read_body(payload, crate::MAX_BODY_BYTES).await?,
    )?)
    .map_err(headers::spec_error)?;
    if let Some(first) = spec.targets.first() {
        audit.target(
            first.target_type.as_str(),
            &first.host,
            i64::from(first.port),
            &first.log_sink_crn,
        );
    }
    let id = Uuid::new_v4();
    audit.tenant_id(id);
    let (at, trace) = (now(), trace_id(req));
    let tenant = TenantRow {
        id,
        crn: tenant_crn(&state.region, &account, id),
        account_id: account,
        name: spec.name.clone(),
        etag: String::new(),
        created_at: at,
        updated_at: at,
        trace_id: trace.clone(),
    };
    // Targets get distinct creation times so "oldest first" is the order the client sent them in.
    let targets = spec
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| -> Result<TargetRow, IbmError> {
            Ok(TargetRow {
                id: Uuid::new_v4(),
                tenant_id: id,
                name: t.name.clone(),
                log_sink_crn: t.log_sink_crn.clone(),
                target_type: t.target_type.as_str().to_owned(),
                host: t.host.clone(),
                port: i32::from(t.port),
                credential_sealed: seal(
                    state,
                    t.access_credential.as_deref(),
                    "failure_creating_tenant",
                )?,
                etag: String::new(),
                created_at: at + time::Duration::microseconds(i64::try_from(i).unwrap_or(0)),
                updated_at: at + time::Duration::microseconds(i64::try_from(i).unwrap_or(0)),
                trace_id: trace.clone(),
            })
        })
        .collect::<Result<Vec<TargetRow>, IbmError>>()?;
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm("failure_creating_tenant"))?;
    let (tenant, targets) =
        tenants::create(&mut conn, state.tenants_per_account, tenant, targets, |t| {
            audit.tenant(t);
            audit.event(StatusCode::CREATED, None)
        })
        .await
        .map_err(|e| op_error(e, id, None, "failure_creating_tenant"))?;
    Ok(with_etag(
        StatusCode::CREATED,
        &tenant.etag,
        &Tenant::from_rows(&tenant, &targets),
    ))
}

/// Read a tenant.
#[utoipa::path(get, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "get_tenant",
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("If-None-Match" = Option<String>, Header, description = "Answer 304 when the ETag matches"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The tenant", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 304, description = "Not modified", headers(("ETag" = String, description = "The resource's strong entity tag"))),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant in the caller's account", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Read);
    let result = get_inner(&req, &state, &caller, &path, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn get_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    raw_id: &str,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_READ, "read a tenant")?;
    let account = caller.account()?;
    let id = headers::path_id("tenant_id", raw_id)?;
    audit.tenant_id(id);
    let code = "failure_getting_tenant";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let (tenant, targets) = tenants::get(&mut conn, account, id)
        .await
        .map_err(|e| store::OpError::Db(e).into_ibm(code))?
        .ok_or_else(|| tenant_not_found(id))?;
    audit.tenant(&tenant);
    let not_modified =
        headers::if_none_match(req).is_some_and(|h| crate::etag::if_none_match(&h, &tenant.etag));
    let status = if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    outbox::insert(&mut conn, &audit.event(status, None))
        .await
        .map_err(|e| store::OpError::Db(e).into_ibm(code))?;
    if not_modified {
        return Ok(HttpResponse::NotModified()
            .insert_header((ETAG, tenant.etag.clone()))
            .finish());
    }
    Ok(with_etag(
        StatusCode::OK,
        &tenant.etag,
        &Tenant::from_rows(&tenant, &targets),
    ))
}

/// Rename a tenant (only `name` may change).
#[utoipa::path(patch, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "update_tenant",
    request_body(content = serde_json::Value, description = "{\"name\": \"...\"}", content_type = "application/merge-patch+json"),
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("If-Match" = String, Header, description = "The tenant's ETag, as returned (or *)"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 200, description = "The renamed tenant", body = Tenant, headers(("ETag" = String, description = "The resource's strong entity tag, for If-Match"))),
              (status = 400, description = "Invalid field, id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
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
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Update);
    let result = update_inner(&req, &state, &caller, &path, payload, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn update_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    raw_id: &str,
    payload: web::Payload,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_UPDATE, "update a tenant")?;
    let account = caller.account()?;
    let id = headers::path_id("tenant_id", raw_id)?;
    audit.tenant_id(id);
    headers::content_type(req, true)?;
    let name = parse_tenant_patch(&headers::json_body(
        &headers::read_body(payload, crate::MAX_BODY_BYTES).await?,
    )?)
    .map_err(headers::spec_error)?;
    let code = "failure_updating_tenant";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let if_match = headers::if_match(req);
    let (tenant, targets) = tenants::rename(
        &mut conn,
        account,
        id,
        if_match.as_deref(),
        &name,
        &trace_id(req),
        |t| {
            audit.tenant(t);
            audit.event(StatusCode::OK, None)
        },
    )
    .await
    .map_err(|e| op_error(e, id, None, code))?;
    Ok(with_etag(
        StatusCode::OK,
        &tenant.etag,
        &Tenant::from_rows(&tenant, &targets),
    ))
}

/// Delete a tenant and its targets.
#[utoipa::path(delete, path = "/v1/tenants/{tenant_id}", tag = "tenants", operation_id = "delete_tenant",
    params(("tenant_id" = String, Path, description = "Tenant id (UUID, any case)"),
           ("If-Match" = Option<String>, Header, description = "Delete only if the ETag matches"),
           ("IBM-API-Version" = Option<String>, Header, description = "API version date, YYYY-MM-DD")),
    responses((status = 204, description = "Deleted"),
              (status = 400, description = "Bad id or header", body = ErrorEnvelope),
              (status = 401, description = "Not authenticated", body = ErrorEnvelope),
              (status = 403, description = "Not authorized", body = ErrorEnvelope),
              (status = 404, description = "No such tenant", body = ErrorEnvelope),
              (status = 412, description = "If-Match stale", body = ErrorEnvelope),
              (status = 500, description = "Internal error", body = ErrorEnvelope),
              (status = 503, description = "Database unavailable", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn delete(
    req: HttpRequest,
    state: State,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, IbmError> {
    let mut audit = Audit::begin(&req, &state.region, &caller, Action::Delete);
    let result = delete_inner(&req, &state, &caller, &path, &mut audit).await;
    audit.settle(&state.pool, result).await
}

async fn delete_inner(
    req: &HttpRequest,
    state: &State,
    caller: &Caller,
    raw_id: &str,
    audit: &mut Audit,
) -> Result<HttpResponse, IbmError> {
    headers::preflight(req)?;
    caller.require(TENANT_DELETE, "delete a tenant")?;
    let account = caller.account()?;
    let id = headers::path_id("tenant_id", raw_id)?;
    audit.tenant_id(id);
    let code = "failure_deleting_tenant";
    let mut conn = store::conn(&state.pool)
        .await
        .map_err(|e| e.into_ibm(code))?;
    let if_match = headers::if_match(req);
    tenants::delete(&mut conn, account, id, if_match.as_deref(), |t| {
        audit.tenant(t);
        audit.event(StatusCode::NO_CONTENT, None)
    })
    .await
    .map_err(|e| op_error(e, id, None, code))?;
    Ok(HttpResponse::NoContent().finish())
}
