//! Rules of the Logs Routing management API (tenants and their targets): names, CRNs, hosts, ports,
//! credentials, the `IBM-API-Version` header, and the request bodies that carry them.
//!
//! Bodies are read from [`serde_json::Value`] by hand so that every refusal is a [`FieldError`] naming the exact
//! JSON path the client sent (`targets[1].parameters.port`). Messages name the field by its last path segment
//! (`port must be ...`) and never contain the value sent, so a credential never reaches a response or a log.
//!
//! In POST bodies `null` counts as absent. In a target PATCH (a JSON merge patch, RFC 7396) `null` removes a
//! value, which only `parameters.access_credential` allows.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};
use time::{Date, Month};
use uuid::Uuid;

pub const NAME_MAX_CHARS: usize = 35;
pub const CRN_MAX_CHARS: usize = 256;
pub const HOST_MAX_CHARS: usize = 256;
/// Longest label of a host name (RFC 1123).
pub const HOST_LABEL_MAX_CHARS: usize = 63;
pub const PORT_MIN: u64 = 1;
pub const PORT_MAX: u64 = 65535;

/// Field path used when the body itself is not a JSON object.
pub const BODY_FIELD: &str = "body";

/// A rule broken by a request body; `field` is the JSON path the client sent (e.g. "name", "targets[1].log_sink_crn",
/// "parameters.port", "targets"), `message` the reason a client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The kind of log sink a target sends to: the service name in its `log_sink_crn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    /// IBM Log Analysis.
    Logdna,
    /// IBM Cloud Logs.
    Logs,
}

impl TargetType {
    pub const ALL: [TargetType; 2] = [TargetType::Logdna, TargetType::Logs];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Logdna => "logdna",
            TargetType::Logs => "logs",
        }
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target type '{0}' is not valid; accepted values are 'logdna', 'logs'")]
pub struct UnknownTargetType(pub String);

impl FromStr for TargetType {
    type Err = UnknownTargetType;

    /// Exact case: `logdna` or `logs`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTargetType(s.to_owned()))
    }
}

/// The body of a request breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// A field is missing, of the wrong type, unknown or invalid (a 400).
    #[error(transparent)]
    Field(FieldError),
    /// Two targets of one type in a create body (a 409).
    #[error("a tenant can have only one target of type '{0}'")]
    DuplicateType(TargetType),
}

impl From<FieldError> for SpecError {
    fn from(e: FieldError) -> Self {
        SpecError::Field(e)
    }
}

/// The last segment of a field path: what messages call the field.
fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Names of tenants and targets: 1 to 35 characters of `[a-zA-Z0-9-]`.
pub fn validate_name(field: &str, name: &str) -> Result<(), FieldError> {
    let ok = (1..=NAME_MAX_CHARS).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{} must be 1 to {NAME_MAX_CHARS} characters of letters, digits and '-'",
                leaf(field)
            ),
        ))
    }
}

/// A well-formed CRN: `crn:v1:` prefix, exactly 10 colon-separated segments, <= 256 chars, service name (5th segment, index 4) logdna or logs.
///
/// Also required: no whitespace or control characters, and the segments from `cname` to `service-instance`
/// (indexes 2 to 7) not empty; `resource-type` and `resource` may be empty, as in every log-sink CRN.
pub fn sink_type(field: &str, crn: &str) -> Result<TargetType, FieldError> {
    let name = leaf(field);
    if crn.chars().count() > CRN_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("{name} must be at most {CRN_MAX_CHARS} characters"),
        ));
    }
    let invalid = || {
        FieldError::new(
            field,
            format!(
                "{name} must be a CRN of 10 colon-separated segments starting 'crn:v1:' whose service name is 'logdna' or 'logs'"
            ),
        )
    };
    if !crn.starts_with("crn:v1:") || crn.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let segments: Vec<&str> = crn.split(':').collect();
    if segments.len() != 10 || segments[2..=7].iter().any(|s| s.is_empty()) {
        return Err(invalid());
    }
    segments[4].parse::<TargetType>().map_err(|_| invalid())
}

/// `parameters.host`: 1 to 256 characters of a host name (dot-separated labels of 1 to 63 letters, digits and
/// '-', not starting or ending with '-'). An IPv4 literal is such a name too.
pub fn validate_host(field: &str, host: &str) -> Result<(), FieldError> {
    let name = leaf(field);
    if host.is_empty() || host.chars().count() > HOST_MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("{name} must be 1 to {HOST_MAX_CHARS} characters"),
        ));
    }
    let label_ok = |l: &str| {
        (1..=HOST_LABEL_MAX_CHARS).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{name} must be a host name (dot-separated labels of letters, digits and '-', not starting or ending with '-') or an IPv4 address"
            ),
        ))
    }
}

/// `parameters.port`: a JSON integer from 1 to 65535. A string (`"80"`) or a float (`80.5`, `80.0`) is an error.
pub fn validate_port(field: &str, port: &Value) -> Result<u16, FieldError> {
    port.as_u64()
        .filter(|p| (PORT_MIN..=PORT_MAX).contains(p))
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!(
                    "{} must be an integer from {PORT_MIN} to {PORT_MAX}",
                    leaf(field)
                ),
            )
        })
}

/// A tenant's CRN: `crn:v1:bluemix:public:logs-router:<region>:a/<account>:<tenant id lower case>::`.
pub fn tenant_crn(region: &str, account: &str, tenant_id: Uuid) -> String {
    format!(
        "crn:v1:bluemix:public:logs-router:{region}:a/{account}:{}::",
        tenant_id.hyphenated()
    )
}

/// The account-scoped CRN (for calls that concern no single tenant):
/// `crn:v1:bluemix:public:logs-router:<region>:a/<account>::`.
pub fn account_crn(region: &str, account: &str) -> String {
    format!("crn:v1:bluemix:public:logs-router:{region}:a/{account}::")
}

/// An id as the API writes it: upper-case hyphenated (`8717DB99-2CFB-4BA6-A033-89C994C2E9F0`).
pub fn format_id(id: Uuid) -> String {
    id.hyphenated()
        .encode_upper(&mut Uuid::encode_buffer())
        .to_owned()
}

/// IBM-API-Version: YYYY-MM-DD, a real date, not after `today` (UTC). Err: the message.
pub fn check_api_version(value: &str, today: Date) -> Result<Date, String> {
    let value = value.trim();
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err("IBM-API-Version must be a date in the format YYYY-MM-DD".to_owned());
    }
    let not_real = || "IBM-API-Version must be a real calendar date (YYYY-MM-DD)".to_owned();
    let year: i32 = value[0..4].parse().map_err(|_| not_real())?;
    let month: u8 = value[5..7].parse().map_err(|_| not_real())?;
    let day: u8 = value[8..10].parse().map_err(|_| not_real())?;
    let month = Month::try_from(month).map_err(|_| not_real())?;
    let date = Date::from_calendar_date(year, month, day).map_err(|_| not_real())?;
    if date > today {
        return Err(format!(
            "IBM-API-Version must not be after today ({today}, UTC)"
        ));
    }
    Ok(date)
}

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

/// A target after a merge patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedTarget {
    /// The patched target; `access_credential` is `Some` only when the patch set a new one.
    pub spec: TargetSpec,
    /// The stored credential must be deleted (the target is, or became, a `logs` target).
    pub drop_credential: bool,
}

const TENANT_FIELDS: &[&str] = &["name", "targets"];
const TENANT_READ_ONLY: &[&str] = &["id", "crn", "etag", "created_at", "updated_at"];
const TARGET_FIELDS: &[&str] = &["name", "log_sink_crn", "parameters"];
const TARGET_READ_ONLY: &[&str] = &["id", "type", "etag", "created_at", "updated_at"];
const PARAMETER_FIELDS: &[&str] = &["host", "port", "access_credential"];

/// The first key of `map` not in `allowed`, as an error. Read-only fields of the resource get a message of their own.
fn check_fields(
    map: &Map<String, Value>,
    prefix: &str,
    allowed: &[&str],
    read_only: &[&str],
) -> Result<(), FieldError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) if k == "type" && read_only.contains(&"type") => Err(FieldError::new(
            join(prefix, k),
            "field 'type' is read-only: it follows the service name in log_sink_crn",
        )),
        Some(k) if read_only.contains(&k.as_str()) => Err(FieldError::new(
            join(prefix, k),
            format!("field '{k}' is read-only"),
        )),
        Some(k) => Err(FieldError::new(
            join(prefix, k),
            format!("unknown field '{k}'"),
        )),
    }
}

fn object<'a>(value: &'a Value, field: &str) -> Result<&'a Map<String, Value>, FieldError> {
    value.as_object().ok_or_else(|| {
        let message = if field == BODY_FIELD {
            "the request body must be a JSON object".to_owned()
        } else {
            format!("{} must be an object", leaf(field))
        };
        FieldError::new(field, message)
    })
}

fn required_message(field: &str) -> String {
    format!("{} is required", leaf(field))
}

fn not_null_message(field: &str) -> String {
    format!("{} cannot be null", leaf(field))
}

fn string_message(field: &str) -> String {
    format!("{} must be a string", leaf(field))
}

/// A field of a POST body that must be there (`null` counts as absent).
fn required<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    key: &str,
) -> Result<&'a Value, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Err(FieldError::new(field, required_message(field))),
        Some(v) => Ok(v),
    }
}

fn as_str<'a>(value: &'a Value, field: &str) -> Result<&'a str, FieldError> {
    value
        .as_str()
        .ok_or_else(|| FieldError::new(field, string_message(field)))
}

/// How a body treats `parameters.access_credential`.
enum Credential<'a> {
    Absent,
    /// `null` in a merge patch: remove the stored one.
    Remove,
    Set(&'a str),
}

/// Reads `access_credential`: a string if present. `null` is `null_means`.
fn credential<'a>(
    params: &'a Map<String, Value>,
    field: &str,
    null_means: Credential<'a>,
) -> Result<Credential<'a>, FieldError> {
    match params.get("access_credential") {
        None => Ok(Credential::Absent),
        Some(Value::Null) => Ok(null_means),
        Some(v) => as_str(v, field).map(Credential::Set),
    }
}

/// The credential rule for a target of type `target_type` given what the body says and whether one is stored.
fn check_credential(
    field: &str,
    target_type: TargetType,
    given: &Credential<'_>,
    has_stored: bool,
) -> Result<(), FieldError> {
    let name = leaf(field);
    match (target_type, given) {
        (TargetType::Logs, Credential::Set(_)) => Err(FieldError::new(
            field,
            format!("{name} is not allowed for a logs target"),
        )),
        (TargetType::Logs, _) => Ok(()),
        (TargetType::Logdna, Credential::Set("")) => {
            Err(FieldError::new(field, format!("{name} must not be empty")))
        }
        (TargetType::Logdna, Credential::Set(_)) => Ok(()),
        (TargetType::Logdna, Credential::Absent) if has_stored => Ok(()),
        (TargetType::Logdna, _) => Err(FieldError::new(
            field,
            format!("{name} is required for a logdna target"),
        )),
    }
}

/// One target object of a POST body; `prefix` is "" for `POST /targets` and `targets[i]` inside a tenant.
fn parse_target_at(value: &Value, prefix: &str) -> Result<TargetSpec, FieldError> {
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
    let given = credential(params, &cred_field, Credential::Absent)?;
    check_credential(&cred_field, target_type, &given, false)?;
    let access_credential = match given {
        Credential::Set(c) => Some(c.to_owned()),
        Credential::Absent | Credential::Remove => None,
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
    if !(1..=2).contains(&items.len()) {
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
        if targets.iter().any(|t| t.target_type == target.target_type) {
            return Err(SpecError::DuplicateType(target.target_type));
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

/// A member of a merge patch that may be absent but not `null`.
fn patched<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    key: &str,
) -> Result<Option<&'a Value>, FieldError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Null) => Err(FieldError::new(field, not_null_message(field))),
        Some(v) => Ok(Some(v)),
    }
}

/// PATCH /tenants/{id}/targets/{tid}: a JSON merge patch (RFC 7396) of name, log_sink_crn, parameters{host,port,access_credential}
/// applied to `current` (whose access_credential is None here: the caller passes whether a stored credential exists via
/// `has_stored_credential`). Absent fields keep their values; `null` for a required field (name, log_sink_crn, host, port) is an error;
/// unknown fields (top level or in parameters) are errors; an empty patch `{}` is allowed (no change).
/// Credential rule after applying: the resulting type is logdna => a credential must exist (stored or in the patch); logs => the patch must not carry one
/// (and the stored one is dropped: return `drop_credential: true`).
///
/// `parameters.access_credential: null` removes the stored credential, so it is an error for a logdna target and
/// harmless for a logs one. Whether a type change is allowed (only for a tenant's single target) and whether the new
/// name is unique within the tenant are the caller's to check, by comparing `spec` with `current`.
pub fn apply_target_patch(
    current: &TargetSpec,
    has_stored_credential: bool,
    patch: &Value,
) -> Result<PatchedTarget, SpecError> {
    let has_stored = has_stored_credential || current.access_credential.is_some();
    let map = object(patch, BODY_FIELD)?;
    check_fields(map, "", TARGET_FIELDS, TARGET_READ_ONLY)?;

    let mut spec = TargetSpec {
        access_credential: None,
        ..current.clone()
    };

    if let Some(v) = patched(map, "name", "name")? {
        let name = as_str(v, "name")?;
        validate_name("name", name)?;
        name.clone_into(&mut spec.name);
    }
    if let Some(v) = patched(map, "log_sink_crn", "log_sink_crn")? {
        let crn = as_str(v, "log_sink_crn")?;
        spec.target_type = sink_type("log_sink_crn", crn)?;
        crn.clone_into(&mut spec.log_sink_crn);
    }

    let mut given = Credential::Absent;
    if let Some(v) = patched(map, "parameters", "parameters")? {
        let params = object(v, "parameters")?;
        check_fields(params, "parameters", PARAMETER_FIELDS, &[])?;
        if let Some(v) = patched(params, "parameters.host", "host")? {
            let host = as_str(v, "parameters.host")?;
            validate_host("parameters.host", host)?;
            host.clone_into(&mut spec.host);
        }
        if let Some(v) = patched(params, "parameters.port", "port")? {
            spec.port = validate_port("parameters.port", v)?;
        }
        given = credential(params, "parameters.access_credential", Credential::Remove)?;
    }

    check_credential(
        "parameters.access_credential",
        spec.target_type,
        &given,
        has_stored,
    )?;
    let drop_credential = match spec.target_type {
        TargetType::Logs => has_stored,
        TargetType::Logdna => false,
    };
    if let Credential::Set(c) = given {
        spec.access_credential = Some(c.to_owned());
    }
    Ok(PatchedTarget {
        spec,
        drop_credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    const LOGDNA_CRN: &str = "crn:v1:bluemix:public:logdna:eu-de:a/3516b8fa0a174a71899f5affa4f18d78:3517d2ed-9429-af34-ad52-34278391cbc8::";
    const LOGS_CRN: &str = "crn:v1:bluemix:public:logs:eu-de:a/4516b8fa0a174a71899f5affa4f18d78:42DAB2C2-BEC2-43E3-8E90-F0259087A884::";

    const NAME_MSG: &str = "name must be 1 to 35 characters of letters, digits and '-'";
    const CRN_MSG: &str = "log_sink_crn must be a CRN of 10 colon-separated segments starting 'crn:v1:' whose service name is 'logdna' or 'logs'";
    const PORT_MSG: &str = "port must be an integer from 1 to 65535";
    const HOST_LEN_MSG: &str = "host must be 1 to 256 characters";
    const HOST_MSG: &str = "host must be a host name (dot-separated labels of letters, digits and '-', not starting or ending with '-') or an IPv4 address";
    const CRED_REQUIRED: &str = "access_credential is required for a logdna target";
    const CRED_NOT_ALLOWED: &str = "access_credential is not allowed for a logs target";
    const SECRET: &str = "an-ingestion-secret";

    fn fe(field: &str, message: &str) -> FieldError {
        FieldError::new(field, message)
    }

    fn se(field: &str, message: &str) -> SpecError {
        SpecError::Field(fe(field, message))
    }

    fn logdna_target(name: &str) -> Value {
        json!({"log_sink_crn": LOGDNA_CRN, "name": name,
               "parameters": {"host": "www.example.com", "port": 8080, "access_credential": SECRET}})
    }

    fn logs_target(name: &str) -> Value {
        json!({"log_sink_crn": LOGS_CRN, "name": name,
               "parameters": {"host": "www.example.com", "port": 8080}})
    }

    fn crn_with_service(service: &str) -> String {
        format!("crn:v1:bluemix:public:{service}:eu-de:a/abc:instance-id::")
    }

    /// Replaces the value at a `/`-separated pointer (or removes it when `value` is None).
    fn with(mut v: Value, pointer: &str, value: Option<Value>) -> Value {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = v.pointer_mut(parent).unwrap();
        match (target, value) {
            (Value::Object(m), Some(x)) => {
                m.insert(key.to_owned(), x);
            }
            (Value::Object(m), None) => {
                m.remove(key);
            }
            (Value::Array(a), Some(x)) => a[key.parse::<usize>().unwrap()] = x,
            _ => panic!("bad pointer {pointer}"),
        }
        v
    }

    // ---- names ----

    #[test]
    fn name_length_and_characters() {
        assert_eq!(validate_name("name", &"a".repeat(35)), Ok(()));
        assert_eq!(validate_name("name", "a"), Ok(()));
        assert_eq!(validate_name("name", "My-Tenant-01"), Ok(()));
        for bad in [
            "".to_owned(),
            "a".repeat(36),
            "my_tenant".to_owned(),
            "my tenant".to_owned(),
            "my.tenant".to_owned(),
            "tenänt".to_owned(),
        ] {
            assert_eq!(
                validate_name("name", &bad),
                Err(fe("name", NAME_MSG)),
                "{bad}"
            );
        }
    }

    #[test]
    fn name_message_uses_the_last_path_segment() {
        assert_eq!(
            validate_name("targets[1].name", "a b"),
            Err(fe("targets[1].name", NAME_MSG))
        );
    }

    // ---- CRNs ----

    #[test]
    fn sink_type_from_crn() {
        assert_eq!(
            sink_type("log_sink_crn", LOGDNA_CRN),
            Ok(TargetType::Logdna)
        );
        assert_eq!(sink_type("log_sink_crn", LOGS_CRN), Ok(TargetType::Logs));
    }

    #[test]
    fn malformed_crns_are_refused() {
        let bad = [
            "crn:v1:bluemix:public:logs:eu-de:a/abc:instance:".to_owned(), // 9 segments
            "crn:v1:bluemix:public:logs:eu-de:a/abc:instance:::".to_owned(), // 11 segments
            crn_with_service("cloud-object-storage"),
            crn_with_service("LOGS"),
            crn_with_service(""),
            "crn:v2:bluemix:public:logs:eu-de:a/abc:instance::".to_owned(),
            "CRN:v1:bluemix:public:logs:eu-de:a/abc:instance::".to_owned(),
            "crn:v1::public:logs:eu-de:a/abc:instance::".to_owned(),
            "crn:v1:bluemix:public:logs::a/abc:instance::".to_owned(),
            "crn:v1:bluemix:public:logs:eu-de:a/abc:::".to_owned(),
            "crn:v1:bluemix:public:logs:eu de:a/abc:instance::".to_owned(),
            "crn:v1:bluemix:public:logs:eu-de:a/abc:instance::\n".to_owned(),
            String::new(),
        ];
        for crn in bad {
            assert_eq!(
                sink_type("log_sink_crn", &crn),
                Err(fe("log_sink_crn", CRN_MSG)),
                "{crn:?}"
            );
        }
    }

    #[test]
    fn crn_length_limit() {
        let base = "crn:v1:bluemix:public:logs:eu-de:a/abc:";
        let at_limit = format!("{base}{}::", "x".repeat(CRN_MAX_CHARS - base.len() - 2));
        assert_eq!(at_limit.len(), 256);
        assert_eq!(sink_type("log_sink_crn", &at_limit), Ok(TargetType::Logs));
        let over = format!("{base}{}::", "x".repeat(CRN_MAX_CHARS - base.len() - 1));
        assert_eq!(over.len(), 257);
        assert_eq!(
            sink_type("targets[0].log_sink_crn", &over),
            Err(fe(
                "targets[0].log_sink_crn",
                "log_sink_crn must be at most 256 characters"
            ))
        );
    }

    // ---- hosts ----

    #[test]
    fn hosts() {
        for ok in [
            "www.example.com",
            "localhost",
            "a",
            "10.0.0.1",
            "192.168.255.255",
            "ingest.private.eu-de.logging.cloud.ibm.com",
            "xn--bcher-kva.example",
        ] {
            assert_eq!(validate_host("parameters.host", ok), Ok(()), "{ok}");
        }
        let bad_label = format!("{}.com", "a".repeat(64));
        for bad in [
            "my_host.example.com",
            "-host.example.com",
            "host-.example.com",
            "host..example.com",
            ".example.com",
            "example.com.",
            "host name",
            "https://example.com",
            "example.com:443",
            "::1",
            &bad_label,
        ] {
            assert_eq!(
                validate_host("parameters.host", bad),
                Err(fe("parameters.host", HOST_MSG)),
                "{bad}"
            );
        }
        assert_eq!(
            validate_host("parameters.host", &format!("{}.com", "a".repeat(63))),
            Ok(())
        );
    }

    #[test]
    fn host_length() {
        assert_eq!(
            validate_host("parameters.host", ""),
            Err(fe("parameters.host", HOST_LEN_MSG))
        );
        let label = "a".repeat(63);
        let at_limit = format!("{label}.{label}.{label}.{}.b", "a".repeat(62));
        assert_eq!(at_limit.len(), 256);
        assert_eq!(validate_host("parameters.host", &at_limit), Ok(()));
        let over = format!("{label}.{label}.{label}.{label}.b");
        assert_eq!(over.len(), 257);
        assert_eq!(
            validate_host("targets[0].parameters.host", &over),
            Err(fe("targets[0].parameters.host", HOST_LEN_MSG))
        );
    }

    // ---- ports ----

    #[test]
    fn ports() {
        assert_eq!(validate_port("parameters.port", &json!(1)), Ok(1));
        assert_eq!(validate_port("parameters.port", &json!(8080)), Ok(8080));
        assert_eq!(validate_port("parameters.port", &json!(65535)), Ok(65535));
        for bad in [
            json!(0),
            json!(65536),
            json!(-1),
            json!("80"),
            json!(80.5),
            json!(80.0),
            json!(null),
            json!(true),
            json!([80]),
            json!(u64::MAX),
        ] {
            assert_eq!(
                validate_port("parameters.port", &bad),
                Err(fe("parameters.port", PORT_MSG)),
                "{bad}"
            );
        }
    }

    // ---- CRNs and ids we write ----

    #[test]
    fn crns_and_ids() {
        let id = Uuid::parse_str("8717db99-2cfb-4ba6-a033-89c994c2e9f0").unwrap();
        assert_eq!(
            tenant_crn("eu-de", "6516b8fa0a174a71899f5affa4f18d78", id),
            "crn:v1:bluemix:public:logs-router:eu-de:a/6516b8fa0a174a71899f5affa4f18d78:8717db99-2cfb-4ba6-a033-89c994c2e9f0::"
        );
        assert_eq!(
            account_crn("eu-de", "6516b8fa0a174a71899f5affa4f18d78"),
            "crn:v1:bluemix:public:logs-router:eu-de:a/6516b8fa0a174a71899f5affa4f18d78::"
        );
        assert_eq!(format_id(id), "8717DB99-2CFB-4BA6-A033-89C994C2E9F0");
        // the tenant CRN has the 10 segments of any CRN
        assert_eq!(tenant_crn("eu-de", "acc", id).split(':').count(), 10);
    }

    #[test]
    fn target_type_strings() {
        for t in TargetType::ALL {
            assert_eq!(t.as_str().parse::<TargetType>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
        }
        assert_eq!(TargetType::Logdna.as_str(), "logdna");
        assert_eq!(TargetType::Logs.as_str(), "logs");
        assert_eq!(
            "Logs".parse::<TargetType>().map_err(|e| e.to_string()),
            Err("target type 'Logs' is not valid; accepted values are 'logdna', 'logs'".to_owned())
        );
        assert_eq!(
            serde_json::to_value(TargetType::Logdna).unwrap(),
            json!("logdna")
        );
    }

    // ---- IBM-API-Version ----

    #[test]
    fn api_version() {
        let today = date!(2025 - 03 - 01);
        assert_eq!(
            check_api_version("2024-06-15", today),
            Ok(date!(2024 - 06 - 15))
        );
        assert_eq!(check_api_version("2025-03-01", today), Ok(today));
        assert_eq!(
            check_api_version("2024-02-29", today),
            Ok(date!(2024 - 02 - 29))
        );
        let shape = Err("IBM-API-Version must be a date in the format YYYY-MM-DD".to_owned());
        for bad in [
            "20240615",
            "2024-6-15",
            "2024/06/15",
            "",
            "2024-06-15T00:00:00Z",
            "+024-06-15",
            "２０２４-06-15",
        ] {
            assert_eq!(check_api_version(bad, today), shape, "{bad}");
        }
        let not_real = Err("IBM-API-Version must be a real calendar date (YYYY-MM-DD)".to_owned());
        for bad in [
            "2024-02-30",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-01-00",
        ] {
            assert_eq!(check_api_version(bad, today), not_real, "{bad}");
        }
        assert_eq!(
            check_api_version("2025-03-02", today),
            Err("IBM-API-Version must not be after today (2025-03-01, UTC)".to_owned())
        );
    }

    // ---- POST /tenants ----

    #[test]
    fn new_tenant_from_the_seed_example() {
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

    // ---- PATCH /tenants/{id}/targets/{tid} ----

    fn current_logdna() -> TargetSpec {
        TargetSpec {
            name: "dna".into(),
            log_sink_crn: LOGDNA_CRN.into(),
            target_type: TargetType::Logdna,
            host: "www.example.com".into(),
            port: 8080,
            access_credential: None,
        }
    }

    fn current_logs() -> TargetSpec {
        TargetSpec {
            name: "cl".into(),
            log_sink_crn: LOGS_CRN.into(),
            target_type: TargetType::Logs,
            host: "www.example.com".into(),
            port: 443,
            access_credential: None,
        }
    }

    fn unchanged(spec: TargetSpec, drop_credential: bool) -> PatchedTarget {
        PatchedTarget {
            spec,
            drop_credential,
        }
    }

    #[test]
    fn empty_patch_changes_nothing() {
        assert_eq!(
            apply_target_patch(&current_logdna(), true, &json!({})),
            Ok(unchanged(current_logdna(), false))
        );
        assert_eq!(
            apply_target_patch(&current_logs(), false, &json!({})),
            Ok(unchanged(current_logs(), false))
        );
        assert_eq!(
            apply_target_patch(&current_logs(), false, &json!({"parameters": {}})),
            Ok(unchanged(current_logs(), false))
        );
    }

    #[test]
    fn patch_changes_only_what_it_names() {
        let got = apply_target_patch(
            &current_logdna(),
            true,
            &json!({"name": "renamed", "parameters": {"port": 9000}}),
        )
        .unwrap();
        assert_eq!(
            got,
            unchanged(
                TargetSpec {
                    name: "renamed".into(),
                    port: 9000,
                    ..current_logdna()
                },
                false
            )
        );
        let got = apply_target_patch(
            &current_logdna(),
            true,
            &json!({"parameters": {"host": "10.1.2.3", "access_credential": "new-key"}}),
        )
        .unwrap();
        assert_eq!(
            got,
            unchanged(
                TargetSpec {
                    host: "10.1.2.3".into(),
                    access_credential: Some("new-key".into()),
                    ..current_logdna()
                },
                false
            )
        );
    }

    #[test]
    fn patch_nulls() {
        let cases: Vec<(Value, SpecError)> = vec![
            (json!({"name": null}), se("name", "name cannot be null")),
            (
                json!({"log_sink_crn": null}),
                se("log_sink_crn", "log_sink_crn cannot be null"),
            ),
            (
                json!({"parameters": null}),
                se("parameters", "parameters cannot be null"),
            ),
            (
                json!({"parameters": {"host": null}}),
                se("parameters.host", "host cannot be null"),
            ),
            (
                json!({"parameters": {"port": null}}),
                se("parameters.port", "port cannot be null"),
            ),
            // removing the credential of a logdna target leaves it without one
            (
                json!({"parameters": {"access_credential": null}}),
                se("parameters.access_credential", CRED_REQUIRED),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                apply_target_patch(&current_logdna(), true, &patch),
                Err(want),
                "{patch}"
            );
        }
        // null credential on a logs target: nothing to keep, the stored one (if any) goes
        assert_eq!(
            apply_target_patch(
                &current_logs(),
                true,
                &json!({"parameters": {"access_credential": null}})
            ),
            Ok(unchanged(current_logs(), true))
        );
        assert_eq!(
            apply_target_patch(
                &current_logs(),
                false,
                &json!({"parameters": {"access_credential": null}})
            ),
            Ok(unchanged(current_logs(), false))
        );
    }

    #[test]
    fn patch_unknown_fields_and_types() {
        let cases: Vec<(Value, SpecError)> = vec![
            (
                json!([]),
                se("body", "the request body must be a JSON object"),
            ),
            (json!({"foo": 1}), se("foo", "unknown field 'foo'")),
            (
                json!({"type": "logs"}),
                se(
                    "type",
                    "field 'type' is read-only: it follows the service name in log_sink_crn",
                ),
            ),
            (
                json!({"etag": "x"}),
                se("etag", "field 'etag' is read-only"),
            ),
            (
                json!({"parameters": {"foo": 1}}),
                se("parameters.foo", "unknown field 'foo'"),
            ),
            (
                json!({"parameters": "x"}),
                se("parameters", "parameters must be an object"),
            ),
            (json!({"name": 3}), se("name", "name must be a string")),
            (json!({"name": "a.b"}), se("name", NAME_MSG)),
            (
                json!({"log_sink_crn": false}),
                se("log_sink_crn", "log_sink_crn must be a string"),
            ),
            (
                json!({"log_sink_crn": crn_with_service("cloud-object-storage")}),
                se("log_sink_crn", CRN_MSG),
            ),
            (
                json!({"parameters": {"host": 1}}),
                se("parameters.host", "host must be a string"),
            ),
            (
                json!({"parameters": {"host": "bad_host"}}),
                se("parameters.host", HOST_MSG),
            ),
            (
                json!({"parameters": {"port": "80"}}),
                se("parameters.port", PORT_MSG),
            ),
            (
                json!({"parameters": {"port": 80.5}}),
                se("parameters.port", PORT_MSG),
            ),
            (
                json!({"parameters": {"port": 0}}),
                se("parameters.port", PORT_MSG),
            ),
            (
                json!({"parameters": {"access_credential": 1}}),
                se(
                    "parameters.access_credential",
                    "access_credential must be a string",
                ),
            ),
            (
                json!({"parameters": {"access_credential": ""}}),
                se(
                    "parameters.access_credential",
                    "access_credential must not be empty",
                ),
            ),
        ];
        for (patch, want) in cases {
            assert_eq!(
                apply_target_patch(&current_logdna(), true, &patch),
                Err(want),
                "{patch}"
            );
        }
    }

    #[test]
    fn patch_credential_rules() {
        // logdna without a stored credential needs one in the patch
        assert_eq!(
            apply_target_patch(&current_logdna(), false, &json!({"name": "x"})),
            Err(se("parameters.access_credential", CRED_REQUIRED))
        );
        assert_eq!(
            apply_target_patch(
                &current_logdna(),
                false,
                &json!({"parameters": {"access_credential": "k"}})
            )
            .map(|p| p.spec.access_credential),
            Ok(Some("k".to_owned()))
        );
        // a logs target must not get one
        assert_eq!(
            apply_target_patch(
                &current_logs(),
                false,
                &json!({"parameters": {"access_credential": "k"}})
            ),
            Err(se("parameters.access_credential", CRED_NOT_ALLOWED))
        );
        // a logs target wrongly holding one loses it on any patch
        assert_eq!(
            apply_target_patch(&current_logs(), true, &json!({})),
            Ok(unchanged(current_logs(), true))
        );
        // a credential on `current` counts as stored
        let with_cred = TargetSpec {
            access_credential: Some("old".into()),
            ..current_logdna()
        };
        assert_eq!(
            apply_target_patch(&with_cred, false, &json!({})),
            Ok(unchanged(current_logdna(), false))
        );
    }

    #[test]
    fn patch_type_change() {
        // logdna -> logs: the stored credential is dropped; carrying one is refused
        let got = apply_target_patch(&current_logdna(), true, &json!({"log_sink_crn": LOGS_CRN}))
            .unwrap();
        assert_eq!(
            got,
            unchanged(
                TargetSpec {
                    log_sink_crn: LOGS_CRN.into(),
                    target_type: TargetType::Logs,
                    ..current_logdna()
                },
                true
            )
        );
        assert_eq!(
            apply_target_patch(
                &current_logdna(),
                true,
                &json!({"log_sink_crn": LOGS_CRN, "parameters": {"access_credential": "k"}})
            ),
            Err(se("parameters.access_credential", CRED_NOT_ALLOWED))
        );
        assert_eq!(
            apply_target_patch(
                &current_logdna(),
                true,
                &json!({"log_sink_crn": LOGS_CRN, "parameters": {"access_credential": null}})
            )
            .map(|p| (p.spec.target_type, p.drop_credential)),
            Ok((TargetType::Logs, true))
        );
        // logs -> logdna: needs a credential in the same patch
        assert_eq!(
            apply_target_patch(&current_logs(), false, &json!({"log_sink_crn": LOGDNA_CRN})),
            Err(se("parameters.access_credential", CRED_REQUIRED))
        );
        let got = apply_target_patch(
            &current_logs(),
            false,
            &json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": "k"}}),
        )
        .unwrap();
        assert_eq!(
            got,
            unchanged(
                TargetSpec {
                    log_sink_crn: LOGDNA_CRN.into(),
                    target_type: TargetType::Logdna,
                    access_credential: Some("k".into()),
                    ..current_logs()
                },
                false
            )
        );
    }

    #[test]
    fn debug_redacts_the_credential() {
        let spec = parse_new_target(&logdna_target("a")).unwrap();
        let tenant =
            parse_new_tenant(&json!({"name": "t", "targets": [logdna_target("a")]})).unwrap();
        let patched = apply_target_patch(
            &current_logdna(),
            true,
            &json!({"parameters": {"access_credential": SECRET}}),
        )
        .unwrap();
        for dbg in [
            format!("{spec:?}"),
            format!("{tenant:#?}"),
            format!("{patched:?}"),
        ] {
            assert!(!dbg.contains(SECRET), "{dbg}");
            assert!(dbg.contains("<redacted>"), "{dbg}");
        }
    }

    #[test]
    fn field_error_display() {
        assert_eq!(
            se("parameters.port", PORT_MSG).to_string(),
            "parameters.port: port must be an integer from 1 to 65535"
        );
    }
}
