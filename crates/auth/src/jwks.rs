//! Public keys from a JWKS: a file read once, or a URL cached and refreshed when a token names an unknown `kid`.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

use crate::config::ConfigError;

/// A usable key: the algorithm it verifies and the key itself.
#[derive(Clone)]
pub(crate) struct KeyEntry {
    pub alg: Algorithm,
    pub key: Arc<DecodingKey>,
}

pub(crate) type KeyMap = HashMap<String, KeyEntry>;

/// Keeps only RSA (RS256) and P-256 EC (ES256) keys that have a `kid`; others cannot verify our tokens.
pub(crate) fn parse_jwks(text: &str, origin: &str) -> Result<KeyMap, ConfigError> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| ConfigError::JwksInvalid {
        origin: origin.to_owned(),
        reason: e.to_string(),
    })?;
    let mut keys = KeyMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let alg = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            _ => continue,
        };
        let key = DecodingKey::from_jwk(jwk).map_err(|e| ConfigError::JwksInvalid {
            origin: origin.to_owned(),
            reason: format!("key '{kid}': {e}"),
        })?;
        keys.insert(
            kid,
            KeyEntry {
                alg,
                key: Arc::new(key),
            },
        );
    }
    Ok(keys)
}

/// How often an unknown `kid` may trigger a refetch: a flood of forged kids must not hammer the IdP.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);
/// Keys are refetched this often even when every kid is known, so retired keys stop working.
const MAX_AGE: Duration = Duration::from_secs(600);

pub(crate) enum JwksSource {
    Static(KeyMap),
    Remote(RemoteJwks),
}

pub(crate) struct RemoteJwks {
    url: String,
    client: reqwest::Client,
    /// A bearer token file sent with each fetch (the API server's JWKS needs one), re-read each time.
    bearer_file: Option<std::path::PathBuf>,
    keys: RwLock<(KeyMap, Option<Instant>)>,
    refresh: Mutex<Option<Instant>>,
}

impl JwksSource {
    pub(crate) fn remote(url: String) -> Result<Self, ConfigError> {
        Self::remote_with(url, None, None)
    }

    /// A JWKS URL fetched with a bearer token read from `bearer_file`, trusting the PEM certificates of
    /// `ca_file` besides the usual roots (the API server's `/openid/v1/jwks` with the pod's token and CA).
    pub(crate) fn remote_with(
        url: String,
        bearer_file: Option<std::path::PathBuf>,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, ConfigError> {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(5));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                ConfigError::HttpClient(format!("cannot read the CA file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ConfigError::HttpClient(format!("the CA file {}: {e}", path.display()))
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        Ok(Self::Remote(RemoteJwks {
            url,
            client,
            bearer_file,
            keys: RwLock::new((KeyMap::new(), None)),
            refresh: Mutex::new(None),
        }))
    }

    pub(crate) async fn find(&self, kid: &str) -> Option<KeyEntry> {
        match self {
            JwksSource::Static(keys) => keys.get(kid).cloned(),
            JwksSource::Remote(remote) => remote.find(kid).await,
        }
    }
}

impl RemoteJwks {
    async fn find(&self, kid: &str) -> Option<KeyEntry> {
        {
            let guard = self.keys.read().await;
            let fresh = guard.1.is_some_and(|at| at.elapsed() < MAX_AGE);
            if fresh && let Some(k) = guard.0.get(kid) {
                return Some(k.clone());
            }
        }
        self.refresh().await;
        self.keys.read().await.0.get(kid).cloned()
    }

    async fn refresh(&self) {
        // One refresh at a time, and not more often than MIN_REFRESH_INTERVAL.
        let mut last = self.refresh.lock().await;
        if last.is_some_and(|at| at.elapsed() < MIN_REFRESH_INTERVAL) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "JWKS refreshed");
                *self.keys.write().await = (keys, Some(Instant::now()));
            }
            Err(e) => {
                tracing::warn!(url = %self.url, error = %e, "JWKS refresh failed; keeping the cached keys")
            }
        }
    }

    async fn fetch(&self) -> Result<KeyMap, String> {
        let mut req = self.client.get(&self.url);
        if let Some(path) = &self.bearer_file {
            let token = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
            req = req.bearer_auth(token.trim());
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("status {}", res.status()));
        }
        let text = res.text().await.map_err(|e| e.to_string())?;
        parse_jwks(&text, &self.url).map_err(|e| e.to_string())
    }
}
