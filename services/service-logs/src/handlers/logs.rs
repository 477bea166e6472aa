//! `/cluster_logs`: create, list, read and delete logs.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use auth::Principal;
use domain_logs::owner;
use domain_logs::service_log::{self, LogInput};
use errors::ocm::OcmError;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::errors::{bad_request, broken_rule, duplicate_log, key_in_progress, key_mismatch};
use super::{Params, Pool, lists};
use crate::access::{Caller, LOG_CREATE, LOG_DELETE};
use crate::group_commit::GroupCommit;
use crate::listing::{ClusterScope, ListQuery};
use crate::notifications::Notifier;
use crate::store;
use crate::store::idempotency::KeyClaim;
use crate::store::logs::{NewLog, Stored};
use crate::store::rows::LogRow;
use crate::wire::{ClusterLog, ClusterLogList, ClusterLogRequest, Error};

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const PREFER: &str = "Prefer";

/// Create a new log record.
#[utoipa::path(
    post, path = "/api/service_logs/v1/cluster_logs", tag = "cluster_logs",
    request_body(content = ClusterLogRequest, description = "severity, service_name, summary and one of cluster_id/cluster_uuid are required"),
    params(
        ("Idempotency-Key" = Option<String>, Header, nullable = false, description = "Repeat-safe create: the same key and body answer the first 201 again"),
        ("Prefer" = Option<String>, Header, nullable = false, description = "Ours: `duplicate=reject` refuses (409) a log equal to one of the same cluster created within NOTIFICATION_DUPLICATE_WINDOW"),
    ),
    responses(
        (status = 201, description = "Created", body = ClusterLog),
        (status = 400, description = "Invalid body", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.create", body = Error),
        (status = 409, description = "A request with the same Idempotency-Key is in progress, or (Prefer: duplicate=reject) the log duplicates a recent one", body = Error),
        (status = 413, description = "Body too large", body = Error),
        (status = 415, description = "Not JSON", body = Error),
        (status = 422, description = "Idempotency-Key reused with another body", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    req: HttpRequest,
    pool: Pool,
    creates: web::Data<GroupCommit>,
    caller: Caller,
    notifier: web::Data<Notifier>,
    body: web::Json<Value>,
) -> Result<HttpResponse, OcmError> {
    caller.require(LOG_CREATE)?;
    let body = body.into_inner();
    if !body.is_object() {
        return Err(OcmError::bad_request("Request body must be a JSON object"));
    }
    let key = idempotency_key(&req)?;
    let new = prepare(
        body,
        key,
        &caller.0,
        OffsetDateTime::now_utc(),
        "Request body",
    )?;
    if rejects_duplicates(&req) {
        let mut conn = store::conn(&pool).await?;
        let key = new.key.as_ref().map(|k| k.key.as_str());
        let window = notifier.queueing.duplicate_window;
        let duplicate = store::notifications::duplicate_to_refuse(
            &mut conn,
            &new.row,
            window,
            &caller.0.subject,
            key,
        )
        .await?;
        if let Some(existing) = duplicate {
            return Err(duplicate_log(&existing, window));
        }
    }
    // Coalesced with concurrent creates into one transaction (`group_commit`).
    let created = match creates.create(new).await? {
        Stored::Created(log) | Stored::Replayed(log) => log,
        Stored::Mismatch => return Err(key_mismatch()),
        Stored::InProgress => return Err(key_in_progress()),
    };
    let out = ClusterLog::from_row(created, None);
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, out.href.clone()))
        .json(out))
}

/// A create body (a JSON object), its idempotency key and its caller made into the log to store: the rules of a
/// new log (`domain_logs`), the values the server sets, the owner it teaches and the key's claim. `what` names the
/// body in a parse error (`Request body`, `Item`). Used by the single and the bulk create alike.
pub(crate) fn prepare(
    body: Value,
    key: Option<String>,
    p: &Principal,
    now: OffsetDateTime,
    what: &str,
) -> Result<NewLog, OcmError> {
    // Only a keyed create needs the body's fingerprint.
    let request_hash = key
        .as_ref()
        .map(|_| hex::encode(Sha256::digest(body.to_string().as_bytes())));
    let input: LogInput = serde_json::from_value(body)
        .map_err(|e| OcmError::bad_request(format!("{what} is not a valid log: {e}")))?;
    let log = input.validate().map_err(broken_rule)?;
    let learned = owner::learned_from(&log);
    let row = LogRow {
        id: domain::ids::new_ksuid(),
        cluster_uuid: log.cluster_uuid,
        cluster_id: log.cluster_id,
        subscription_id: log.subscription_id,
        account_id: log.account_id,
        severity: log.severity.as_str().to_owned(),
        service_name: log.service_name,
        summary: log.summary,
        description: log.description,
        internal_only: log.internal_only,
        log_type: log.log_type,
        doc_references: log.doc_references,
        event_stream_id: log.event_stream_id.unwrap_or_else(domain::ids::new_ksuid),
        timestamp: log.timestamp.unwrap_or(now),
        username: log.username,
        created_at: now,
        created_by: p.created_by().to_owned(),
        email: p.email.clone().unwrap_or_default(),
        first_name: p.given_name.clone().unwrap_or_default(),
        last_name: p.family_name.clone().unwrap_or_default(),
    };
    Ok(NewLog {
        row,
        learned,
        key: key.map(|key| KeyClaim {
            caller: p.subject.clone(),
            key,
            request_hash: request_hash.unwrap_or_default(),
        }),
    })
}

/// `Prefer: duplicate=reject` (ours): refuse a log equal to a recent one of the same cluster instead of storing it.
fn rejects_duplicates(req: &HttpRequest) -> bool {
    req.headers().get_all(PREFER).any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',').any(|p| {
                let p: String = p.chars().filter(|c| !c.is_whitespace()).collect();
                p.eq_ignore_ascii_case("duplicate=reject")
                    || p.eq_ignore_ascii_case("duplicate=\"reject\"")
            })
        })
    })
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, OcmError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| OcmError::bad_request("Header 'Idempotency-Key' must be visible ASCII"))?
        .trim();
    // The IETF draft writes the key as a structured-field string: accept it quoted or bare.
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(key);
    service_log::idempotency_key(key, "Header 'Idempotency-Key'")
        .map(Some)
        .map_err(bad_request)
}

/// Get all service logs the caller may see.
#[utoipa::path(
    get, path = "/api/service_logs/v1/cluster_logs", tag = "cluster_logs",
    params(
        ("page" = Option<i64>, Query, minimum = 1, description = "Page number, from 1"),
        ("size" = Option<i64>, Query, minimum = -1, description = "Items per page (default 100; -1 or above 65500 mean 65500; 0 only counts)"),
        ("orderBy" = Option<String>, Query, description = "Comma-separated 'field [asc|desc]'; default newest first"),
        ("order" = Option<String>, Query, description = "Same as orderBy (the Go SDK's name)"),
        ("search" = Option<String>, Query, description = "Tree-search-language filter, e.g. service_name = 'x' and internal_only = 'true'"),
        ("fields" = Option<String>, Query, description = "Comma-separated fields to return (id, kind, href always)"),
        ("format" = Option<String>, Query, description = "json (default) or csv"),
        ("fetchAccounts" = Option<String>, Query, description = "Accepted and ignored (any value)"),
    ),
    responses(
        (status = 200, description = "A page of logs (or CSV with format=csv)", body = ClusterLogList),
        (status = 400, description = "Invalid parameter or search", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.read", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn list(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    let visibility = caller.visibility()?;
    let query = ListQuery::from_params(&params)?;
    lists::respond(&pool, visibility, ClusterScope::Any, query).await
}

/// Get log by record id.
#[utoipa::path(
    get, path = "/api/service_logs/v1/cluster_logs/{id}", tag = "cluster_logs",
    params(("id" = String, Path, description = "The log's KSUID")),
    responses(
        (status = 200, description = "The log", body = ClusterLog),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.read", body = Error),
        (status = 404, description = "No such log, or not one the caller may see", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    pool: Pool,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    let visibility = caller.visibility()?;
    let id = id.into_inner();
    let not_found = || OcmError::not_found(format!("Log with id '{id}' not found"));
    if !domain::ids::is_ksuid(&id) {
        return Err(not_found());
    }
    let mut conn = store::conn(&pool).await?;
    let row = store::logs::find(&mut conn, &id, &visibility).await?;
    let row = row.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(ClusterLog::from_row(row, None)))
}

/// Delete log record by record id.
#[utoipa::path(
    delete, path = "/api/service_logs/v1/cluster_logs/{id}", tag = "cluster_logs",
    params(("id" = String, Path, description = "The log's KSUID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.delete", body = Error),
        (status = 404, description = "No such log", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    pool: Pool,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    caller.require(LOG_DELETE)?;
    let id = id.into_inner();
    let not_found = || OcmError::not_found(format!("Log with id '{id}' not found"));
    if !domain::ids::is_ksuid(&id) {
        return Err(not_found());
    }
    let mut conn = store::conn(&pool).await?;
    if store::logs::delete(&mut conn, &id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found())
    }
}
