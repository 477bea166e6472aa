//! The IBM Cloud error envelope:
//! `{"errors":[{"code":"...","message":"...","more_info":"...","target":{"type":"...","name":"..."}}],"status_code":404,"trace":"<uuid>"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

use crate::{RenderedError, context};

/// Where clients read about error codes.
pub const MORE_INFO: &str = "https://cloud.ibm.com/docs/logs-router?topic=logs-router-api-errors";

/// Every `code` this API answers, in one place (snake_case, as IBM's services write them).
pub mod code {
    // refusals of a request
    pub const BAD_REQUEST: &str = "bad_request";
    pub const CONFLICT: &str = "conflict";
    pub const FAILURE_GETTING_AUTHORIZATION_CLAIMS: &str = "failure_getting_authorization_claims";
    pub const INCORRECT_FIELD: &str = "incorrect_field";
    pub const INCORRECT_OR_MISSING_HEADER: &str = "incorrect_or_missing_header";
    pub const INCORRECT_PARAMETER: &str = "incorrect_parameter";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const NOT_AUTHORIZED: &str = "not_authorized";
    pub const NOT_FOUND: &str = "not_found";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const PRECONDITION_FAILED: &str = "precondition_failed";
    pub const TARGET_ID_NOT_FOUND: &str = "target_id_not_found";
    pub const TENANT_ID_NOT_FOUND: &str = "tenant_id_not_found";
    pub const UPDATE_FAILED: &str = "update_failed";
    // the service's own failures: a 503, and the 500s (one per operation, plus actix's own)
    pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";
    pub const INTERNAL_ERROR: &str = "internal_error";
    pub const FAILURE_GETTING_TENANT_IDS: &str = "failure_getting_tenant_ids";
    pub const FAILURE_GETTING_TENANT: &str = "failure_getting_tenant";
    pub const FAILURE_CREATING_TENANT: &str = "failure_creating_tenant";
    pub const FAILURE_UPDATING_TENANT: &str = "failure_updating_tenant";
    pub const FAILURE_DELETING_TENANT: &str = "failure_deleting_tenant";
    pub const FAILURE_CREATING_TARGET: &str = "failure_creating_target";
    pub const FAILURE_UPDATING_TARGET: &str = "failure_updating_target";
    pub const FAILURE_DELETING_TARGET: &str = "failure_deleting_target";
}

/// What an error points at: a field of the body, a path or query parameter, or a header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
}

impl Target {
    pub fn field(name: impl Into<String>) -> Self {
        Self {
            kind: "field",
            name: name.into(),
        }
    }
    pub fn parameter(name: impl Into<String>) -> Self {
        Self {
            kind: "parameter",
            name: name.into(),
        }
    }
    pub fn header(name: impl Into<String>) -> Self {
        Self {
            kind: "header",
            name: name.into(),
        }
    }
}

/// An error answered in the IBM dialect. `code` is snake_case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IbmError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub target: Option<Target>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ErrorItem {
    pub code: &'static str,
    pub message: String,
    pub more_info: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ErrorEnvelope {
    pub errors: Vec<ErrorItem>,
    pub status_code: u16,
    pub trace: String,
}

impl IbmError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }
    pub fn with_target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }
    /// A 500 whose message never carries internal detail; the detail goes to the log only.
    pub fn internal(code: &'static str, detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            "An unexpected error occurred; quote the trace id when reporting it",
        )
    }
    /// A 503: the database could not be reached in time.
    pub fn unavailable(detail: impl fmt::Display) -> Self {
        tracing::warn!(error = %detail, "service unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable; retry later",
        )
    }

    /// The error for a status that one of actix's own extractors or routers produced.
    pub fn from_status(status: StatusCode, detail: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::new(
                status,
                code::NOT_FOUND,
                "The requested resource does not exist",
            ),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                code::METHOD_NOT_ALLOWED,
                "The method is not allowed on this resource",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                code::PAYLOAD_TOO_LARGE,
                "The request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                code::INCORRECT_OR_MISSING_HEADER,
                "Missing or incorrect header: 'Content-Type'",
            )
            .with_target(Target::header("Content-Type")),
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(detail),
            s if s.is_server_error() => Self::internal(code::INTERNAL_ERROR, detail),
            s => Self::new(
                s,
                code::BAD_REQUEST,
                if detail.trim().is_empty() {
                    "The request is not valid"
                } else {
                    detail
                },
            ),
        }
    }

    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            errors: vec![ErrorItem {
                code: self.code,
                message: self.message.clone(),
                more_info: MORE_INFO,
                target: self.target.clone(),
            }],
            status_code: self.status.as_u16(),
            trace: context::request_id(),
        }
    }
}

impl fmt::Display for IbmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for IbmError {}

impl ResponseError for IbmError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        crate::retry_after(&mut res, self.status);
        let mut res = res.json(self.envelope());
        res.extensions_mut().insert(RenderedError);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_carries_retry_after() {
        let res = IbmError::unavailable("connection closed").error_response();
        assert_eq!(
            res.headers()
                .get(actix_web::http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }

    #[test]
    fn envelope_has_exactly_one_error_with_target() {
        let e = IbmError::new(
            StatusCode::NOT_FOUND,
            "tenant_id_not_found",
            "The tenant ID specified (X) was not found in the database.",
        )
        .with_target(Target::parameter("tenant_id"));
        let json = serde_json::to_value(e.envelope()).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "errors": [{
                    "code": "tenant_id_not_found",
                    "message": "The tenant ID specified (X) was not found in the database.",
                    "more_info": MORE_INFO,
                    "target": {"type": "parameter", "name": "tenant_id"}
                }],
                "status_code": 404,
                "trace": ""
            }))
        );
    }
}
