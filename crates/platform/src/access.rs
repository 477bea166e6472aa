//! The caller extractor both services share: the request's bearer token verified by `auth`, a refusal answered
//! in the service's dialect. Each service wraps [`Caller`] in its own type, which adds its permission rules.

use actix_web::dev::Payload;
use actix_web::{Error, FromRequest, HttpRequest};
use auth::Principal;
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;

use crate::dialect::Dialect;

/// The verified caller of a request, refused in dialect `D`.
pub struct Caller<D> {
    pub principal: Principal,
    dialect: PhantomData<fn() -> D>,
}

impl<D: Dialect> FromRequest for Caller<D> {
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match auth::authenticate(&req).await {
                Ok(principal) => Ok(Self {
                    principal,
                    dialect: PhantomData,
                }),
                Err(e) => Err(D::unauthenticated(e)),
            }
        })
    }
}
