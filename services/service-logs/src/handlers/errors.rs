//! The one place domain, list and store errors become the API's answers (OCM error bodies).

use domain_logs::service_log::RuleError;
use domain_logs::trigger::{AccountRefusal, UrlRefusal};
use errors::ocm::OcmError;

use crate::filter::SearchError;
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
            ListError::Search(e) => e.into(),
        }
    }
}

/// A search that does not parse or names a field it may not: 400, the search error code.
impl From<SearchError> for OcmError {
    fn from(e: SearchError) -> Self {
        OcmError::search(e.0)
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

/// A trigger of an account the caller may not manage: 403.
pub fn refused_account(e: AccountRefusal) -> OcmError {
    match e {
        AccountRefusal::Forbidden(reason) => OcmError::forbidden(reason),
    }
}

/// A header or field outside the body's log rules that breaks one (an idempotency key, the bulk item count):
/// 400, a plain bad request.
pub fn bad_request(e: RuleError) -> OcmError {
    OcmError::bad_request(e.0)
}

/// A webhook destination that resolves to a refused address (`actions[index].url`): 400, error 8.
pub fn refused_destination(index: usize, e: UrlRefusal) -> OcmError {
    OcmError::validation(format!("Field 'actions[{index}].url' {e}"))
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

/// `Prefer: duplicate=reject` and the log equal to `existing`, made within `window`: 409, naming the earlier log.
pub fn duplicate_log(existing: &str, window: time::Duration) -> OcmError {
    OcmError::conflict(format!(
        "This log duplicates log '{existing}' of the same cluster, created within the last {} \
         (Prefer: duplicate=reject); it was not stored",
        crate::notifications::describe_window(window)
    ))
}
