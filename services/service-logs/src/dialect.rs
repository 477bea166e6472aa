//! How this API names and renders what the request middleware needs (see `platform::middleware`).

use actix_web::HttpResponse;
use actix_web::ResponseError;
use actix_web::dev::ServiceRequest;
use errors::ocm::OcmError;
use platform::middleware::{Dialect, ForeignError};

pub struct Ocm;

impl Dialect for Ocm {
    const REQUEST_ID_HEADER: &'static str = "x-operation-id";

    /// The operation id is always ours: a new UUID per request.
    fn request_id(_req: &ServiceRequest) -> Result<String, ForeignError> {
        Ok(uuid::Uuid::new_v4().to_string())
    }

    fn render(error: &ForeignError) -> HttpResponse {
        OcmError::from_status(error.status, &error.detail).error_response()
    }
}
