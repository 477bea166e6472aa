//! HTTP handlers, one file per resource. Every handler is one [`Call::run`]: the wrapper opens the audit event,
//! runs the checks every call starts with (headers, permission, account), runs the handler's own lines, maps a
//! failure to its IBM error (`errors`) and records the failure event, so a call with a valid token always leaves
//! exactly one event, whichever line refused it.

pub mod errors;
pub mod targets;
pub mod tenants;

use self::errors::ApiError;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::ETAG;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use std::collections::BTreeMap;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, response::Response};

use crate::access::{Caller, TENANT_CREATE, TENANT_DELETE, TENANT_READ, TENANT_UPDATE};
use crate::audit::{Action, Audit};
use crate::client_address::client_address;
use crate::headers;
use ::errors::ibm::{IbmError, code};
use domain_routing::PatchedTarget;
use domain_routing::tenant::{CredentialPlan, SealedUnder, credential_plan};
use sealing::Sealer;

pub type State = web::Data<crate::AppState>;

/// The API's ten operations: what each is audited as, needs, and answers with on a 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    ListTenants,
    CreateTenant,
    GetTenant,
    UpdateTenant,
    DeleteTenant,
    ListTargets,
    GetTarget,
    CreateTarget,
    UpdateTarget,
    DeleteTarget,
}

impl Op {
    fn action(self) -> Action {
        match self {
            Op::ListTenants | Op::GetTenant | Op::ListTargets | Op::GetTarget => Action::Read,
            Op::CreateTenant => Action::Create,
            Op::DeleteTenant => Action::Delete,
            Op::UpdateTenant | Op::CreateTarget | Op::UpdateTarget | Op::DeleteTarget => {
                Action::Update
            }
        }
    }

    /// The permission, and what the 403 says the caller may not do.
    fn permission(self) -> (&'static str, &'static str) {
        match self {
            Op::ListTenants => (TENANT_READ, "list tenants"),
            Op::GetTenant | Op::ListTargets | Op::GetTarget => (TENANT_READ, "read a tenant"),
            Op::CreateTenant => (TENANT_CREATE, "create a tenant"),
            Op::DeleteTenant => (TENANT_DELETE, "delete a tenant"),
            Op::UpdateTenant | Op::CreateTarget | Op::UpdateTarget | Op::DeleteTarget => {
                (TENANT_UPDATE, "update a tenant")
            }
        }
    }

    fn failure_code(self) -> &'static str {
        match self {
            Op::ListTenants => code::FAILURE_GETTING_TENANT_IDS,
            Op::GetTenant | Op::ListTargets | Op::GetTarget => code::FAILURE_GETTING_TENANT,
            Op::CreateTenant => code::FAILURE_CREATING_TENANT,
            Op::UpdateTenant => code::FAILURE_UPDATING_TENANT,
            Op::DeleteTenant => code::FAILURE_DELETING_TENANT,
            Op::CreateTarget => code::FAILURE_CREATING_TARGET,
            Op::UpdateTarget => code::FAILURE_UPDATING_TARGET,
            Op::DeleteTarget => code::FAILURE_DELETING_TARGET,
        }
    }
}

/// What every handler starts from: the request, the app state and the verified caller (a failed token is a 401
/// before any handler runs, and is not audited).
pub struct Call {
    pub req: HttpRequest,
    pub state: State,
    pub caller: Caller,
}

impl FromRequest for Call {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let caller = Caller::from_request(&req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            let state = req
                .app_data::<State>()
                .cloned()
                .ok_or_else(|| IbmError::internal(code::INTERNAL_ERROR, "no AppState"))?;
            Ok(Call { req, state, caller })
        })
    }
}

impl Call {
    /// Runs one audited call: `work` gets the audit event to fill in and the caller's account, after the checks
    /// every call starts with (`X-Trace-ID` and `IBM-API-Version`, the permission, an account on the token). A
    /// failure becomes its IBM error here (`errors`), and its event is recorded.
    pub async fn run<F>(&self, op: Op, work: F) -> Result<HttpResponse, IbmError>
    where
        F: AsyncFnOnce(&mut Audit, &str) -> Result<HttpResponse, ApiError>,
    {
        let (req, caller) = (&self.req, &self.caller);
        let address = self.client_address();
        let mut audit = Audit::begin(&self.state.region, caller, op.action(), address);
        let result = async {
            headers::preflight(req)?;
            let (permission, what) = op.permission();
            caller.require(permission, what)?;
            work(&mut audit, caller.account()?).await
        }
        .await
        .map_err(|e| e.into_ibm(op.failure_code()));
        audit.settle(&self.state.pool, result).await
    }

    /// The client's address for the audit trail: the peer's, or what trusted proxies forwarded.
    fn client_address(&self) -> String {
        // An unreadable line makes the whole header untrustworthy: it is then ignored.
        let lines: Option<Vec<&str>> = (self.req.headers().get_all("x-forwarded-for"))
            .map(|v| v.to_str().ok())
            .collect();
        let forwarded = lines.filter(|l| !l.is_empty()).map(|l| l.join(","));
        let peer = self.req.peer_addr().map(|a| a.ip());
        client_address(peer, forwarded.as_deref(), &self.state.trusted_proxies)
    }

    /// The request's trace id, which rows written by it keep.
    pub fn trace_id(&self) -> String {
        ::errors::context::request_id()
    }

    /// Seals an access credential for storage; `None` stays `None`.
    pub fn seal(&self, credential: Option<&str>) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(credential.map(|c| self.state.sealer.seal(c)).transpose()?)
    }
}

/// The sealed credential a patched target keeps: what `domain_routing::tenant::credential_plan` decides for
/// `patched`, given the value `stored`.
pub fn sealed_after(
    sealer: &Sealer,
    patched: &PatchedTarget,
    stored: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, ApiError> {
    let under = stored.map(|c| {
        if sealer.is_current(c) {
            SealedUnder::Current
        } else {
            SealedUnder::Previous
        }
    });
    Ok(match (credential_plan(patched, under), stored) {
        (CredentialPlan::Seal(new), _) => Some(sealer.seal(new)?),
        (CredentialPlan::Drop, _) => None,
        (CredentialPlan::Reseal, Some(old)) => Some(sealer.seal(&sealer.open(old)?)?),
        (CredentialPlan::Reseal | CredentialPlan::Keep, _) => stored.map(<[u8]>::to_vec),
    })
}

/// A single-resource answer: the body and its `ETag` header.
pub fn with_etag<T: serde::Serialize>(status: StatusCode, etag: &str, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((ETAG, etag.to_owned()))
        .json(body)
}

/// A 304 with the resource's `ETag`.
pub fn not_modified(etag: &str) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header((ETAG, etag.to_owned()))
        .finish()
}

/// The error answers every endpoint shares (401, 403, 500, 503), declared once for the OpenAPI document.
pub struct CommonErrors;

/// The `IBM-API-Version` header every operation takes (checked by `headers::preflight`), declared once for the
/// OpenAPI document: `params(..., ApiVersion)`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ApiVersion {
    /// API version date, YYYY-MM-DD, not after today
    #[param(
        rename = "IBM-API-Version",
        value_type = String,
        required = false,
        pattern = r"^(19[0-9]{2}|20[01][0-9]|202[0-5])-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"
    )]
    pub version: Option<String>,
}

impl utoipa::IntoResponses for CommonErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        [
            (401, "Not authenticated"),
            (403, "Not authorized"),
            (500, "Internal error"),
            (503, "Database unavailable"),
        ]
        .into_iter()
        .map(|(status, description)| {
            let body = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content("application/json", body)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
    }
}
