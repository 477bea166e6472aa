//! The target PATCH: a JSON merge patch (RFC 7396) applied to a stored target.

use serde_json::{Map, Value};

use crate::bodies::{PARAMETER_FIELDS, TARGET_FIELDS, TARGET_READ_ONLY, TargetSpec};
use crate::credentials::{Credential, check_credential, credential};
use crate::endpoints::{validate_host, validate_port};
use crate::field::{
    BODY_FIELD, FieldError, SpecError, as_str, check_fields, not_null_message, object,
};
use crate::names::validate_name;
use crate::sinks::{TargetType, sink_type};

/// A target after a merge patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchedTarget {
    /// The patched target; `access_credential` is `Some` only when the patch set a new one.
    pub spec: TargetSpec,
    /// The stored credential must be deleted (the target is, or became, a `logs` target).
    pub drop_credential: bool,
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
/// `parameters.access_credential: null` leaves the credential as it is (a departure from RFC 7396: the credential
/// is write-only and cannot be removed, and Terraform sends `null` with every logdna target). Whether the tenant
/// may take the result (a type change only for its single target) is `tenant::check`'s; whether the new name is
/// unique within the tenant, the database's.
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
        given = credential(params, "parameters.access_credential")?;
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
    use crate::testdata::*;
    use crate::*;
    use serde_json::{Value, json};
    // ---- PATCH /tenants/{id}/targets/{tid} ----

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
        ];
        for (patch, want) in cases {
            assert_eq!(
                apply_target_patch(&current_logdna(), true, &patch),
                Err(want),
                "{patch}"
            );
        }
        // null credential on a logdna target: unchanged (Terraform sends it; the credential cannot be removed)
        assert_eq!(
            apply_target_patch(
                &current_logdna(),
                true,
                &json!({"parameters": {"host": "h.example.com", "access_credential": null}})
            ),
            Ok(unchanged(
                TargetSpec {
                    host: "h.example.com".into(),
                    ..current_logdna()
                },
                false
            ))
        );
        // ... but it does not stand in for a credential a logdna target must have
        assert_eq!(
            apply_target_patch(
                &current_logs(),
                false,
                &json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": null}})
            ),
            Err(se("parameters.access_credential", CRED_REQUIRED))
        );
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
}
