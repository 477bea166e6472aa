//! The route table: every path, method and handler of the service. The permission each needs is stated in the
//! handler's first line.

use actix_web::web;

use platform::allow::method_not_allowed;

use crate::dialect::Ocm;
use crate::handlers::{bulk, clusters, logs, metadata, notifications, owners, triggers, warehouse};
use crate::wire::API_BASE;

/// The bulk create's path under [`API_BASE`].
pub const BULK_PATH: &str = "/cluster_logs/bulk";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(API_BASE)
            .service(
                web::resource("")
                    .route(web::get().to(metadata::get))
                    .default_service(method_not_allowed::<Ocm>("GET")),
            )
            .service(
                web::resource("/cluster_logs")
                    .route(web::post().to(logs::create))
                    .route(web::get().to(logs::list))
                    .default_service(method_not_allowed::<Ocm>("GET, POST")),
            )
            // Before `/cluster_logs/{id}`, which would take `bulk` for an id.
            .service(
                web::resource(BULK_PATH)
                    .app_data(platform::dialect::json_config_limited::<Ocm>(
                        crate::BULK_MAX_BODY_BYTES,
                    ))
                    .route(web::post().to(bulk::create))
                    .default_service(method_not_allowed::<Ocm>("POST")),
            )
            .service(
                web::resource("/cluster_logs/{id}")
                    .route(web::get().to(logs::get))
                    .route(web::delete().to(logs::delete))
                    .default_service(method_not_allowed::<Ocm>("GET, DELETE")),
            )
            // Before `/clusters/{uuid}/cluster_logs` would not matter (different depth), but keep literal first.
            .service(
                web::resource("/clusters/cluster_logs")
                    .route(web::get().to(clusters::by_ids))
                    .default_service(method_not_allowed::<Ocm>("GET")),
            )
            .service(
                web::resource("/clusters/cluster_logs/notifications")
                    .route(web::get().to(notifications::list))
                    .default_service(method_not_allowed::<Ocm>("GET")),
            )
            .service(
                web::resource("/clusters/{uuid}/cluster_logs")
                    .route(web::get().to(clusters::by_uuid))
                    .default_service(method_not_allowed::<Ocm>("GET")),
            )
            .service(
                web::resource("/clusters/{cluster_uuid}/owner")
                    .route(web::put().to(owners::put))
                    .route(web::get().to(owners::get))
                    .route(web::delete().to(owners::delete))
                    .default_service(method_not_allowed::<Ocm>("GET, PUT, DELETE")),
            )
            .service(
                web::resource("/notification_triggers")
                    .route(web::post().to(triggers::create))
                    .route(web::get().to(triggers::list))
                    .default_service(method_not_allowed::<Ocm>("GET, POST")),
            )
            .service(
                web::resource("/notification_triggers/{id}")
                    .route(web::get().to(triggers::get))
                    .route(web::patch().to(triggers::patch))
                    .route(web::delete().to(triggers::delete))
                    .default_service(method_not_allowed::<Ocm>("GET, PATCH, DELETE")),
            )
            .service(
                web::resource("/warehouse")
                    .route(web::get().to(warehouse::count))
                    .route(web::delete().to(warehouse::remove))
                    .default_service(method_not_allowed::<Ocm>("GET, DELETE")),
            ),
    );
}
