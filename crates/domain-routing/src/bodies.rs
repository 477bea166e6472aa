//! The POST bodies (a tenant with its targets, one target) and the tenant PATCH, read into specs.

use serde_json::Value;
use std::fmt;

use crate::credentials::{Credential, check_credential, credential};
use crate::endpoints::{validate_host, validate_port};
use crate::field::{
    BODY_FIELD, FieldError, SpecError, as_str, check_fields, join, not_null_message, object,
    required, required_message,
};
use crate::names::validate_name;
use crate::sinks::{TargetType, sink_type};
use crate::tenant::{self, Change, TenantRuleError};

/// A target as a client describes it (create, or the result of a patch). `Debug` redacts the credential.
#[derive(Clone, PartialEq, Eq)]
pub struct TargetSpec {
    pub name: String,
    pub log_sink_crn: String,
    /// The service name in `log_sink_crn`.
    pub target_type: TargetType,
    pub host: String,
    pub port: u16,
    /// The ingestion key, in clear: seal it before storing, and never log or return it.
    pub access_credential: Option<String>,
}

impl fmt::Debug for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetSpec")
            .field("name", &self.name)
            .field("log_sink_crn", &self.log_sink_crn)
            .field("target_type", &self.target_type)
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "access_credential",
                &self.access_credential.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A tenant as a client creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec {
    pub name: String,
    pub targets: Vec<TargetSpec>,
}

pub(crate) const TENANT_FIELDS: &[&str] = &["name", "targets"];
pub(crate) const TENANT_READ_ONLY: &[&str] = &["id", "crn", "etag", "created_at", "updated_at"];
pub(crate) const TARGET_FIELDS: &[&str] = &["name", "log_sink_crn", "parameters"];
pub(crate) const TARGET_READ_ONLY: &[&str] = &["id", "type", "etag", "created_at", "updated_at"];
pub(crate) const PARAMETER_FIELDS: &[&str] = &["host", "port", "access_credential"];

/// One target object of a POST body; `prefix` is "" for `POST /targets` and `targets[i]` inside a tenant.
pub(crate) fn parse_target_at(value: &Value, prefix: &str) -> Result<TargetSpec, FieldError> {
    let object_field = if prefix.is_empty() {
        BODY_FIELD
    } else {
        prefix
    };
    let map = object(value, object_field)?;
    check_fields(map, prefix, TARGET_FIELDS, TARGET_READ_ONLY)?;

    let name_field = join(prefix, "name");
    let name = as_str(required(map, &name_field, "name")?, &name_field)?;
    validate_name(&name_field, name)?;

    let crn_field = join(prefix, "log_sink_crn");
    let crn = as_str(required(map, &crn_field, "log_sink_crn")?, &crn_field)?;
    let target_type = sink_type(&crn_field, crn)?;

    let params_field = join(prefix, "parameters");
    let params = object(required(map, &params_field, "parameters")?, &params_field)?;
    check_fields(params, &params_field, PARAMETER_FIELDS, &[])?;

    let host_field = join(&params_field, "host");
    let host = as_str(required(params, &host_field, "host")?, &host_field)?;
    validate_host(&host_field, host)?;

    let port_field = join(&params_field, "port");
    let port = validate_port(&port_field, required(params, &port_field, "port")?)?;

    let cred_field = join(&params_field, "access_credential");
    let given = credential(params, &cred_field)?;
    check_credential(&cred_field, target_type, &given, false)?;
    let access_credential = match given {
        Credential::Set(c) => Some(c.to_owned()),
        Credential::Absent => None,
    };

    Ok(TargetSpec {
        name: name.to_owned(),
        log_sink_crn: crn.to_owned(),
        target_type,
        host: host.to_owned(),
        port,
        access_credential,
    })
}

/// POST /tenants body: {"name", "targets":[{"log_sink_crn","name","parameters":{"host","port","access_credential"?}}]}.
/// Rules: name valid; 1 or 2 targets; target names unique within the tenant; never two targets of one type
/// (that one is a *conflict*, see below); access_credential required (non-empty string) for logdna, rejected for logs.
pub fn parse_new_tenant(body: &Value) -> Result<TenantSpec, SpecError> {
    let map = object(body, BODY_FIELD)?;
    check_fields(map, "", TENANT_FIELDS, TENANT_READ_ONLY)?;

    let name = as_str(required(map, "name", "name")?, "name")?;
    validate_name("name", name)?;

    let items = required(map, "targets", "targets")?
        .as_array()
        .ok_or_else(|| FieldError::new("targets", "targets must be an array"))?;
    if !(1..=tenant::MAX_TARGETS).contains(&items.len()) {
        return Err(FieldError::new("targets", "a tenant has 1 or 2 targets").into());
    }
    let mut targets: Vec<TargetSpec> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("targets[{i}]");
        let target = parse_target_at(item, &prefix)?;
        if targets.iter().any(|t| t.name == target.name) {
            return Err(FieldError::new(
                format!("{prefix}.name"),
                "target names must be unique within a tenant",
            )
            .into());
        }
        let types: Vec<TargetType> = targets.iter().map(|t| t.target_type).collect();
        if let Err(TenantRuleError::TypeTaken(t)) =
            tenant::check(&types, Change::AddTarget(target.target_type))
        {
            return Err(SpecError::DuplicateType(t));
        }
        targets.push(target);
    }
    Ok(TenantSpec {
        name: name.to_owned(),
        targets,
    })
}

/// POST /tenants/{id}/targets body: one target object as above; field paths without the "targets[i]." prefix.
/// Whether the tenant already has a target of this type or name is the caller's to check.
pub fn parse_new_target(body: &Value) -> Result<TargetSpec, SpecError> {
    Ok(parse_target_at(body, "")?)
}

/// PATCH /tenants/{id}: only {"name"}; anything else is an error. Returns the new name.
pub fn parse_tenant_patch(body: &Value) -> Result<String, SpecError> {
    let map = object(body, BODY_FIELD)?;
    if let Some(k) = map.keys().find(|k| k.as_str() != "name") {
        let message = if k == "targets" {
            "field 'targets' cannot be changed by a tenant PATCH; use the targets of the tenant"
                .to_owned()
        } else if TENANT_READ_ONLY.contains(&k.as_str()) {
            format!("field '{k}' is read-only")
        } else {
            format!("unknown field '{k}'")
        };
        return Err(FieldError::new(k.as_str(), message).into());
    }
    let name = match map.get("name") {
        None => return Err(FieldError::new("name", required_message("name")).into()),
        Some(Value::Null) => return Err(FieldError::new("name", not_null_message("name")).into()),
        Some(v) => as_str(v, "name")?,
    };
    validate_name("name", name)?;
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use crate::testdata::*;
    use crate::*;
    use serde_json::{Value, json};
    // ---- POST /tenants ----

    #[test]
    fn new_tenant_from_the_api_reference_example() {
        let body = json!({"name": "my-logging-tenant", "targets": [logdna_target("my-logdna-log-sink"), logs_target("my-logs-log-sink")]});
        let spec = parse_new_tenant(&body).unwrap();
        assert_eq!(spec.name, "my-logging-tenant");
        assert_eq!(
            spec.targets,
            vec![
                TargetSpec {
                    name: "my-logdna-log-sink".into(),
                    log_sink_crn: LOGDNA_CRN.into(),
                    target_type: TargetType::Logdna,
                    host: "www.example.com".into(),
                    port: 8080,
                    access_credential: Some(SECRET.into()),
                },
                TargetSpec {
                    name: "my-logs-log-sink".into(),
                    log_sink_crn: LOGS_CRN.into(),
                    target_type: TargetType::Logs,
                    host: "www.example.com".into(),
                    port: 8080,
                    access_credential: None,
                },
            ]
        );
    }

    #[test]
    fn new_tenant_structure_errors() {
        let ok = json!({"name": "t", "targets": [logs_target("a")]});
        assert!(parse_new_tenant(&ok).is_ok());
        let cases: Vec<(Value, SpecError)> = vec![
            (
                json!([]),
                se("body", "the request body must be a JSON object"),
            ),
            (
                json!("x"),
                se("body", "the request body must be a JSON object"),
            ),
            (
                with(ok.clone(), "/foo", Some(json!(1))),
                se("foo", "unknown field 'foo'"),
            ),
            (
                with(ok.clone(), "/crn", Some(json!("x"))),
                se("crn", "field 'crn' is read-only"),
            ),
            (
                with(ok.clone(), "/name", None),
                se("name", "name is required"),
            ),
            (
                with(ok.clone(), "/name", Some(json!(null))),
                se("name", "name is required"),
            ),
            (
                with(ok.clone(), "/name", Some(json!(5))),
                se("name", "name must be a string"),
            ),
            (
                with(ok.clone(), "/name", Some(json!("a".repeat(36)))),
                se("name", NAME_MSG),
            ),
            (
                with(ok.clone(), "/targets", None),
                se("targets", "targets is required"),
            ),
            (
                with(ok.clone(), "/targets", Some(json!({}))),
                se("targets", "targets must be an array"),
            ),
            (
                with(ok.clone(), "/targets", Some(json!([]))),
                se("targets", "a tenant has 1 or 2 targets"),
            ),
            (
                with(
                    ok.clone(),
                    "/targets",
                    Some(json!([
                        logs_target("a"),
                        logdna_target("b"),
                        logs_target("c")
                    ])),
                ),
                se("targets", "a tenant has 1 or 2 targets"),
            ),
            (
                with(ok.clone(), "/targets/0", Some(json!("x"))),
                se("targets[0]", "targets[0] must be an object"),
            ),
        ];
        for (body, want) in cases {
            assert_eq!(parse_new_tenant(&body), Err(want), "{body}");
        }
    }

    #[test]
    fn new_tenant_target_errors_name_the_path() {
        let ok = json!({"name": "t", "targets": [logdna_target("a"), logs_target("b")]});
        assert!(parse_new_tenant(&ok).is_ok());
        let cases: Vec<(&str, Option<Value>, &str, &str)> = vec![
            (
                "/targets/1/foo",
                Some(json!(1)),
                "targets[1].foo",
                "unknown field 'foo'",
            ),
            (
                "/targets/1/type",
                Some(json!("logs")),
                "targets[1].type",
                "field 'type' is read-only: it follows the service name in log_sink_crn",
            ),
            (
                "/targets/1/id",
                Some(json!("x")),
                "targets[1].id",
                "field 'id' is read-only",
            ),
            (
                "/targets/1/parameters/foo",
                Some(json!(1)),
                "targets[1].parameters.foo",
                "unknown field 'foo'",
            ),
            (
                "/targets/1/name",
                None,
                "targets[1].name",
                "name is required",
            ),
            (
                "/targets/1/name",
                Some(json!(["b"])),
                "targets[1].name",
                "name must be a string",
            ),
            (
                "/targets/1/name",
                Some(json!("b_c")),
                "targets[1].name",
                NAME_MSG,
            ),
            (
                "/targets/1/log_sink_crn",
                None,
                "targets[1].log_sink_crn",
                "log_sink_crn is required",
            ),
            (
                "/targets/1/log_sink_crn",
                Some(json!(1)),
                "targets[1].log_sink_crn",
                "log_sink_crn must be a string",
            ),
            (
                "/targets/1/log_sink_crn",
                Some(json!(crn_with_service("cloud-object-storage"))),
                "targets[1].log_sink_crn",
                CRN_MSG,
            ),
            (
                "/targets/1/parameters",
                None,
                "targets[1].parameters",
                "parameters is required",
            ),
            (
                "/targets/1/parameters",
                Some(json!([])),
                "targets[1].parameters",
                "parameters must be an object",
            ),
            (
                "/targets/1/parameters/host",
                None,
                "targets[1].parameters.host",
                "host is required",
            ),
            (
                "/targets/1/parameters/host",
                Some(json!(1)),
                "targets[1].parameters.host",
                "host must be a string",
            ),
            (
                "/targets/1/parameters/host",
                Some(json!("a_b")),
                "targets[1].parameters.host",
                HOST_MSG,
            ),
            (
                "/targets/1/parameters/host",
                Some(json!("")),
                "targets[1].parameters.host",
                HOST_LEN_MSG,
            ),
            (
                "/targets/1/parameters/port",
                None,
                "targets[1].parameters.port",
                "port is required",
            ),
            (
                "/targets/1/parameters/port",
                Some(json!(null)),
                "targets[1].parameters.port",
                "port is required",
            ),
            (
                "/targets/1/parameters/port",
                Some(json!("80")),
                "targets[1].parameters.port",
                PORT_MSG,
            ),
            (
                "/targets/1/parameters/port",
                Some(json!(80.5)),
                "targets[1].parameters.port",
                PORT_MSG,
            ),
            (
                "/targets/1/parameters/access_credential",
                Some(json!(SECRET)),
                "targets[1].parameters.access_credential",
                CRED_NOT_ALLOWED,
            ),
            (
                "/targets/1/parameters/access_credential",
                Some(json!("")),
                "targets[1].parameters.access_credential",
                CRED_NOT_ALLOWED,
            ),
            (
                "/targets/1/parameters/access_credential",
                Some(json!(7)),
                "targets[1].parameters.access_credential",
                "access_credential must be a string",
            ),
            (
                "/targets/0/parameters/access_credential",
                None,
                "targets[0].parameters.access_credential",
                CRED_REQUIRED,
            ),
            (
                "/targets/0/parameters/access_credential",
                Some(json!(null)),
                "targets[0].parameters.access_credential",
                CRED_REQUIRED,
            ),
            (
                "/targets/0/parameters/access_credential",
                Some(json!("")),
                "targets[0].parameters.access_credential",
                "access_credential must not be empty",
            ),
        ];
        for (pointer, value, field, message) in cases {
            let body = with(ok.clone(), pointer, value.clone());
            assert_eq!(
                parse_new_tenant(&body),
                Err(se(field, message)),
                "{pointer} = {value:?}"
            );
        }
        // null counts as absent for an optional field
        let body = with(
            ok.clone(),
            "/targets/1/parameters/access_credential",
            Some(json!(null)),
        );
        assert!(parse_new_tenant(&body).is_ok());
    }

    #[test]
    fn new_tenant_unique_names_and_types() {
        let same_name = json!({"name": "t", "targets": [logdna_target("x"), logs_target("x")]});
        assert_eq!(
            parse_new_tenant(&same_name),
            Err(se(
                "targets[1].name",
                "target names must be unique within a tenant"
            ))
        );
        let same_type = json!({"name": "t", "targets": [logs_target("a"), logs_target("b")]});
        assert_eq!(
            parse_new_tenant(&same_type),
            Err(SpecError::DuplicateType(TargetType::Logs))
        );
        let same_type = json!({"name": "t", "targets": [logdna_target("a"), logdna_target("b")]});
        assert_eq!(
            parse_new_tenant(&same_type),
            Err(SpecError::DuplicateType(TargetType::Logdna))
        );
        assert_eq!(
            SpecError::DuplicateType(TargetType::Logs).to_string(),
            "a tenant can have only one target of type 'logs'"
        );
        // one target of either type alone is fine
        assert!(parse_new_tenant(&json!({"name": "t", "targets": [logdna_target("a")]})).is_ok());
    }

    #[test]
    fn messages_never_carry_the_credential() {
        let bodies = [
            json!({"name": "t", "targets": [logs_target("a")], "x": SECRET}),
            with(
                json!({"name": "t", "targets": [logs_target("a")]}),
                "/targets/0/parameters/access_credential",
                Some(json!(SECRET)),
            ),
        ];
        for body in bodies {
            let err = parse_new_tenant(&body).unwrap_err();
            assert!(!format!("{err} {err:?}").contains(SECRET));
        }
        let err = parse_new_target(&with(
            logs_target("a"),
            "/parameters/access_credential",
            Some(json!(SECRET)),
        ))
        .unwrap_err();
        assert!(!format!("{err} {err:?}").contains(SECRET));
    }

    // ---- POST /tenants/{id}/targets ----

    #[test]
    fn new_target_paths_have_no_prefix() {
        let spec = parse_new_target(&logdna_target("a")).unwrap();
        assert_eq!(spec.target_type, TargetType::Logdna);
        assert_eq!(spec.access_credential.as_deref(), Some(SECRET));
        let spec = parse_new_target(&logs_target("a")).unwrap();
        assert_eq!(spec.target_type, TargetType::Logs);
        assert_eq!(spec.access_credential, None);

        let cases: Vec<(Value, SpecError)> = vec![
            (
                json!(null),
                se("body", "the request body must be a JSON object"),
            ),
            (
                with(logs_target("a"), "/foo", Some(json!(1))),
                se("foo", "unknown field 'foo'"),
            ),
            (
                with(logs_target("a"), "/type", Some(json!("logs"))),
                se(
                    "type",
                    "field 'type' is read-only: it follows the service name in log_sink_crn",
                ),
            ),
            (
                with(logs_target("a"), "/parameters/foo", Some(json!(1))),
                se("parameters.foo", "unknown field 'foo'"),
            ),
            (
                with(logs_target("a"), "/name", Some(json!(""))),
                se("name", NAME_MSG),
            ),
            (
                with(logs_target("a"), "/log_sink_crn", None),
                se("log_sink_crn", "log_sink_crn is required"),
            ),
            (
                with(logs_target("a"), "/parameters/port", Some(json!(0))),
                se("parameters.port", PORT_MSG),
            ),
            (
                with(logs_target("a"), "/parameters/port", Some(json!(65536))),
                se("parameters.port", PORT_MSG),
            ),
            (
                with(logs_target("a"), "/parameters/host", Some(json!("h_st"))),
                se("parameters.host", HOST_MSG),
            ),
            (
                with(logdna_target("a"), "/parameters/access_credential", None),
                se("parameters.access_credential", CRED_REQUIRED),
            ),
            (
                with(
                    logs_target("a"),
                    "/parameters/access_credential",
                    Some(json!("k")),
                ),
                se("parameters.access_credential", CRED_NOT_ALLOWED),
            ),
        ];
        for (body, want) in cases {
            assert_eq!(parse_new_target(&body), Err(want), "{body}");
        }
    }

    // ---- PATCH /tenants/{id} ----

    #[test]
    fn tenant_patch() {
        assert_eq!(
            parse_tenant_patch(&json!({"name": "new-name"})),
            Ok("new-name".to_owned())
        );
        let cases: Vec<(Value, SpecError)> = vec![
            (
                json!("x"),
                se("body", "the request body must be a JSON object"),
            ),
            (json!({}), se("name", "name is required")),
            (json!({"name": null}), se("name", "name cannot be null")),
            (json!({"name": 1}), se("name", "name must be a string")),
            (json!({"name": "a b"}), se("name", NAME_MSG)),
            (
                json!({"name": "n", "foo": 1}),
                se("foo", "unknown field 'foo'"),
            ),
            (
                json!({"name": "n", "etag": "x"}),
                se("etag", "field 'etag' is read-only"),
            ),
            (
                json!({"name": "n", "targets": []}),
                se(
                    "targets",
                    "field 'targets' cannot be changed by a tenant PATCH; use the targets of the tenant",
                ),
            ),
        ];
        for (body, want) in cases {
            assert_eq!(parse_tenant_patch(&body), Err(want), "{body}");
        }
    }
}
