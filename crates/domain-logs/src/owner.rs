//! Who owns a cluster, and so who may read its logs.
//!
//! A cluster's owner is an account. Provisioning systems register it explicitly; until they do, the first log
//! that names both an account and the cluster's uuid teaches it (a "learned" owner). An explicit owner is never
//! overwritten by a log, and an explicit registration replaces a learned owner. Readers of an account see the
//! logs of the clusters it owns **now**: a cluster moved to another account takes its whole history along.

use serde::Deserialize;

use crate::service_log::{RuleError, ValidLog};

/// How an owner came to be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Registered with `PUT .../owner`.
    Explicit,
    /// Taken from the first log that named an account for the cluster.
    Learned,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Explicit => "explicit",
            Source::Learned => "learned",
        }
    }
}

/// A registration body as clients send it; `null` counts as absent, unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OwnerInput {
    pub account_id: Option<String>,
    pub cluster_id: Option<String>,
    pub subscription_id: Option<String>,
}

/// A registration that follows the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOwner {
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    pub account_id: String,
}

impl OwnerInput {
    /// Checks the body of a registration for the cluster `cluster_uuid` (from the path).
    pub fn validate(self, cluster_uuid: &str) -> Result<ValidOwner, RuleError> {
        if cluster_uuid.trim().is_empty() {
            return Err(RuleError("The cluster uuid must not be blank".into()));
        }
        let account_id = self.account_id.unwrap_or_default();
        if account_id.trim().is_empty() {
            return Err(RuleError("Field 'account_id' is required".into()));
        }
        Ok(ValidOwner {
            cluster_uuid: cluster_uuid.to_owned(),
            cluster_id: self.cluster_id.unwrap_or_default(),
            subscription_id: self.subscription_id.unwrap_or_default(),
            account_id,
        })
    }
}

/// The owner a new log teaches, if it names both an account and the cluster's uuid (the registry's key); it is
/// recorded only when the cluster has no owner yet.
pub fn learned_from(log: &ValidLog) -> Option<ValidOwner> {
    (!log.account_id.trim().is_empty() && !log.cluster_uuid.trim().is_empty()).then(|| ValidOwner {
        cluster_uuid: log.cluster_uuid.clone(),
        cluster_id: log.cluster_id.clone(),
        subscription_id: log.subscription_id.clone(),
        account_id: log.account_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service_log::LogInput;

    fn owner(json: &str) -> Result<ValidOwner, RuleError> {
        serde_json::from_str::<OwnerInput>(json)
            .unwrap()
            .validate("u-1")
    }

    #[test]
    fn account_is_required_and_the_rest_optional() {
        assert_eq!(
            owner(r#"{"account_id":"a","cluster_id":null}"#),
            Ok(ValidOwner {
                cluster_uuid: "u-1".into(),
                cluster_id: String::new(),
                subscription_id: String::new(),
                account_id: "a".into(),
            })
        );
        for body in [r#"{}"#, r#"{"account_id":null}"#, r#"{"account_id":"  "}"#] {
            assert_eq!(
                owner(body),
                Err(RuleError("Field 'account_id' is required".into())),
                "{body}"
            );
        }
    }

    #[test]
    fn only_a_log_with_account_and_uuid_teaches() {
        let log = |json: &str| {
            serde_json::from_str::<LogInput>(json)
                .unwrap()
                .validate()
                .unwrap()
        };
        let base = r#""severity":"Info","service_name":"s","summary":"x""#;
        assert!(learned_from(&log(&format!(r#"{{{base},"cluster_uuid":"u"}}"#))).is_none());
        assert!(
            learned_from(&log(&format!(
                r#"{{{base},"cluster_id":"c","account_id":"a"}}"#
            )))
            .is_none()
        );
        let learned = learned_from(&log(&format!(
            r#"{{{base},"cluster_uuid":"u","cluster_id":"c","account_id":"a"}}"#
        )))
        .unwrap();
        assert_eq!(
            (learned.cluster_uuid.as_str(), learned.account_id.as_str()),
            ("u", "a")
        );
    }
}
