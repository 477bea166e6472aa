//! How this API names and renders what the shared bootstrap and middleware need (see `platform::dialect`).

use actix_web::dev::ServiceRequest;
use actix_web::{Error, HttpResponse, ResponseError};
use auth::AuthError;
use errors::ocm::OcmError;
use platform::dialect::{Dialect, ForeignError};

pub struct Ocm;

impl Dialect for Ocm {
    const REQUEST_ID_HEADER: &'static str = "x-operation-id";
    const DEFAULT_BIND_ADDR: &'static str = "0.0.0.0:8000";
    const MAX_JSON_BODY: usize = crate::MAX_BODY_BYTES;

    /// The operation id is always ours: a new UUID per request.
    fn request_id(_req: &ServiceRequest) -> Result<String, ForeignError> {
        Ok(uuid::Uuid::new_v4().to_string())
    }

    fn render(error: &ForeignError) -> HttpResponse {
        OcmError::from_status(error.status, &error.detail).error_response()
    }

    /// 401 with OCM error 15 and the realm; a service without any key source cannot verify at all (500).
    fn unauthenticated(error: AuthError) -> Error {
        match error {
            AuthError::NotConfigured => OcmError::internal(error),
            other => OcmError::unauthenticated(other.to_string()),
        }
        .into()
    }

    fn bad_query(detail: String) -> Error {
        OcmError::bad_request(detail).into()
    }

    fn bad_path(detail: String) -> Error {
        OcmError::bad_request(detail).into()
    }

    fn bad_json(detail: String) -> Error {
        OcmError::bad_request(detail).into()
    }
}
