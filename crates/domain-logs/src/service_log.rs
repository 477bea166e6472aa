//! The rules of a new service log: what a client must send and what the server fills in.

use serde::Deserialize;
use time::OffsetDateTime;

use crate::severity::Severity;
use domain::timefmt;

/// The most characters a summary may have (shared with the router, which writes service logs).
pub use domain::cluster_log::SUMMARY_MAX_CHARS;
/// The most characters of each indexed text field (`cluster_uuid`, `cluster_id`, `subscription_id`, `account_id`,
/// `service_name`, `log_type`). PostgreSQL refuses a B-tree index entry above 2,704 bytes; 512 characters of up to
/// 4 bytes each, with the timestamp and id beside them in the cluster indexes, stay under it, so no create can
/// fail in the database on its content.
pub const INDEXED_MAX_CHARS: usize = 512;
/// The most characters of an idempotency key (the `Idempotency-Key` header, a bulk item's `idempotency_key`).
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 255;
/// The most logs one bulk create carries.
pub const BULK_MAX_ITEMS: usize = 1000;

/// A create request's body as clients send it. Every field is optional here so that each missing or wrong one
/// gets its own clear reason from [`LogInput::validate`]; `null` counts as absent. Fields the server sets
/// (`id`, `kind`, `href`, `created_at`, `created_by`, ...) are ignored when sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogInput {
    pub cluster_uuid: Option<String>,
    pub cluster_id: Option<String>,
    pub subscription_id: Option<String>,
    pub account_id: Option<String>,
    pub severity: Option<String>,
    pub service_name: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub internal_only: Option<bool>,
    pub log_type: Option<String>,
    pub doc_references: Option<Vec<String>>,
    pub event_stream_id: Option<String>,
    pub timestamp: Option<String>,
    pub username: Option<String>,
}

/// A create request that follows every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidLog {
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    pub account_id: String,
    pub severity: Severity,
    pub service_name: String,
    pub summary: String,
    pub description: String,
    pub internal_only: bool,
    pub log_type: String,
    pub doc_references: Vec<String>,
    /// `None`: the server makes a new one.
    pub event_stream_id: Option<String>,
    /// `None`: now.
    pub timestamp: Option<OffsetDateTime>,
    pub username: String,
}

/// A broken rule; the text is the reason the client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

impl LogInput {
    pub fn validate(self) -> Result<ValidLog, RuleError> {
        let severity_text = text(self.severity);
        if severity_text.is_empty() {
            return Err(RuleError("Field 'severity' is required".into()));
        }
        let severity = severity_text
            .parse::<Severity>()
            .map_err(|e| RuleError(e.to_string()))?;
        let service_name = text(self.service_name);
        if service_name.trim().is_empty() {
            return Err(RuleError("Field 'service_name' is required".into()));
        }
        let summary = text(self.summary);
        if summary.trim().is_empty() {
            return Err(RuleError("Field 'summary' is required".into()));
        }
        let chars = summary.chars().count();
        if chars > SUMMARY_MAX_CHARS {
            return Err(RuleError(format!(
                "Field 'summary' is {chars} characters long; at most {SUMMARY_MAX_CHARS} are allowed"
            )));
        }
        let cluster_uuid = text(self.cluster_uuid);
        let cluster_id = text(self.cluster_id);
        if cluster_uuid.trim().is_empty() && cluster_id.trim().is_empty() {
            return Err(RuleError(
                "One of 'cluster_id' or 'cluster_uuid' is required".into(),
            ));
        }
        let indexed = [
            ("cluster_uuid", &cluster_uuid),
            ("cluster_id", &cluster_id),
            ("service_name", &service_name),
        ];
        let subscription_id = text(self.subscription_id);
        let account_id = text(self.account_id);
        let log_type = text(self.log_type);
        let more = [
            ("subscription_id", &subscription_id),
            ("account_id", &account_id),
            ("log_type", &log_type),
        ];
        for (name, value) in indexed.into_iter().chain(more) {
            let chars = value.chars().count();
            if chars > INDEXED_MAX_CHARS {
                return Err(RuleError(format!(
                    "Field '{name}' is {chars} characters long; at most {INDEXED_MAX_CHARS} are allowed"
                )));
            }
        }
        let timestamp = match self.timestamp.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(timefmt::parse_rfc3339(t).ok_or_else(|| {
                RuleError(format!(
                    "Field 'timestamp' value '{t}' is not an RFC 3339 date-time such as '2025-03-03T18:01:51Z'"
                ))
            })?),
        };
        Ok(ValidLog {
            cluster_uuid,
            cluster_id,
            subscription_id,
            account_id,
            severity,
            service_name,
            summary,
            description: text(self.description),
            internal_only: self.internal_only.unwrap_or(false),
            log_type,
            doc_references: self.doc_references.unwrap_or_default(),
            event_stream_id: self.event_stream_id.filter(|s| !s.trim().is_empty()),
            timestamp,
            username: text(self.username),
        })
    }
}

/// An idempotency key: 1 to [`IDEMPOTENCY_KEY_MAX_CHARS`] characters. `what` names where it came from in the
/// reason (`Header 'Idempotency-Key'`, `Field 'idempotency_key'`).
pub fn idempotency_key(raw: &str, what: &str) -> Result<String, RuleError> {
    let chars = raw.chars().count();
    if chars == 0 || chars > IDEMPOTENCY_KEY_MAX_CHARS {
        return Err(RuleError(format!(
            "{what} must hold 1 to {IDEMPOTENCY_KEY_MAX_CHARS} characters"
        )));
    }
    Ok(raw.to_owned())
}

/// A bulk create's number of items: 1 to [`BULK_MAX_ITEMS`].
pub fn bulk_size(items: usize) -> Result<(), RuleError> {
    if (1..=BULK_MAX_ITEMS).contains(&items) {
        Ok(())
    } else {
        Err(RuleError(format!(
            "Field 'items' must hold 1 to {BULK_MAX_ITEMS} logs; it holds {items}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> LogInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn osdctl_body_is_valid() {
        let v = input(
            r#"{"severity":"Info","service_name":"SREManualAction","cluster_uuid":"u","cluster_id":"c",
                "summary":"s","description":"d","internal_only":false,"event_stream_id":"",
                "subscription_id":"sub","doc_references":null}"#,
        )
        .validate()
        .unwrap();
        assert_eq!(v.event_stream_id, None);
        assert_eq!(v.doc_references, Vec::<String>::new());
        assert_eq!(v.severity, Severity::Info);
    }

    #[test]
    fn each_rule_has_its_reason() {
        let cases = [
            (r#"{}"#, "Field 'severity' is required"),
            (r#"{"severity":"Info"}"#, "Field 'service_name' is required"),
            (
                r#"{"severity":"Info","service_name":"x"}"#,
                "Field 'summary' is required",
            ),
            (
                r#"{"severity":"Info","service_name":"x","summary":"s"}"#,
                "One of 'cluster_id' or 'cluster_uuid' is required",
            ),
            (
                r#"{"severity":"Info","service_name":"x","summary":"s","cluster_id":"c","timestamp":"today"}"#,
                "Field 'timestamp' value 'today' is not an RFC 3339 date-time such as '2025-03-03T18:01:51Z'",
            ),
        ];
        for (body, reason) in cases {
            assert_eq!(
                input(body).validate().err(),
                Some(RuleError(reason.into())),
                "{body}"
            );
        }
        let long = format!(
            r#"{{"severity":"Info","service_name":"x","cluster_id":"c","summary":"{}"}}"#,
            "é".repeat(256)
        );
        assert_eq!(
            input(&long).validate().err(),
            Some(RuleError(
                "Field 'summary' is 256 characters long; at most 255 are allowed".into()
            ))
        );
        let ok = format!(
            r#"{{"severity":"Info","service_name":"x","cluster_id":"c","summary":"{}"}}"#,
            "é".repeat(255)
        );
        assert!(input(&ok).validate().is_ok());
    }

    #[test]
    fn indexed_fields_are_bounded() {
        for field in [
            "cluster_uuid",
            "cluster_id",
            "subscription_id",
            "account_id",
            "service_name",
            "log_type",
        ] {
            let body = |n: usize| {
                let mut v = serde_json::json!({"severity":"Info","service_name":"x","cluster_id":"c","summary":"s"});
                v[field] = serde_json::Value::String("é".repeat(n));
                serde_json::from_value::<LogInput>(v).unwrap()
            };
            assert!(body(INDEXED_MAX_CHARS).validate().is_ok(), "{field}");
            assert_eq!(
                body(INDEXED_MAX_CHARS + 1).validate().err(),
                Some(RuleError(format!(
                    "Field '{field}' is 513 characters long; at most 512 are allowed"
                )))
            );
        }
    }

    #[test]
    fn keys_and_bulk_sizes() {
        let what = "Field 'idempotency_key'";
        assert_eq!(idempotency_key("k", what), Ok("k".into()));
        assert!(idempotency_key(&"é".repeat(255), what).is_ok());
        for bad in [String::new(), "k".repeat(256)] {
            assert_eq!(
                idempotency_key(&bad, what),
                Err(RuleError(
                    "Field 'idempotency_key' must hold 1 to 255 characters".into()
                ))
            );
        }
        assert_eq!(bulk_size(1), Ok(()));
        assert_eq!(bulk_size(1000), Ok(()));
        assert_eq!(
            bulk_size(0),
            Err(RuleError(
                "Field 'items' must hold 1 to 1000 logs; it holds 0".into()
            ))
        );
        assert!(bulk_size(1001).is_err());
    }
}
