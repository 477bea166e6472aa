//! How this API names and renders what the shared bootstrap and middleware need (see `platform::dialect`).

use actix_web::dev::ServiceRequest;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError};
use auth::AuthError;
use errors::ocm::OcmError;
use platform::dialect::{Dialect, ForeignError, Unstorable};

/// Whether the request is a bulk create: it has a body limit of its own, and refuses NUL item by item.
fn is_bulk(req: &ServiceRequest) -> bool {
    req.path()
        .strip_prefix(crate::wire::API_BASE)
        .is_some_and(|rest| rest == crate::routes::BULK_PATH)
}

pub struct Ocm;

impl Dialect for Ocm {
    const REQUEST_ID_HEADER: &'static str = "x-operation-id";
    const DEFAULT_BIND_ADDR: &'static str = "0.0.0.0:8000";
    const MAX_JSON_BODY: usize = crate::MAX_BODY_BYTES;

    fn body_limit(req: &ServiceRequest) -> usize {
        if is_bulk(req) {
            crate::BULK_MAX_BODY_BYTES
        } else {
            Self::MAX_JSON_BODY
        }
    }

    /// A NUL in a bulk create's body is refused by the handler, in the item that holds it (the other items go on);
    /// anywhere else at once, 400.
    fn unstorable(req: &ServiceRequest, found: Unstorable) -> Option<HttpResponse> {
        if is_bulk(req) {
            req.extensions_mut().insert(found);
            return None;
        }
        Some(Self::render(&ForeignError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            found.to_string(),
        )))
    }

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
