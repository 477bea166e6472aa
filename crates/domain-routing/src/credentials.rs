//! `parameters.access_credential`: how a body says it, and which target types need one.

use serde_json::{Map, Value};

use crate::field::{FieldError, as_str, leaf};
use crate::sinks::TargetType;

/// What a body says of `parameters.access_credential`.
pub(crate) enum Credential<'a> {
    /// Absent, or `null`.
    Absent,
    Set(&'a str),
}

/// Reads `access_credential`: a string if present. `null` counts as absent everywhere, in a merge patch too: the
/// credential is write-only and cannot be removed, and Terraform sends `"access_credential": null` with every
/// target it builds (a departure from RFC 7396, where `null` would remove the member).
pub(crate) fn credential<'a>(
    params: &'a Map<String, Value>,
    field: &str,
) -> Result<Credential<'a>, FieldError> {
    match params.get("access_credential") {
        None | Some(Value::Null) => Ok(Credential::Absent),
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
