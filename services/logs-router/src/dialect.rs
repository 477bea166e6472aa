//! How this API names and renders what the request middleware needs (see `platform::middleware`): the
//! `X-Trace-ID` header is the request id, the client's when it sends a valid UUID.

use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use errors::ibm::{IbmError, Target};
use platform::middleware::{Dialect, ForeignError};

pub const TRACE_HEADER: &str = "X-Trace-ID";

pub struct Ibm;

impl Dialect for Ibm {
    const REQUEST_ID_HEADER: &'static str = "x-trace-id";

    fn request_id(req: &ServiceRequest) -> Result<String, ForeignError> {
        let Some(value) = req.headers().get(TRACE_HEADER) else {
            return Ok(uuid::Uuid::new_v4().to_string());
        };
        value
            .to_str()
            .ok()
            .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
            .map(|u| u.to_string())
            .ok_or(ForeignError {
                status: StatusCode::BAD_REQUEST,
                detail: "X-Trace-ID must be a UUID".into(),
                header: Some(TRACE_HEADER),
            })
    }

    fn render(error: &ForeignError) -> HttpResponse {
        let e = match error.header {
            Some(h) => IbmError::new(
                error.status,
                "incorrect_or_missing_header",
                format!("Missing or incorrect header: '{h}'"),
            )
            .with_target(Target::header(h)),
            None => IbmError::from_status(error.status, &error.detail),
        };
        e.error_response()
    }
}
