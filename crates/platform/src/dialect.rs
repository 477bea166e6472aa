//! What differs between the two APIs around their handlers, and the extractor configurations built from it: each
//! service implements [`Dialect`] once, and the bootstrap, the middleware and the caller extractor use it.

use actix_web::dev::ServiceRequest;
use actix_web::error::{InternalError, JsonPayloadError};
use actix_web::http::StatusCode;
use actix_web::{Error, HttpResponse, web};

pub use crate::guard::Unstorable;

/// What differs between the two APIs' request handling.
pub trait Dialect: 'static {
    /// The response header carrying the request id (`x-operation-id`, `x-trace-id`), lower case.
    const REQUEST_ID_HEADER: &'static str;
    /// `host:port` the service listens on when `BIND_ADDR` is not set.
    const DEFAULT_BIND_ADDR: &'static str;
    /// Largest body the JSON extractor (`web::Json`) accepts.
    const MAX_JSON_BODY: usize;

    /// Largest body of this request that the middleware reads (and scans for NUL) before the handler: by default
    /// [`Self::MAX_JSON_BODY`]; a route with a larger limit of its own (and its own [`json_config_limited`]) says so
    /// here.
    fn body_limit(req: &ServiceRequest) -> usize {
        let _ = req;
        Self::MAX_JSON_BODY
    }

    /// The request id: the client's (when the API accepts one and it is valid) or a new one.
    /// `Err` answers the request at once with the given error, under a new id.
    fn request_id(req: &ServiceRequest) -> Result<String, ForeignError>;
    /// Renders an error for a status that did not come from the API's own error type.
    fn render(error: &ForeignError) -> HttpResponse;
    /// The answer to a request whose token was refused (or that cannot be verified at all).
    fn unauthenticated(error: auth::AuthError) -> Error;

    /// A request carrying text PostgreSQL cannot store (see [`crate::guard`]): `Some` answers it at once (by
    /// default a 400 naming where); `None` lets it on to a handler that refuses it itself (after marking it).
    fn unstorable(req: &ServiceRequest, found: Unstorable) -> Option<HttpResponse> {
        let _ = req;
        Some(Self::render(&ForeignError::new(
            StatusCode::BAD_REQUEST,
            found.to_string(),
        )))
    }

    /// A query string that does not fit the handler's parameters.
    fn bad_query(detail: String) -> Error {
        rendered::<Self>(StatusCode::BAD_REQUEST, detail)
    }
    /// A path segment that does not fit the handler's parameters.
    fn bad_path(detail: String) -> Error {
        rendered::<Self>(StatusCode::BAD_REQUEST, detail)
    }
    /// A body that is not the JSON the handler takes.
    fn bad_json(detail: String) -> Error {
        rendered::<Self>(StatusCode::BAD_REQUEST, detail)
    }
}

/// An error that arose outside the handlers: its status and a detail text.
#[derive(Debug, Clone)]
pub struct ForeignError {
    pub status: StatusCode,
    pub detail: String,
    /// For dialects that can point at what was wrong (a header name).
    pub header: Option<&'static str>,
}

impl ForeignError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            header: None,
        }
    }
}

/// `status` rendered by the dialect, as an error an extractor returns.
pub fn rendered<D: Dialect + ?Sized>(status: StatusCode, detail: String) -> Error {
    let response = D::render(&ForeignError::new(status, detail.clone()));
    InternalError::from_response(detail, response).into()
}

/// `web::Json` in the dialect: the size limit, 415 for another content type, 413 over the limit, 400 otherwise.
pub fn json_config<D: Dialect>() -> web::JsonConfig {
    json_config_limited::<D>(D::MAX_JSON_BODY)
}

/// [`json_config`] with a limit of its own, for a route that takes larger bodies (registered as that resource's
/// app data).
pub fn json_config_limited<D: Dialect>(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| match &err {
            JsonPayloadError::ContentType => {
                rendered::<D>(StatusCode::UNSUPPORTED_MEDIA_TYPE, String::new())
            }
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                rendered::<D>(StatusCode::PAYLOAD_TOO_LARGE, String::new())
            }
            JsonPayloadError::Deserialize(e) => {
                D::bad_json(format!("Request body is not valid JSON: {e}"))
            }
            other => D::bad_json(format!("Request body could not be read: {other}")),
        })
}

/// `web::Query` in the dialect.
pub fn query_config<D: Dialect>() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|e, _| D::bad_query(format!("Invalid query string: {e}")))
}

/// `web::Path` in the dialect.
pub fn path_config<D: Dialect>() -> web::PathConfig {
    web::PathConfig::default().error_handler(|e, _| D::bad_path(format!("Invalid path: {e}")))
}

/// The answer for a path no route matches.
pub async fn unknown_route<D: Dialect>() -> HttpResponse {
    D::render(&ForeignError::new(StatusCode::NOT_FOUND, ""))
}
