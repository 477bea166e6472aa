//! The caller of a request and what it may do: the actix extractor over `auth`, answering in the OCM dialect.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use auth::Principal;
use errors::ocm::OcmError;
use futures_util::future::LocalBoxFuture;

use crate::dialect::Ocm;
use crate::listing::Visibility;

pub const LOG_READ: &str = "service-logs.log.read";
pub const LOG_READ_INTERNAL: &str = "service-logs.log.read-internal";
pub const LOG_CREATE: &str = "service-logs.log.create";
pub const LOG_DELETE: &str = "service-logs.log.delete";
/// Register, read and remove cluster owners (provisioning systems).
pub const CLUSTER_MANAGE: &str = "service-logs.cluster.manage";
/// Manage the notification triggers of the caller's account (of any account, and account-less ones, with
/// `read-internal` too).
pub const TRIGGER_MANAGE: &str = "service-logs.trigger.manage";
/// Every permission this service checks (listed by `token --help`).
pub const PERMISSIONS: [&str; 6] = [
    LOG_READ,
    LOG_READ_INTERNAL,
    LOG_CREATE,
    LOG_DELETE,
    CLUSTER_MANAGE,
    TRIGGER_MANAGE,
];

/// The verified caller (authenticated by `platform::access`, refused with OCM error 15).
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let verified = platform::access::Caller::<Ocm>::from_request(req, payload);
        Box::pin(async move { verified.await.map(|c| Caller(c.principal)) })
    }
}

impl Caller {
    pub fn require(&self, permission: &str) -> Result<(), OcmError> {
        if self.0.has(permission) {
            Ok(())
        } else {
            Err(OcmError::forbidden(format!(
                "The caller lacks the '{permission}' permission"
            )))
        }
    }

    /// Passes with any one of `permissions`; the refusal names the first.
    pub fn require_any(&self, permissions: &[&str]) -> Result<(), OcmError> {
        match permissions.iter().find(|p| self.0.has(p)) {
            Some(_) => Ok(()),
            None => self.require(permissions.first().copied().unwrap_or_default()),
        }
    }

    /// Which logs the caller may read.
    pub fn visibility(&self) -> Result<Visibility, OcmError> {
        if self.0.has(LOG_READ_INTERNAL) {
            return Ok(Visibility::All);
        }
        self.require(LOG_READ)?;
        match &self.0.account {
            Some(account) => Ok(Visibility::Account(account.clone())),
            None => Err(OcmError::forbidden(
                "The token carries no account, so there are no logs it may read",
            )),
        }
    }
}
