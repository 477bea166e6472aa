//! The two error dialects clients see, one type each, and the request context their bodies need.
//!
//! - [`ocm`]: the OCM error body of the Service Log API.
//! - [`ibm`]: the IBM Cloud error envelope of the Logs Routing API.
//!
//! Every error response carries the request's correlation id (`operation_id` in OCM, `trace` in IBM). Handlers
//! do not pass it around: the request middleware runs each request inside [`context::scope`], and the error
//! types read it from there when they render.

pub mod context;
pub mod ibm;
pub mod ocm;

/// `Retry-After` (seconds) on every 503: the database was lost or busy, and trying again shortly can succeed.
pub const RETRY_AFTER_SECS: u32 = 1;

/// Adds `Retry-After` to a 503 response.
pub(crate) fn retry_after(
    res: &mut actix_web::HttpResponseBuilder,
    status: actix_web::http::StatusCode,
) {
    if status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
        res.insert_header((actix_web::http::header::RETRY_AFTER, RETRY_AFTER_SECS));
    }
}

/// Marker put into the extensions of every response rendered by one of this crate's error types, so the
/// middleware can tell our bodies from actix's own plain-text errors and rewrite only the latter.
#[derive(Debug, Clone, Copy)]
pub struct RenderedError;
