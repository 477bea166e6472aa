//! The one place the router's outcomes become IBM errors: the rules' refusals (`domain_routing`), the store's
//! (`store::StoreError`), the credential sealing's, and the operation's failure code for a 500.

use ::errors::ibm::{IbmError, Target, code};
use actix_web::http::StatusCode;
use domain_routing::{FieldError, SpecError, TenantRuleError, format_id};
use uuid::Uuid;

use crate::store::{StoreError, TxError, Unique};

/// Why a call failed, before it is told in the IBM dialect.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Already an IBM error (headers, permissions, bodies that are not JSON).
    #[error(transparent)]
    Ibm(#[from] IbmError),
    /// A body broke a rule.
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Sealing a credential failed (a 500).
    #[error(transparent)]
    Seal(#[from] sealing::SealError),
    /// The stored credential of a target cannot be opened with either key.
    #[error(transparent)]
    StoredCredential(#[from] sealing::OpenError),
}

/// A transaction's failure: the store's, or the handler's own step refusing (already an [`ApiError`]).
impl From<TxError<ApiError>> for ApiError {
    fn from(e: TxError<ApiError>) -> Self {
        match e {
            TxError::Store(e) => ApiError::Store(e),
            TxError::Change(e) => e,
        }
    }
}

impl ApiError {
    /// The IBM error; `failure_code` is the operation's code for a 500.
    pub fn into_ibm(self, failure_code: &'static str) -> IbmError {
        match self {
            ApiError::Ibm(e) => e,
            ApiError::Spec(e) => spec_error(e),
            ApiError::Store(e) => store_error(e, failure_code),
            ApiError::Seal(e) => IbmError::internal(failure_code, e),
            ApiError::StoredCredential(e) => update_failed(format!(
                "The stored access credential cannot be read ({e}); send a new one"
            )),
        }
    }
}

fn store_error(e: StoreError, failure_code: &'static str) -> IbmError {
    match e {
        StoreError::TenantNotFound(id) => tenant_not_found(id),
        StoreError::TargetNotFound(id) => target_not_found(id),
        StoreError::Precondition => precondition_failed(),
        StoreError::Rule(TenantRuleError::TypeChange) => {
            update_failed(TenantRuleError::TypeChange.to_string())
        }
        StoreError::Rule(rule) => conflict(rule.to_string()),
        StoreError::Taken(Unique::TenantName) => {
            conflict("A tenant with this name already exists in the account.")
        }
        StoreError::Taken(Unique::TargetName) => {
            conflict("A target with this name already exists in the tenant.")
        }
        StoreError::Taken(Unique::TargetType) => conflict(
            "The tenant already has a target of this type. Only one target of each type is allowed.",
        ),
        StoreError::Unavailable(detail) => IbmError::unavailable(detail),
        e @ (StoreError::Corrupt(_) | StoreError::Pool(_) | StoreError::Db(_)) => {
            IbmError::internal(failure_code, e)
        }
    }
}

fn conflict(message: impl Into<String>) -> IbmError {
    IbmError::new(StatusCode::CONFLICT, code::CONFLICT, message)
}

fn update_failed(message: impl Into<String>) -> IbmError {
    IbmError::new(StatusCode::BAD_REQUEST, code::UPDATE_FAILED, message)
}

pub fn tenant_not_found(id: Uuid) -> IbmError {
    IbmError::new(
        StatusCode::NOT_FOUND,
        code::TENANT_ID_NOT_FOUND,
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
        code::TARGET_ID_NOT_FOUND,
        format!(
            "The target ID specified ({}) was not found in the database.",
            format_id(id)
        ),
    )
    .with_target(Target::parameter("target_id"))
}

pub fn precondition_failed() -> IbmError {
    IbmError::new(
        StatusCode::PRECONDITION_FAILED,
        code::PRECONDITION_FAILED,
        "The content of the 'If-Match' header does not match the expectation.",
    )
    .with_target(Target::header("If-Match"))
}

fn field_error(e: FieldError) -> IbmError {
    IbmError::new(
        StatusCode::BAD_REQUEST,
        code::INCORRECT_FIELD,
        format!("The value for '{}' is not valid. {}", e.field, e.message),
    )
    .with_target(Target::field(e.field))
}

fn spec_error(e: SpecError) -> IbmError {
    match e {
        SpecError::Field(f) => field_error(f),
        SpecError::DuplicateType(t) => conflict(format!(
            "A tenant can have only one target of type '{}'.",
            t.as_str()
        ))
        .with_target(Target::field("targets")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain_routing::TargetType;

    #[test]
    fn rules_and_constraints_map_to_their_answers() {
        let cases = [
            (
                StoreError::Rule(TenantRuleError::TypeChange),
                StatusCode::BAD_REQUEST,
                code::UPDATE_FAILED,
            ),
            (
                StoreError::Rule(TenantRuleError::LastTarget),
                StatusCode::CONFLICT,
                code::CONFLICT,
            ),
            (
                StoreError::Rule(TenantRuleError::TypeTaken(TargetType::Logs)),
                StatusCode::CONFLICT,
                code::CONFLICT,
            ),
            (
                StoreError::Taken(Unique::TargetName),
                StatusCode::CONFLICT,
                code::CONFLICT,
            ),
            (
                StoreError::Precondition,
                StatusCode::PRECONDITION_FAILED,
                code::PRECONDITION_FAILED,
            ),
            (
                StoreError::Unavailable("down".into()),
                StatusCode::SERVICE_UNAVAILABLE,
                code::SERVICE_UNAVAILABLE,
            ),
            (
                StoreError::Corrupt("x".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
                code::FAILURE_UPDATING_TARGET,
            ),
        ];
        for (e, status, c) in cases {
            let ibm = ApiError::from(e).into_ibm(code::FAILURE_UPDATING_TARGET);
            assert_eq!((ibm.status, ibm.code), (status, c), "{ibm}");
        }
    }
}
