//! What the API reads from a request besides the token: `X-Trace-ID`, `IBM-API-Version`, `Content-Type`,
//! `If-Match` / `If-None-Match`, path ids and JSON bodies, each refused in the IBM dialect.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue, IF_MATCH, IF_NONE_MATCH};
use actix_web::{HttpMessage, HttpRequest, web};
use domain_routing::etag::Condition;
use errors::ibm::{IbmError, Target, code};
use serde_json::Value;
use uuid::Uuid;

use crate::handlers::errors::ApiError;

pub const API_VERSION: &str = "IBM-API-Version";

/// The checks every API call starts with: a valid `X-Trace-ID` when one was sent, `IBM-API-Version`, and nothing
/// the boundary guard found that no column can hold (a NUL in the path, the query, a header or the body).
pub fn preflight(req: &HttpRequest) -> Result<(), IbmError> {
    trace_id(req)?;
    api_version(req)?;
    // What the boundary guard (`platform::guard`) found that no column can store: the path, a header or the body.
    if let Some(found) = req.extensions().get::<platform::dialect::Unstorable>() {
        return Err(crate::dialect::unstorable_error(found));
    }
    Ok(())
}

/// A sent `X-Trace-ID` that is not a UUID (the middleware marked it) is a 400.
fn trace_id(req: &HttpRequest) -> Result<(), IbmError> {
    if req
        .extensions()
        .get::<crate::dialect::InvalidTraceId>()
        .is_some()
    {
        let h = crate::dialect::TRACE_HEADER;
        return Err(IbmError::new(
            StatusCode::BAD_REQUEST,
            code::INCORRECT_OR_MISSING_HEADER,
            format!("Missing or incorrect header: '{h}'. It must be a UUID."),
        )
        .with_target(Target::header(h)));
    }
    Ok(())
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
                code::INCORRECT_FIELD,
                format!("The request body could not be read: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(IbmError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                code::PAYLOAD_TOO_LARGE,
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
    domain_routing::check_api_version(text, today)
        .map(|_| ())
        .map_err(|reason| {
            IbmError::new(
                StatusCode::BAD_REQUEST,
                code::INCORRECT_OR_MISSING_HEADER,
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
            code::INCORRECT_OR_MISSING_HEADER,
            "Missing or incorrect header: 'Content-Type'",
        )
        .with_target(Target::header("Content-Type")))
    }
}

/// A path id: a UUID in any case.
pub fn path_id(name: &'static str, raw: &str) -> Result<Uuid, IbmError> {
    Uuid::parse_str(raw).map_err(|_| {
        // IBM's wording: "The 'tenantID' specified (8717DB99-2CFB-4BA6-A033) is not valid."
        let label = if name == "target_id" {
            "targetID"
        } else {
            "tenantID"
        };
        IbmError::new(
            StatusCode::BAD_REQUEST,
            code::INCORRECT_PARAMETER,
            format!("The '{label}' specified ({raw}) is not valid."),
        )
        .with_target(Target::parameter(name))
    })
}

/// A precondition header, when sent: every line of it joined, or [`Condition::unreadable`] when a line is not
/// readable text (it is never taken for an absent header).
fn condition(req: &HttpRequest, name: HeaderName) -> Option<Condition> {
    let lines: Vec<&HeaderValue> = req.headers().get_all(name).collect();
    if lines.is_empty() {
        return None;
    }
    let text: Result<Vec<&str>, _> = lines.iter().map(|v| v.to_str()).collect();
    Some(text.map_or_else(|_| Condition::unreadable(), |t| Condition::new(t.join(","))))
}

/// `If-Match`, when sent. An unreadable one matches nothing, so its write is a 412.
pub fn if_match(req: &HttpRequest) -> Option<Condition> {
    condition(req, IF_MATCH)
}

/// `If-None-Match`, when sent; an unreadable one is a 400.
pub fn if_none_match(req: &HttpRequest) -> Result<Option<Condition>, IbmError> {
    match condition(req, IF_NONE_MATCH) {
        Some(c) if c.is_unreadable() => Err(IbmError::new(
            StatusCode::BAD_REQUEST,
            code::INCORRECT_OR_MISSING_HEADER,
            "Missing or incorrect header: 'If-None-Match'",
        )
        .with_target(Target::header("If-None-Match"))),
        other => Ok(other),
    }
}

pub fn json_body(body: &[u8]) -> Result<Value, IbmError> {
    serde_json::from_slice(body).map_err(|e| {
        IbmError::new(
            StatusCode::BAD_REQUEST,
            code::INCORRECT_FIELD,
            format!("The request body is not valid JSON: {e}"),
        )
    })
}

/// A JSON body: its `Content-Type` checked (see [`content_type`]), read up to [`crate::MAX_BODY_BYTES`], parsed,
/// and refused when a key or a string holds a NUL (which no text column can store), naming where.
pub async fn body(
    req: &HttpRequest,
    payload: web::Payload,
    merge_patch: bool,
) -> Result<Value, ApiError> {
    content_type(req, merge_patch)?;
    let value = json_body(&read_body(payload, crate::MAX_BODY_BYTES).await?)?;
    Ok(value)
}
