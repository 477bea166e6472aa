//! Rules of the Logs Routing management API (tenants and their targets), one module per topic: names, sink CRNs
//! and target types, hosts and ports, credentials, the `IBM-API-Version` header, the request bodies, the target
//! merge patch, the rules a tenant's targets obey together, and entity tags.
//!
//! Bodies are read from [`serde_json::Value`] by hand so that every refusal is a [`FieldError`] naming the exact
//! JSON path the client sent (`targets[1].parameters.port`). Messages name the field by its last path segment
//! (`port must be ...`) and never contain the value sent, so a credential never reaches a response or a log.
//!
//! In POST bodies `null` counts as absent. In a target PATCH (a JSON merge patch, RFC 7396) `null` for a
//! required member is refused, and `parameters.access_credential: null` means "unchanged": the credential is
//! write-only and cannot be removed (a departure from RFC 7396; Terraform sends it with every logdna target).
//!
//! Nothing here knows HTTP or SQL: the router's store reads and writes, its handlers map these errors to IBM
//! errors.

pub mod api_version;
pub mod bodies;
pub mod credentials;
pub mod crns;
pub mod endpoints;
pub mod etag;
pub mod field;
pub mod merge_patch;
pub mod names;
pub mod sinks;
pub mod tenant;

#[cfg(test)]
mod testdata;

pub use api_version::check_api_version;
pub use bodies::{TargetSpec, TenantSpec, parse_new_target, parse_new_tenant, parse_tenant_patch};
pub use crns::{account_crn, format_id, tenant_crn};
pub use endpoints::{
    HOST_LABEL_MAX_CHARS, HOST_MAX_CHARS, PORT_MAX, PORT_MIN, validate_host, validate_port,
};
pub use field::{BODY_FIELD, FieldError, SpecError};
pub use merge_patch::{PatchedTarget, apply_target_patch};
pub use names::{NAME_MAX_CHARS, validate_name};
pub use sinks::{CRN_MAX_CHARS, TargetType, UnknownTargetType, sink_type};
pub use tenant::{Change, TenantRuleError};
