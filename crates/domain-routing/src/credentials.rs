//! `parameters.access_credential`: how a body says it, and which target types need one.

use serde_json::{Map, Value};

use crate::field::{FieldError, as_str, leaf};
use crate::sinks::TargetType;

/// How a body treats `parameters.access_credential`.
pub(crate) enum Credential<'a> {
    Absent,
    /// `null` in a merge patch: remove the stored one.
    Remove,
    Set(&'a str),
}

/// Reads `access_credential`: a string if present. `null` is `null_means`.
pub(crate) fn credential<'a>(
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
pub(crate) fn check_credential(
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
