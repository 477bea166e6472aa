//! The caller of a request and what it may do: the actix extractor over `auth`, answering in the IBM dialect.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use auth::Principal;
use errors::ibm::{IbmError, code};
use futures_util::future::LocalBoxFuture;

use crate::dialect::Ibm;

pub const TENANT_READ: &str = "logs-router.tenant.read";
pub const TENANT_CREATE: &str = "logs-router.tenant.create";
pub const TENANT_UPDATE: &str = "logs-router.tenant.update";
pub const TENANT_DELETE: &str = "logs-router.tenant.delete";
/// Every permission this service checks (listed by `token --help`).
pub const PERMISSIONS: [&str; 4] = [TENANT_READ, TENANT_CREATE, TENANT_UPDATE, TENANT_DELETE];

/// The verified caller (authenticated by `platform::access`, refused with
/// `failure_getting_authorization_claims`).
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verified = platform::access::Caller::<Ibm>::from_request(req, payload);
        Box::pin(async move { verified.await.map(|c| Caller(c.principal)) })
    }
}

impl Caller {
    /// The caller's account; a token without one may do nothing here.
    pub fn account(&self) -> Result<&str, IbmError> {
        self.0.account.as_deref().ok_or_else(|| {
            IbmError::new(
                StatusCode::FORBIDDEN,
                code::NOT_AUTHORIZED,
                "The specified token does not carry an account.",
            )
        })
    }

    /// `what` completes "does not have authority to ...", e.g. "create a tenant".
    pub fn require(&self, permission: &str, what: &str) -> Result<(), IbmError> {
        if self.0.has(permission) {
            Ok(())
        } else {
            Err(IbmError::new(
                StatusCode::FORBIDDEN,
                code::NOT_AUTHORIZED,
                format!("The specified token does not have authority to {what}."),
            ))
        }
    }
}
