//! The OCM error body:
//! `{"kind":"Error","id":"21","href":"/api/service_logs/v1/errors/21","code":"OCM-CA-21","reason":"...","operation_id":"..."}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

use crate::{RenderedError, context};

/// The API base path the `href` of an error is built from.
pub const ERRORS_HREF_BASE: &str = "/api/service_logs/v1/errors/";
/// The realm of the 401 `WWW-Authenticate` header.
pub const REALM: &str = "service_logs/v1";

/// The OCM error numbers this service answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 7: the resource does not exist (or the caller may not see it).
    NotFound,
    /// 8: the body is well-formed but breaks a rule.
    Validation,
    /// 21: the request is malformed (bad JSON, wrong type, bad parameter).
    BadRequest,
    /// 23: a search that cannot be parsed or names an unknown field.
    Search,
    /// 9: something went wrong on our side.
    Unexpected,
    /// 11: the caller lacks the permission.
    Forbidden,
    /// 15: no valid token.
    Unauthenticated,
    /// 6: the request conflicts with the current state.
    Conflict,
}

impl Code {
    pub fn number(self) -> u16 {
        match self {
            Code::NotFound => 7,
            Code::Validation => 8,
            Code::BadRequest => 21,
            Code::Search => 23,
            Code::Unexpected => 9,
            Code::Forbidden => 11,
            Code::Unauthenticated => 15,
            Code::Conflict => 6,
        }
    }
}

/// An error answered in the OCM dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcmError {
    pub status: StatusCode,
    pub code: Code,
    pub reason: String,
}

/// The wire body.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub kind: &'static str,
    pub id: String,
    pub href: String,
    pub code: String,
    pub reason: String,
    pub operation_id: String,
}

impl OcmError {
    pub fn new(status: StatusCode, code: Code, reason: impl Into<String>) -> Self {
        Self {
            status,
            code,
            reason: reason.into(),
        }
    }
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, Code::NotFound, reason)
    }
    pub fn validation(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::Validation, reason)
    }
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::BadRequest, reason)
    }
    pub fn search(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Code::Search, reason)
    }
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, Code::Forbidden, reason)
    }
    pub fn unauthenticated(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Code::Unauthenticated, reason)
    }
    pub fn conflict(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Code::Conflict, reason)
    }
    /// A 500 whose reason never carries internal detail; the detail goes to the log only.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Unexpected,
            "An unexpected error occurred; quote the operation id when reporting it",
        )
    }
    /// A 503: the database could not be reached in time.
    pub fn unavailable(detail: impl fmt::Display) -> Self {
        tracing::warn!(error = %detail, "service unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::Unexpected,
            "The service is temporarily unavailable; retry later",
        )
    }

    /// The error for a status that one of actix's own extractors or routers produced.
    pub fn from_status(status: StatusCode, detail: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found("The requested resource does not exist"),
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                Code::BadRequest,
                "The method is not allowed on this resource",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => {
                Self::new(status, Code::BadRequest, "The request body is too large")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                Code::BadRequest,
                "The request body must be JSON with 'Content-Type: application/json'",
            ),
            StatusCode::SERVICE_UNAVAILABLE => Self::unavailable(detail),
            s if s.is_server_error() => Self::internal(detail),
            s => Self::new(
                s,
                Code::BadRequest,
                non_empty(detail, "The request is not valid"),
            ),
        }
    }

    pub fn body(&self) -> ErrorBody {
        let id = self.code.number().to_string();
        ErrorBody {
            kind: "Error",
            href: format!("{ERRORS_HREF_BASE}{id}"),
            code: format!("OCM-CA-{id}"),
            id,
            reason: self.reason.clone(),
            operation_id: context::request_id(),
        }
    }
}

fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() { fallback } else { s }
}

impl fmt::Display for OcmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status.as_u16(),
            self.code.number(),
            self.reason
        )
    }
}

impl std::error::Error for OcmError {}

impl ResponseError for OcmError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="service_logs/v1""#),
            ));
        }
        crate::retry_after(&mut res, self.status);
        let mut res = res.json(self.body());
        res.extensions_mut().insert(RenderedError);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_repeats_the_number_in_id_href_and_code() {
        let body = OcmError::search("unknown field 'x'").body();
        let json = serde_json::to_value(&body).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({
                "kind": "Error",
                "id": "23",
                "href": "/api/service_logs/v1/errors/23",
                "code": "OCM-CA-23",
                "reason": "unknown field 'x'",
                "operation_id": ""
            }))
        );
    }

    #[test]
    fn internal_errors_hide_detail() {
        let e = OcmError::internal("connection refused to 10.0.0.1");
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.reason.contains("10.0.0.1"));
    }

    #[test]
    fn unavailable_carries_retry_after() {
        let res = OcmError::unavailable("pool timed out").error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            res.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let res = OcmError::internal("bug").error_response();
        assert_eq!(res.headers().get(header::RETRY_AFTER), None);
    }

    #[test]
    fn unauthorized_carries_the_realm() {
        let res = OcmError::unauthenticated("Bearer token is expired").error_response();
        assert_eq!(
            res.headers()
                .get(header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok()),
            Some(r#"Bearer realm="service_logs/v1""#)
        );
        assert_eq!(REALM, "service_logs/v1");
    }
}
