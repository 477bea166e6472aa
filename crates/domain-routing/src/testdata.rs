//! Shared test data of the rules' unit tests.
#![allow(dead_code)]

use serde_json::{Value, json};

use crate::*;

pub(crate) const LOGDNA_CRN: &str = "crn:v1:bluemix:public:logdna:eu-de:a/3516b8fa0a174a71899f5affa4f18d78:3517d2ed-9429-af34-ad52-34278391cbc8::";
pub(crate) const LOGS_CRN: &str = "crn:v1:bluemix:public:logs:eu-de:a/4516b8fa0a174a71899f5affa4f18d78:42DAB2C2-BEC2-43E3-8E90-F0259087A884::";

pub(crate) const NAME_MSG: &str = "name must be 1 to 35 characters of letters, digits and '-'";
pub(crate) const CRN_MSG: &str = "log_sink_crn must be a CRN of 10 colon-separated segments starting 'crn:v1:' whose service name is 'logdna' or 'logs'";
pub(crate) const PORT_MSG: &str = "port must be an integer from 1 to 65535";
pub(crate) const HOST_LEN_MSG: &str = "host must be 1 to 256 characters";
pub(crate) const HOST_MSG: &str = "host must be a host name (dot-separated labels of letters, digits and '-', not starting or ending with '-') or an IPv4 address";
pub(crate) const CRED_REQUIRED: &str = "access_credential is required for a logdna target";
pub(crate) const CRED_NOT_ALLOWED: &str = "access_credential is not allowed for a logs target";
pub(crate) const SECRET: &str = "an-ingestion-secret";

pub(crate) fn fe(field: &str, message: &str) -> FieldError {
    FieldError::new(field, message)
}

pub(crate) fn se(field: &str, message: &str) -> SpecError {
    SpecError::Field(fe(field, message))
}

pub(crate) fn logdna_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGDNA_CRN, "name": name,
           "parameters": {"host": "www.example.com", "port": 8080, "access_credential": SECRET}})
}

pub(crate) fn logs_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGS_CRN, "name": name,
           "parameters": {"host": "www.example.com", "port": 8080}})
}

pub(crate) fn crn_with_service(service: &str) -> String {
    format!("crn:v1:bluemix:public:{service}:eu-de:a/abc:instance-id::")
}

/// Replaces the value at a `/`-separated pointer (or removes it when `value` is None).
pub(crate) fn with(mut v: Value, pointer: &str, value: Option<Value>) -> Value {
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

pub(crate) fn current_logdna() -> TargetSpec {
    TargetSpec {
        name: "dna".into(),
        log_sink_crn: LOGDNA_CRN.into(),
        target_type: TargetType::Logdna,
        host: "www.example.com".into(),
        port: 8080,
        access_credential: None,
    }
}

pub(crate) fn current_logs() -> TargetSpec {
    TargetSpec {
        name: "cl".into(),
        log_sink_crn: LOGS_CRN.into(),
        target_type: TargetType::Logs,
        host: "www.example.com".into(),
        port: 443,
        access_credential: None,
    }
}

pub(crate) fn unchanged(spec: TargetSpec, drop_credential: bool) -> PatchedTarget {
    PatchedTarget {
        spec,
        drop_credential,
    }
}
