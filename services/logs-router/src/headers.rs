//! Request headers and path ids the API checks: `IBM-API-Version`, `Content-Type`, `If-Match`, ids, JSON bodies.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, IF_MATCH, IF_NONE_MATCH};
use actix_web::{HttpMessage, HttpRequest};
use domain::routing::{FieldError, SpecError};
use errors::ibm::{IbmError, Target};
use serde_json::Value;
use uuid::Uuid;

pub const API_VERSION: &str = "IBM-API-Version";

/// The checks every API call starts with: a valid `X-Trace-ID` when one was sent, and `IBM-API-Version`.
pub fn preflight(req: &HttpRequest) -> Result<(), IbmError> {
    if req
        .extensions()
        .get::<crate::dialect::InvalidTraceId>()
        .is_some()
    {
        let h = crate::dialect::TRACE_HEADER;
        return Err(IbmError::new(
            StatusCode::BAD_REQUEST,
            "incorrect_or_missing_header",
            format!("Missing or incorrect header: '{h}'. It must be a UUID."),
        )
        .with_target(Target::header(h)));
    }
    if let Some(found) = req.extensions().get::<platform::dialect::Unstorable>() {
        return Err(crate::dialect::unstorable_error(found));
    }
    api_version(req)
}

/// Reads a request body up to `limit` bytes (here rather than in an extractor, so a too-large body from a caller
/// with a valid token is answered, and audited, like every other refusal).
pub async fn read_body(
    mut payload: actix_web::web::Payload,
    limit: usize,
) -> Result<Vec<u8>, IbmError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            IbmError::new(
                StatusCode::BAD_REQUEST,
                "incorrect_field",
                format!("The request body could not be read: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(IbmError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("The request body is larger than {limit} bytes."),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `IBM-API-Version`, when sent, is a real date not after today (UTC).
pub fn api_version(req: &HttpRequest) -> Result<(), IbmError> {
    let Some(value) = req.headers().get(API_VERSION) else {
        return Ok(());
    };
    let today = time::OffsetDateTime::now_utc().date();
    let text = value.to_str().unwrap_or_default();
    domain::routing::check_api_version(text, today)
        .map(|_| ())
        .map_err(|reason| {
            IbmError::new(
                StatusCode::BAD_REQUEST,
                "incorrect_or_missing_header",
                format!("Missing or incorrect header: '{API_VERSION}'. {reason}"),
            )
            .with_target(Target::header(API_VERSION))
        })
}

/// POST needs `application/json`; PATCH `application/merge-patch+json` (or `application/json`).
pub fn content_type(req: &HttpRequest, merge_patch: bool) -> Result<(), IbmError> {
    let mime = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    let ok = match mime.as_deref() {
        Some("application/json") => true,
        Some("application/merge-patch+json") => merge_patch,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(IbmError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "incorrect_or_missing_header",
            "Missing or incorrect header: 'Content-Type'",
        )
        .with_target(Target::header("Content-Type")))
    }
}

/// A path id: a UUID in any case.
pub fn path_id(name: &'static str, raw: &str) -> Result<Uuid, IbmError> {
    Uuid::parse_str(raw).map_err(|_| {
        // The seed's wording: "The 'tenantID' specified (8717DB99-2CFB-4BA6-A033) is not valid."
        let label = if name == "target_id" {
            "targetID"
        } else {
            "tenantID"
        };
        IbmError::new(
            StatusCode::BAD_REQUEST,
            "incorrect_parameter",
            format!("The '{label}' specified ({raw}) is not valid."),
        )
        .with_target(Target::parameter(name))
    })
}

pub fn if_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub fn if_none_match(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub fn json_body(body: &[u8]) -> Result<Value, IbmError> {
    serde_json::from_slice(body).map_err(|e| {
        IbmError::new(
            StatusCode::BAD_REQUEST,
            "incorrect_field",
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

pub fn field_error(e: FieldError) -> IbmError {
    IbmError::new(
        StatusCode::BAD_REQUEST,
        "incorrect_field",
        format!("The value for '{}' is not valid. {}", e.field, e.message),
    )
    .with_target(Target::field(e.field))
}

pub fn spec_error(e: SpecError) -> IbmError {
    match e {
        SpecError::Field(f) => field_error(f),
        SpecError::DuplicateType(t) => IbmError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "A tenant can have only one target of type '{}'.",
                t.as_str()
            ),
        )
        .with_target(Target::field("targets")),
    }
}

pub fn precondition_failed() -> IbmError {
    IbmError::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        "The content of the 'If-Match' header does not match the expectation.",
    )
    .with_target(Target::header("If-Match"))
}
