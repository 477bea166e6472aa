//! A second token issuer: the cluster's service-account issuer. A workload (logs-router) authenticates with
//! the projected ServiceAccount token kubelet mounts and rotates, instead of a token someone mints by hand.
//!
//! Such a token carries no permissions: only the configured subjects
//! (`system:serviceaccount:<namespace>:<name>`) are accepted from this issuer, each granted the configured
//! permissions and nothing else. The issuer's keys come from a JWKS file or from the API server's
//! `/openid/v1/jwks`, fetched with the pod's own token and the cluster's CA.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use crate::config::ConfigError;

/// Where the pod's own token and the cluster CA are mounted in every Kubernetes pod.
pub const IN_CLUSTER_TOKEN_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
pub const IN_CLUSTER_CA_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

/// The audience a service-account token must name when `AUTH_SA_AUDIENCE` is unset.
pub const DEFAULT_AUDIENCE: &str = "service-logs";

/// The service-account issuer, as configured by `AUTH_SA_*`.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceAccountIssuer {
    /// `AUTH_SA_ISSUER`: the `iss` of the cluster's service-account tokens. Setting it turns this issuer on.
    pub issuer: String,
    /// `AUTH_SA_AUDIENCE`: the token's `aud` must contain it (default `service-logs`).
    pub audience: String,
    /// `AUTH_SA_JWKS_FILE`: the issuer's JWKS, read once at start. Wins over the URL.
    pub jwks_file: Option<PathBuf>,
    /// `AUTH_SA_JWKS_URL`: e.g. `https://kubernetes.default.svc/openid/v1/jwks`; cached, refreshed on an
    /// unknown `kid`.
    pub jwks_url: Option<String>,
    /// `AUTH_SA_TOKEN_FILE`: bearer token sent with each JWKS fetch, re-read each time (kubelet rotates it).
    /// Default: the pod's own token, when that file exists.
    pub token_file: Option<PathBuf>,
    /// `AUTH_SA_CA_FILE`: PEM bundle the JWKS URL's certificate is checked against, on top of the usual
    /// roots. Default: the cluster CA, when that file exists.
    pub ca_file: Option<PathBuf>,
    /// `AUTH_SA_SUBJECTS`: the accepted subjects, comma-separated.
    pub subjects: BTreeSet<String>,
    /// What each accepted subject may do.
    pub permissions: BTreeSet<String>,
}

impl fmt::Debug for ServiceAccountIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountIssuer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("jwks_file", &self.jwks_file)
            .field("jwks_url", &self.jwks_url)
            .field("token_file", &self.token_file)
            .field("ca_file", &self.ca_file)
            .field("subjects", &self.subjects)
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl ServiceAccountIssuer {
    /// Reads `AUTH_SA_*` from the process environment; `None` when `AUTH_SA_ISSUER` is unset or empty.
    /// `permissions` are what the accepted subjects get.
    pub fn from_env(permissions: &[&str]) -> Result<Option<Self>, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), permissions)
    }

    /// As [`Self::from_env`], with the variables from `lookup`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        permissions: &[&str],
    ) -> Result<Option<Self>, ConfigError> {
        let var = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let Some(issuer) = var("AUTH_SA_ISSUER") else {
            return Ok(None);
        };
        let bad = |reason: &str| ConfigError::ServiceAccountIssuer(reason.to_owned());
        let subjects: BTreeSet<String> = var("AUTH_SA_SUBJECTS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if subjects.is_empty() {
            return Err(bad(
                "AUTH_SA_SUBJECTS is empty: name the accepted service accounts, e.g. \
                 system:serviceaccount:logs:logs-router",
            ));
        }
        if let Some(s) = subjects.iter().find(|s| !is_service_account_subject(s)) {
            return Err(ConfigError::ServiceAccountIssuer(format!(
                "AUTH_SA_SUBJECTS: '{s}' is not of the form system:serviceaccount:<namespace>:<name>"
            )));
        }
        let jwks_file = var("AUTH_SA_JWKS_FILE").map(PathBuf::from);
        let jwks_url = var("AUTH_SA_JWKS_URL");
        if jwks_file.is_none() && jwks_url.is_none() {
            return Err(bad(
                "AUTH_SA_ISSUER is set without keys: set AUTH_SA_JWKS_FILE or AUTH_SA_JWKS_URL \
                 (in a pod: https://kubernetes.default.svc/openid/v1/jwks)",
            ));
        }
        let existing = |p: &str| Some(PathBuf::from(p)).filter(|p| p.exists());
        Ok(Some(Self {
            issuer,
            audience: var("AUTH_SA_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.to_owned()),
            jwks_file,
            jwks_url,
            token_file: var("AUTH_SA_TOKEN_FILE")
                .map(PathBuf::from)
                .or_else(|| existing(IN_CLUSTER_TOKEN_FILE)),
            ca_file: var("AUTH_SA_CA_FILE")
                .map(PathBuf::from)
                .or_else(|| existing(IN_CLUSTER_CA_FILE)),
            subjects,
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }))
    }
}

/// `system:serviceaccount:<namespace>:<name>`, both parts non-empty.
fn is_service_account_subject(s: &str) -> bool {
    let mut parts = s.split(':');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("system"), Some("serviceaccount"), Some(ns), Some(name), None) if !ns.is_empty() && !name.is_empty()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Result<Option<ServiceAccountIssuer>, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ServiceAccountIssuer::from_lookup(|n| map.get(n).cloned(), &["service-logs.log.create"])
    }

    #[test]
    fn off_unless_the_issuer_is_set() {
        assert_eq!(from(&[]).unwrap(), None);
        assert_eq!(from(&[("AUTH_SA_ISSUER", " ")]).unwrap(), None);
    }

    #[test]
    fn reads_every_variable() {
        let sa = from(&[
            (
                "AUTH_SA_ISSUER",
                "https://kubernetes.default.svc.cluster.local",
            ),
            (
                "AUTH_SA_JWKS_URL",
                "https://kubernetes.default.svc/openid/v1/jwks",
            ),
            ("AUTH_SA_TOKEN_FILE", "/t"),
            ("AUTH_SA_CA_FILE", "/ca"),
            (
                "AUTH_SA_SUBJECTS",
                "system:serviceaccount:logs:logs-router, system:serviceaccount:eu:logs-router",
            ),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(sa.audience, "service-logs");
        assert_eq!(sa.token_file, Some(PathBuf::from("/t")));
        assert_eq!(sa.ca_file, Some(PathBuf::from("/ca")));
        assert_eq!(
            sa.subjects.iter().map(String::as_str).collect::<Vec<_>>(),
            vec![
                "system:serviceaccount:eu:logs-router",
                "system:serviceaccount:logs:logs-router"
            ]
        );
    }

    #[test]
    fn refuses_what_cannot_work() {
        let issuer = ("AUTH_SA_ISSUER", "https://k8s");
        let keys = ("AUTH_SA_JWKS_FILE", "/jwks.json");
        let err = |vars: &[(&str, &str)]| from(vars).unwrap_err().to_string();
        assert!(err(&[issuer, keys]).contains("AUTH_SA_SUBJECTS is empty"));
        assert!(
            err(&[issuer, keys, ("AUTH_SA_SUBJECTS", "logs-router")])
                .contains("'logs-router' is not of the form")
        );
        assert!(
            err(&[issuer, ("AUTH_SA_SUBJECTS", "system:serviceaccount:a:b")])
                .contains("without keys")
        );
    }
}
