//! The route table: every path, method and handler of the service. The permission each needs is stated in the
//! handler's first lines (`caller.require`).

use actix_web::web;

use platform::allow::method_not_allowed;

use crate::dialect::Ibm;
use crate::handlers::{targets, tenants};

pub const API_BASE: &str = "/v1";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(API_BASE)
            .service(
                web::resource("/tenants")
                    .route(web::get().to(tenants::list))
                    .route(web::post().to(tenants::create))
                    .default_service(method_not_allowed::<Ibm>("GET, POST")),
            )
            .service(
                web::resource("/tenants/{tenant_id}")
                    .route(web::get().to(tenants::get))
                    .route(web::patch().to(tenants::update))
                    .route(web::delete().to(tenants::delete))
                    .default_service(method_not_allowed::<Ibm>("GET, PATCH, DELETE")),
            )
            .service(
                web::resource("/tenants/{tenant_id}/targets")
                    .route(web::get().to(targets::list))
                    .route(web::post().to(targets::create))
                    .default_service(method_not_allowed::<Ibm>("GET, POST")),
            )
            .service(
                web::resource("/tenants/{tenant_id}/targets/{target_id}")
                    .route(web::get().to(targets::get))
                    .route(web::patch().to(targets::update))
                    .route(web::delete().to(targets::delete))
                    .default_service(method_not_allowed::<Ibm>("GET, PATCH, DELETE")),
            ),
    );
}
