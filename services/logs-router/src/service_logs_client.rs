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
/// Path of the bulk create: `{"items": [<a create body with "idempotency_key">, ...]}`, 1 to 1,000 items, answered
/// 200 with one result per item, in request order.
pub const BULK_PATH: &str = "/api/service_logs/v1/cluster_logs/bulk";
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

/// What service-logs answered for one item of a bulk create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemOutcome {
    /// 201 (stored now) or 200 (`replayed`: stored by an earlier attempt under the same key).
    Stored { replayed: bool },
    /// 409 (the same key in flight in another request), or any status worth another try.
    Retry(String),
    /// 400 or 422 (another body under the same key): this item can never succeed.
    Rejected(String),
}

/// What one bulk attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    /// One outcome per item, in request order.
    Items(Vec<ItemOutcome>),
    /// Nothing known of any item, worth retrying the whole batch: no answer, 5xx, 401/403 (a token may be
    /// rotating), 408, 425, 429.
    Retry(String),
    /// The request as a whole was refused in a way a retry will not mend (no bulk endpoint: 404/405; too large:
    /// 413; a 400 of the envelope; or an answer that is not one result per item): send the items one by one.
    Unsupported(String),
}

pub struct ServiceLogsClient {
    http: ClientWithMiddleware,
    url: String,
    bulk_url: String,
    token: TokenSource,
}

fn detail(status: reqwest::StatusCode, text: &str) -> String {
    format!(
        "{}: {}",
        status.as_u16(),
        text.chars().take(500).collect::<String>()
    )
}

/// Whether a status of the request as a whole is worth another try of the same request.
fn transient(status: u16) -> bool {
    matches!(status, 401 | 403 | 408 | 409 | 425 | 429) || !(400..=499).contains(&status)
}

/// One item's result: `{"status": 201|200, "log": {...}}` or `{"status": 4xx, "error": {...}}`.
fn item_outcome(item: &Value) -> Option<ItemOutcome> {
    let status = u16::try_from(item.get("status")?.as_u64()?).ok()?;
    Some(match status {
        201 => ItemOutcome::Stored { replayed: false },
        200 => ItemOutcome::Stored { replayed: true },
        _ => {
            let error = item.get("error").map(Value::to_string).unwrap_or_default();
            let text = format!("{status}: {}", error.chars().take(500).collect::<String>());
            if matches!(status, 400 | 422) {
                ItemOutcome::Rejected(text)
            } else {
                ItemOutcome::Retry(text)
            }
        }
    })
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
            bulk_url: format!("{}{BULK_PATH}", base_url.trim_end_matches('/')),
            token,
        })
    }

    /// One POST with the current token (and `Idempotency-Key: key` when given), in the current span's trace; the
    /// error (no token, no answer) is worth a retry.
    async fn post(
        &self,
        url: &str,
        key: Option<&str>,
        body: &Value,
    ) -> Result<reqwest::Response, String> {
        let token = self.token.token().map_err(|e| e.to_string())?;
        let mut req = self.http.post(url).bearer_auth(token);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req.json(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))
    }

    /// Posts one service log with `Idempotency-Key: key`, in the current span's trace.
    pub async fn create_log(&self, key: &str, body: &Value) -> SendOutcome {
        let res = match self.post(&self.url, Some(key), body).await {
            Ok(r) => r,
            Err(e) => return SendOutcome::Retry(e),
        };
        let status = res.status();
        if status == reqwest::StatusCode::CREATED {
            return SendOutcome::Stored;
        }
        let text = res.text().await.unwrap_or_default();
        let detail = detail(status, &text);
        if transient(status.as_u16()) {
            SendOutcome::Retry(detail)
        } else {
            SendOutcome::Rejected(detail)
        }
    }

    /// Posts `items` (create bodies, each with its `idempotency_key`) in one bulk create, in the current span's
    /// trace.
    pub async fn create_logs(&self, items: &[Value]) -> BulkOutcome {
        let body = serde_json::json!({ "items": items });
        let res = match self.post(&self.bulk_url, None, &body).await {
            Ok(r) => r,
            Err(e) => return BulkOutcome::Retry(e),
        };
        let status = res.status();
        let text = match res.text().await {
            Ok(t) => t,
            Err(e) => return BulkOutcome::Retry(format!("answer cut short: {e}")),
        };
        if status != reqwest::StatusCode::OK {
            let detail = detail(status, &text);
            return if transient(status.as_u16()) {
                BulkOutcome::Retry(detail)
            } else {
                BulkOutcome::Unsupported(detail)
            };
        }
        let results = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
            v.get("items")?
                .as_array()?
                .iter()
                .map(item_outcome)
                .collect::<Option<Vec<_>>>()
        });
        match results {
            Some(r) if r.len() == items.len() => BulkOutcome::Items(r),
            _ => BulkOutcome::Unsupported(format!(
                "200 without one result per item ({} sent): {}",
                items.len(),
                text.chars().take(500).collect::<String>()
            )),
        }
    }
}
