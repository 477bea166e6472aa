//! The OpenAPI document, generated from the handlers' annotations and the wire types.

use platform::openapi::BearerAuth;
use utoipa::OpenApi;

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
