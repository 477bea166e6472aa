//! The one place domain, list and store errors become the API's answers (OCM error bodies).

use domain_logs::service_log::RuleError;
use errors::ocm::OcmError;

use crate::listing::ListError;
use crate::store::StoreError;

impl From<StoreError> for OcmError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => OcmError::unavailable(e),
            StoreError::NotFound => OcmError::not_found("The requested resource does not exist"),
            StoreError::Failed(_) => OcmError::internal(e),
        }
    }
}

impl From<ListError> for OcmError {
    fn from(e: ListError) -> Self {
        match e {
            ListError::Param(reason) => OcmError::bad_request(reason),
            ListError::Search(e) => OcmError::search(e.0),
        }
    }
}

impl ListError {
    /// The answer for bad list parameters.
    pub fn into_ocm(self) -> OcmError {
        self.into()
    }
}

/// A create body that breaks a rule of a new log: 400, error 8.
pub fn broken_rule(e: RuleError) -> OcmError {
    OcmError::validation(e.0)
}

/// An idempotency key used before with another body: 422, error 8.
pub fn key_mismatch() -> OcmError {
    OcmError::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        errors::ocm::Code::Validation,
        "This Idempotency-Key was already used with a different request body",
    )
}

/// An idempotency key another request is being served under right now: 409, error 6.
pub fn key_in_progress() -> OcmError {
    OcmError::conflict("A request with this Idempotency-Key is being processed; retry later")
}
