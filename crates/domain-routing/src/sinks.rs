//! Log sinks: the kind of a target ([`TargetType`]) and the sink CRN it is read from.

use std::fmt;
use std::str::FromStr;

use crate::field::{FieldError, leaf};

pub const CRN_MAX_CHARS: usize = 256;

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

#[cfg(test)]
mod tests {
    use crate::testdata::*;
    use crate::*;
    use serde_json::json;
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
}
