//! Settings both services read from the environment (or the same-named command-line flags).

use clap::{Args, ValueEnum};
use std::fmt;
use std::path::PathBuf;

/// A value that must never be printed: a URL with a password, a key, a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Json,
    Text,
}

/// The variables of the runtime contract that both services share.
#[derive(Debug, Clone, Args)]
pub struct CommonSettings {
    /// `postgres://` URL of the service's own database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<Secret>,

    /// Apply pending migrations at start.
    #[arg(long, env = "RUN_MIGRATIONS", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub run_migrations: bool,

    /// Maximum connections in the pool (default: 4 per core, at least 16).
    #[arg(long, env = "DATABASE_POOL_SIZE", global = true)]
    pub database_pool_size: Option<usize>,

    /// When set, HS256 tokens signed with this secret are accepted (local development, tests).
    #[arg(long, env = "AUTH_HS256_SECRET", hide_env_values = true, global = true)]
    pub auth_hs256_secret: Option<Secret>,

    /// A JWKS URL: RS256/ES256 tokens whose `kid` it holds are accepted; cached, refreshed on an unknown kid.
    #[arg(long, env = "AUTH_JWKS_URL", global = true)]
    pub auth_jwks_url: Option<String>,

    /// A JWKS file: RS256/ES256 tokens whose `kid` it holds are accepted.
    #[arg(long, env = "AUTH_JWKS_FILE", global = true)]
    pub auth_jwks_file: Option<PathBuf>,

    /// When set, a token's `iss` must equal it.
    #[arg(long, env = "AUTH_ISSUER", global = true)]
    pub auth_issuer: Option<String>,

    /// When set, a token's `aud` must contain it.
    #[arg(long, env = "AUTH_AUDIENCE", global = true)]
    pub auth_audience: Option<String>,

    /// Dotted path of the claim that holds the caller's account id.
    #[arg(
        long,
        env = "AUTH_ACCOUNT_CLAIM",
        default_value = "account.bss",
        global = true
    )]
    pub auth_account_claim: String,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Json, global = true)]
    pub log_format: LogFormat,
}

impl CommonSettings {
    /// The pool size to use: the configured one, else 4 per core with a floor of 16 (make bench: a pool smaller
    /// than the request concurrency leaves commits waiting for WAL flushes they could share).
    pub fn pool_size(&self) -> usize {
        self.database_pool_size
            .filter(|n| *n > 0)
            .unwrap_or_else(|| {
                let cores = std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2);
                (cores * 4).max(16)
            })
    }

    pub fn auth_config(&self) -> auth::AuthConfig {
        auth::AuthConfig {
            hs256_secret: self
                .auth_hs256_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
            jwks_url: self.auth_jwks_url.clone().filter(|s| !s.is_empty()),
            jwks_file: self
                .auth_jwks_file
                .clone()
                .filter(|p| !p.as_os_str().is_empty()),
            issuer: self.auth_issuer.clone().filter(|s| !s.is_empty()),
            audience: self.auth_audience.clone().filter(|s| !s.is_empty()),
            account_claim: self.auth_account_claim.clone(),
        }
    }

    /// Settings for tests and tools: a database, an HS256 secret, nothing else.
    pub fn for_tests(database_url: &str, hs256_secret: &str) -> Self {
        Self {
            database_url: Some(Secret::new(database_url)),
            run_migrations: true,
            database_pool_size: Some(8),
            auth_hs256_secret: Some(Secret::new(hs256_secret)),
            auth_jwks_url: None,
            auth_jwks_file: None,
            auth_issuer: None,
            auth_audience: None,
            auth_account_claim: "account.bss".into(),
            log_format: LogFormat::Text,
        }
    }
}
