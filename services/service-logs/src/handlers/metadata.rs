//! `GET /api/service_logs/v1`: the version metadata the OCM SDK's metadata reader expects.

use actix_web::HttpResponse;

use crate::wire::{METADATA_KIND, Metadata};

/// The API's version metadata. No token is needed: it says nothing but the server's version, and the OCM SDK
/// reads it (`server_version`) before it has a reason to send one.
#[utoipa::path(
    get, path = "/api/service_logs/v1", tag = "metadata",
    responses((status = 200, description = "The server's version", body = Metadata)),
)]
pub async fn get() -> HttpResponse {
    HttpResponse::Ok().json(Metadata {
        kind: METADATA_KIND,
        server_version: env!("CARGO_PKG_VERSION"),
    })
}
