//! How a body's refusals are told: [`FieldError`] names the exact JSON path sent, [`SpecError`] adds the one
//! refusal that is a conflict; and the small readers every body parser shares (objects, required members,
//! strings, allowed keys).

use serde_json::{Map, Value};

use crate::sinks::TargetType;

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

/// How a NUL is written where the router echoes a request (audit events): PostgreSQL's `text` and `jsonb` cannot
/// hold the character. (Requests holding one are refused at the boundary, `platform::guard`.)
pub const NUL_ESCAPED: &str = "\\u0000";

/// The last segment of a field path: what messages call the field.
pub(crate) fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The first key of `map` not in `allowed`, as an error. Read-only fields of the resource get a message of their own.
pub(crate) fn check_fields(
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

pub(crate) fn object<'a>(
    value: &'a Value,
    field: &str,
) -> Result<&'a Map<String, Value>, FieldError> {
    value.as_object().ok_or_else(|| {
        let message = if field == BODY_FIELD {
            "the request body must be a JSON object".to_owned()
        } else {
            format!("{} must be an object", leaf(field))
        };
        FieldError::new(field, message)
    })
}

pub(crate) fn required_message(field: &str) -> String {
    format!("{} is required", leaf(field))
}

pub(crate) fn not_null_message(field: &str) -> String {
    format!("{} cannot be null", leaf(field))
}

pub(crate) fn string_message(field: &str) -> String {
    format!("{} must be a string", leaf(field))
}

/// A field of a POST body that must be there (`null` counts as absent).
pub(crate) fn required<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    key: &str,
) -> Result<&'a Value, FieldError> {
    match map.get(key) {
        None | Some(Value::Null) => Err(FieldError::new(field, required_message(field))),
        Some(v) => Ok(v),
    }
}

pub(crate) fn as_str<'a>(value: &'a Value, field: &str) -> Result<&'a str, FieldError> {
    value
        .as_str()
        .ok_or_else(|| FieldError::new(field, string_message(field)))
}

#[cfg(test)]
mod tests {
    use crate::testdata::*;

    #[test]
    fn field_error_display() {
        assert_eq!(
            se("parameters.port", PORT_MSG).to_string(),
            "parameters.port: port must be an integer from 1 to 65535"
        );
    }
}
