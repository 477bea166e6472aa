//! The answer for a known path with a method it does not serve: 405 in the API's own error body, with the
//! `Allow` header listing the resource's methods (RFC 9110 §15.5.6 requires it). Set on each resource as its
//! default service, so the list sits next to the routes it describes.

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{Route, web};

use crate::dialect::{Dialect, ForeignError};

/// The default service of a resource serving `methods` (e.g. `"GET, DELETE"`).
pub fn method_not_allowed<D: Dialect>(methods: &'static str) -> Route {
    web::route().to(move || async move {
        let mut res = D::render(&ForeignError::new(StatusCode::METHOD_NOT_ALLOWED, ""));
        res.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(methods));
        res
    })
}
