//! HTTP handlers, one file per resource: check headers and permission, parse, call the store, shape the answer.
//! Each public handler runs its work in an `_inner` function and settles the audit event with the result, so a
//! failure after a valid token is always recorded.

pub mod targets;
pub mod tenants;

use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{HttpResponse, web};
use errors::ibm::{IbmError, Target};
use uuid::Uuid;

use crate::AppState;
use crate::store::OpError;
use domain::routing::format_id;

pub type State = web::Data<AppState>;

pub fn tenant_not_found(id: Uuid) -> IbmError {
    IbmError::new(
        StatusCode::NOT_FOUND,
        "tenant_id_not_found",
        format!(
            "The tenant ID specified ({}) was not found in the database.",
            format_id(id)
        ),
    )
    .with_target(Target::parameter("tenant_id"))
}

pub fn target_not_found(id: Uuid) -> IbmError {
    IbmError::new(
        StatusCode::NOT_FOUND,
        "target_id_not_found",
        format!(
            "The target ID specified ({}) was not found in the database.",
            format_id(id)
        ),
    )
    .with_target(Target::parameter("target_id"))
}

/// The answer for a store outcome that is not a success.
pub fn op_error(
    e: OpError,
    tenant_id: Uuid,
    target_id: Option<Uuid>,
    failure_code: &'static str,
) -> IbmError {
    match e {
        OpError::TenantNotFound => tenant_not_found(tenant_id),
        OpError::TargetNotFound => target_not_found(target_id.unwrap_or(tenant_id)),
        OpError::Precondition => crate::headers::precondition_failed(),
        OpError::Conflict(m) => IbmError::new(StatusCode::CONFLICT, "conflict", m),
        OpError::UpdateFailed(m) => IbmError::new(StatusCode::BAD_REQUEST, "update_failed", m),
        other => other.into_ibm(failure_code),
    }
}

/// A single-resource answer: the body and its `ETag` header.
pub fn with_etag<T: serde::Serialize>(status: StatusCode, etag: &str, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((ETAG, etag.to_owned()))
        .json(body)
}

/// Seals an access credential for storage; `None` stays `None`.
pub fn seal(
    state: &AppState,
    credential: Option<&str>,
    failure_code: &'static str,
) -> Result<Option<Vec<u8>>, IbmError> {
    credential
        .map(|c| {
            state
                .sealer
                .seal(c)
                .map_err(|e| IbmError::internal(failure_code, e))
        })
        .transpose()
}
