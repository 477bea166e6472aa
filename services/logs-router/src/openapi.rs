//! The OpenAPI document, generated from the handlers' annotations and the wire types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::handlers::{targets, tenants};
use crate::wire::{
    ErrorEnvelope, ErrorItem, ErrorTarget, Target, TargetList, TargetParameters, Tenant,
    TenantList, WriteStatus,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "IBM Cloud Logs Routing API", version = "1.0.0",
         description = "Manage the tenants of an account and their log-sink targets. Every call is audited."),
    paths(
        tenants::list, tenants::create, tenants::get, tenants::update, tenants::delete,
        targets::list, targets::create, targets::get, targets::update, targets::delete,
    ),
    components(schemas(Tenant, TenantList, Target, TargetList, TargetParameters, ErrorEnvelope, ErrorItem, ErrorTarget, WriteStatus)),
    modifiers(&BearerAuth),
    tags((name = "tenants", description = "Tenants of the caller's account"),
         (name = "targets", description = "A tenant's log-sink targets")),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
