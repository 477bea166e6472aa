//! The HTTP client the router uses to record audit events in service-logs: connection reuse, timeouts, trace
//! propagation (reqwest-tracing injects the current span's `traceparent`), and the bearer token it authenticates
//! with.

use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_tracing::TracingMiddleware;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Path of the create endpoint under the service-logs base URL.
pub const CREATE_PATH: &str = "/api/service_logs/v1/cluster_logs";
/// Lifetime of a self-signed development token; it is re-signed well before it expires.
const SELF_SIGNED_TTL_SECS: u64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "neither SERVICE_LOGS_TOKEN_FILE nor AUTH_HS256_SECRET is set: the router cannot authenticate to service-logs"
    )]
    NoToken,
    #[error("cannot read SERVICE_LOGS_TOKEN_FILE {path}: {source}")]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("SERVICE_LOGS_TOKEN_FILE {0} is empty")]
    EmptyToken(PathBuf),
    #[error("signing the service-logs token failed: {0}")]
    Sign(String),
    #[error("building the HTTP client failed: {0}")]
    Build(String),
}

/// Where the bearer token comes from.
pub enum TokenSource {
    /// A file (a projected service-account token, a mounted secret), re-read when its modification time changes.
    File {
        path: PathBuf,
        cached: Mutex<Option<(SystemTime, String)>>,
    },
    /// Development: a short-lived HS256 token signed with AUTH_HS256_SECRET, carrying `service-logs.log.create`.
    SelfSigned {
        secret: String,
        account_claim: String,
        cached: Mutex<Option<(u64, String)>>,
    },
}

impl TokenSource {
    pub fn new(
        file: Option<PathBuf>,
        hs256_secret: Option<&str>,
        account_claim: &str,
    ) -> Result<Self, ClientError> {
        if let Some(path) = file.filter(|p| !p.as_os_str().is_empty()) {
            let source = TokenSource::File {
                path,
                cached: Mutex::new(None),
            };
            source.token()?; // fail at start, not at the first event
            return Ok(source);
        }
        match hs256_secret.filter(|s| !s.is_empty()) {
            Some(secret) => Ok(TokenSource::SelfSigned {
                secret: secret.to_owned(),
                account_claim: account_claim.to_owned(),
                cached: Mutex::new(None),
            }),
            None => Err(ClientError::NoToken),
        }
    }

    /// The current token.
    pub fn token(&self) -> Result<String, ClientError> {
        match self {
            TokenSource::File { path, cached } => {
                let modified =
                    std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .map_err(|source| ClientError::TokenFile {
                            path: path.clone(),
                            source,
                        })?;
                let mut guard = cached.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((at, token)) = guard.as_ref()
                    && *at == modified
                {
                    return Ok(token.clone());
                }
                let text =
                    std::fs::read_to_string(path).map_err(|source| ClientError::TokenFile {
                        path: path.clone(),
                        source,
                    })?;
                let token = text.trim().to_owned();
                if token.is_empty() {
                    return Err(ClientError::EmptyToken(path.clone()));
                }
                *guard = Some((modified, token.clone()));
                Ok(token)
            }
            TokenSource::SelfSigned {
                secret,
                account_claim,
                cached,
            } => {
                let now = jsonwebtoken_now();
                let mut guard = cached.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((expires, token)) = guard.as_ref()
                    && *expires > now + SELF_SIGNED_TTL_SECS / 2
                {
                    return Ok(token.clone());
                }
                let token = auth::mint_hs256(
                    secret,
                    &auth::DevToken {
                        sub: "logs-router".into(),
                        account: None,
                        permissions: vec!["service-logs.log.create".into()],
                        ttl_secs: SELF_SIGNED_TTL_SECS,
                        account_claim: account_claim.clone(),
                        extra: serde_json::Map::new(),
                    },
                )
                .map_err(|e| ClientError::Sign(e.to_string()))?;
                *guard = Some((now + SELF_SIGNED_TTL_SECS, token.clone()));
                Ok(token)
            }
        }
    }
}

fn jsonwebtoken_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// What one delivery attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// 201: stored (or an idempotent replay of an earlier store).
    Stored,
    /// Worth retrying: no answer, 5xx, 401/403 (a token may be rotating), 408, 409 (same key in flight), 429.
    Retry(String),
    /// A 4xx that can never succeed for this body.
    Rejected(String),
}

pub struct ServiceLogsClient {
    http: ClientWithMiddleware,
    url: String,
    token: TokenSource,
}

impl ServiceLogsClient {
    pub fn new(base_url: &str, token: TokenSource) -> Result<Self, ClientError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        let http = ClientBuilder::new(inner)
            .with(TracingMiddleware::default())
            .build();
        Ok(Self {
            http,
            url: format!("{}{CREATE_PATH}", base_url.trim_end_matches('/')),
            token,
        })
    }

    /// Posts one service log with `Idempotency-Key: key`, in the current span's trace.
    pub async fn create_log(&self, key: &str, body: &Value) -> SendOutcome {
        let token = match self.token.token() {
            Ok(t) => t,
            Err(e) => return SendOutcome::Retry(e.to_string()),
        };
        let sent = self
            .http
            .post(&self.url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await;
        let res = match sent {
            Ok(r) => r,
            Err(e) => return SendOutcome::Retry(format!("no answer: {e}")),
        };
        let status = res.status();
        if status == reqwest::StatusCode::CREATED {
            return SendOutcome::Stored;
        }
        let text = res.text().await.unwrap_or_default();
        let detail = format!(
            "{}: {}",
            status.as_u16(),
            text.chars().take(500).collect::<String>()
        );
        match status.as_u16() {
            401 | 403 | 408 | 409 | 425 | 429 => SendOutcome::Retry(detail),
            400..=499 => SendOutcome::Rejected(detail),
            _ => SendOutcome::Retry(detail),
        }
    }
}
