//! How this API names and renders what the shared bootstrap and middleware need (see `platform::dialect`): the
//! `X-Trace-ID` header is the request id, the client's when it sends a valid UUID (normalised to the lower-case
//! hyphenated form, so one trace has one spelling everywhere).

use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use auth::AuthError;
use errors::ibm::{IbmError, Target, code};
use platform::dialect::{Dialect, ForeignError, Unstorable};

pub const TRACE_HEADER: &str = "X-Trace-ID";

/// Marks a request whose `X-Trace-ID` is not a UUID.
#[derive(Debug, Clone, Copy)]
pub struct InvalidTraceId;

pub struct Ibm;

impl Dialect for Ibm {
    const REQUEST_ID_HEADER: &'static str = "x-trace-id";
    const DEFAULT_BIND_ADDR: &'static str = "0.0.0.0:8080";
    const MAX_JSON_BODY: usize = crate::MAX_BODY_BYTES;

    fn request_id(req: &ServiceRequest) -> Result<String, ForeignError> {
        let Some(value) = req.headers().get(TRACE_HEADER) else {
            return Ok(uuid::Uuid::new_v4().to_string());
        };
        // A header that is present but not readable text is invalid, never absent.
        let text = value.to_str().unwrap_or_default().trim();
        if let Ok(id) = uuid::Uuid::parse_str(text) {
            // `{...}`, `urn:uuid:...`, 32 hex digits, any case: one spelling in the header, the rows and the event.
            return Ok(id.hyphenated().to_string());
        }
        // Refused by the handler (so the refusal is audited when the token is valid), under a new id.
        req.extensions_mut().insert(InvalidTraceId);
        Ok(uuid::Uuid::new_v4().to_string())
    }

    fn render(error: &ForeignError) -> HttpResponse {
        let e = match error.header {
            Some(h) => IbmError::new(
                error.status,
                code::INCORRECT_OR_MISSING_HEADER,
                format!("Missing or incorrect header: '{h}'"),
            )
            .with_target(Target::header(h)),
            None => IbmError::from_status(error.status, &error.detail),
        };
        e.error_response()
    }

    /// Marked, not answered: the handler refuses it (`headers::preflight`), so the refusal is audited.
    fn unstorable(req: &ServiceRequest, found: Unstorable) -> Option<HttpResponse> {
        req.extensions_mut().insert(found);
        None
    }

    fn unauthenticated(error: AuthError) -> Error {
        match error {
            AuthError::NotConfigured => {
                IbmError::internal(code::FAILURE_GETTING_AUTHORIZATION_CLAIMS, error)
            }
            other => IbmError::new(
                StatusCode::UNAUTHORIZED,
                code::FAILURE_GETTING_AUTHORIZATION_CLAIMS,
                format!("Failed to get authorization claims. Error: {other}"),
            ),
        }
        .into()
    }

    fn bad_query(detail: String) -> Error {
        IbmError::new(StatusCode::BAD_REQUEST, code::INCORRECT_PARAMETER, detail).into()
    }

    /// A path the route matched but whose ids do not fit is an unknown resource.
    fn bad_path(detail: String) -> Error {
        platform::dialect::rendered::<Self>(StatusCode::NOT_FOUND, detail)
    }
}

/// The 400 for text PostgreSQL cannot store, naming where it was (see `platform::guard`).
pub fn unstorable_error(found: &Unstorable) -> IbmError {
    let message = found.to_string();
    let (code, target) = match found {
        Unstorable::Body(path) => (code::INCORRECT_FIELD, Some(Target::field(path.clone()))),
        Unstorable::Query(name) => (
            code::INCORRECT_PARAMETER,
            Some(Target::parameter(name.clone())),
        ),
        Unstorable::Path => (code::INCORRECT_PARAMETER, None),
        Unstorable::Header(name) => (
            code::INCORRECT_OR_MISSING_HEADER,
            Some(Target::header(name.clone())),
        ),
    };
    let e = IbmError::new(StatusCode::BAD_REQUEST, code, message);
    match target {
        Some(t) => e.with_target(t),
        None => e,
    }
}
