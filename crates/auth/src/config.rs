//! Where keys come from and what a token must say, as configured by the environment.

use std::fmt;
use std::path::PathBuf;

/// Key sources and claim checks. At least one key source must be set: a service never runs unauthenticated.
#[derive(Clone, Default)]
pub struct AuthConfig {
    /// `AUTH_HS256_SECRET`: HS256 tokens signed with it are accepted (development, tests).
    pub hs256_secret: Option<String>,
    /// `AUTH_JWKS_URL`: fetched, cached, refreshed when a token names an unknown `kid`.
    pub jwks_url: Option<String>,
    /// `AUTH_JWKS_FILE`: read once at start.
    pub jwks_file: Option<PathBuf>,
    /// `AUTH_ISSUER`: when set, `iss` must equal it.
    pub issuer: Option<String>,
    /// `AUTH_AUDIENCE`: when set, `aud` must contain it.
    pub audience: Option<String>,
    /// `AUTH_ACCOUNT_CLAIM`: dotted path of the claim holding the caller's account id.
    pub account_claim: String,
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks_url", &self.jwks_url)
            .field("jwks_file", &self.jwks_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("account_claim", &self.account_claim)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no token key source is configured: set AUTH_HS256_SECRET, AUTH_JWKS_URL or AUTH_JWKS_FILE \
         (the service never runs unauthenticated)"
    )]
    NoKeySource,
    #[error("AUTH_HS256_SECRET is empty")]
    EmptySecret,
    #[error("cannot read the JWKS file {path}: {source}")]
    JwksFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the JWKS in {origin} is not valid: {reason}")]
    JwksInvalid { origin: String, reason: String },
    #[error("cannot build the HTTP client for AUTH_JWKS_URL: {0}")]
    HttpClient(String),
    #[error("the service-account issuer (AUTH_SA_*) is misconfigured: {0}")]
    ServiceAccountIssuer(String),
}
