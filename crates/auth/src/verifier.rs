//! Token verification: header, algorithm, key, signature, time and issuer/audience checks.

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use std::sync::Arc;

use crate::claims::Principal;
use crate::config::{AuthConfig, ConfigError};
use crate::jwks::{JwksSource, parse_jwks};
use crate::service_accounts::ServiceAccountIssuer;
use std::collections::BTreeSet;

/// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY_SECS: u64 = 5;

/// Why a request is not authenticated. The `Display` text is the reason a client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Request doesn't contain the 'Authorization' header")]
    MissingHeader,
    #[error("Authorization header is not of the form 'Bearer <token>'")]
    NotBearer,
    #[error("Bearer token is malformed")]
    Malformed,
    #[error("Bearer token is expired")]
    Expired,
    #[error("Bearer token is not valid yet")]
    NotYetValid,
    #[error("Bearer token signature is invalid")]
    BadSignature,
    #[error("Bearer token algorithm '{0}' is not accepted")]
    AlgorithmNotAccepted(String),
    #[error("Bearer token signing key is unknown")]
    UnknownKey,
    #[error("Bearer token issuer is not accepted")]
    WrongIssuer,
    #[error("Bearer token audience is not accepted")]
    WrongAudience,
    #[error("Bearer token subject is not accepted from this issuer")]
    SubjectNotAccepted,
    #[error("Bearer token lacks the required claim '{0}'")]
    MissingClaim(String),
    #[error("Bearer token claim '{0}' has the wrong format")]
    BadClaim(String),
    #[error("Authentication is not configured")]
    NotConfigured,
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers.get(AUTHORIZATION).ok_or(AuthError::MissingHeader)?;
    let value = value.to_str().map_err(|_| AuthError::NotBearer)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed);
    }
    Ok(token)
}

/// Verifies tokens against the configured key sources and claim checks.
pub struct Verifier {
    hs256: Option<DecodingKey>,
    jwks: Option<JwksSource>,
    issuer: Option<String>,
    audience: Option<String>,
    account_path: Vec<String>,
    service_accounts: Option<ServiceAccounts>,
}

/// The cluster's service-account issuer: its keys, its audience, and who may use it for what.
struct ServiceAccounts {
    issuer: String,
    audience: String,
    jwks: JwksSource,
    subjects: BTreeSet<String>,
    permissions: BTreeSet<String>,
}

impl Verifier {
    pub fn new(config: &AuthConfig) -> Result<Self, ConfigError> {
        let hs256 = match config.hs256_secret.as_deref() {
            Some("") => return Err(ConfigError::EmptySecret),
            Some(secret) => Some(DecodingKey::from_secret(secret.as_bytes())),
            None => None,
        };
        let jwks = if let Some(path) = &config.jwks_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::JwksFile {
                path: path.clone(),
                source,
            })?;
            Some(JwksSource::Static(parse_jwks(
                &text,
                &path.display().to_string(),
            )?))
        } else if let Some(url) = &config.jwks_url {
            Some(JwksSource::remote(url.clone())?)
        } else {
            None
        };
        if hs256.is_none() && jwks.is_none() {
            return Err(ConfigError::NoKeySource);
        }
        let account_claim = if config.account_claim.is_empty() {
            "account.bss"
        } else {
            config.account_claim.as_str()
        };
        Ok(Self {
            hs256,
            jwks,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            account_path: account_claim.split('.').map(str::to_owned).collect(),
            service_accounts: None,
        })
    }

    /// Also accepts the tokens of the cluster's service-account issuer: a token whose `iss` is
    /// `sa.issuer` is verified with that issuer's keys and audience only, and grants `sa.permissions`
    /// to the subjects `sa.subjects` names; any other subject is refused.
    pub fn with_service_accounts(mut self, sa: &ServiceAccountIssuer) -> Result<Self, ConfigError> {
        let jwks = if let Some(path) = &sa.jwks_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::JwksFile {
                path: path.clone(),
                source,
            })?;
            JwksSource::Static(parse_jwks(&text, &path.display().to_string())?)
        } else if let Some(url) = &sa.jwks_url {
            JwksSource::remote_with(url.clone(), sa.token_file.clone(), sa.ca_file.as_deref())?
        } else {
            return Err(ConfigError::ServiceAccountIssuer(
                "no AUTH_SA_JWKS_FILE or AUTH_SA_JWKS_URL".into(),
            ));
        };
        self.service_accounts = Some(ServiceAccounts {
            issuer: sa.issuer.clone(),
            audience: sa.audience.clone(),
            jwks,
            subjects: sa.subjects.clone(),
            permissions: sa.permissions.clone(),
        });
        Ok(self)
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName => AuthError::AlgorithmNotAccepted("unknown".into()),
            _ => AuthError::Malformed,
        })?;
        if let Some(sa) = &self.service_accounts
            && unverified_issuer(token).as_deref() == Some(sa.issuer.as_str())
        {
            return self.verify_service_account(sa, token, &header).await;
        }
        let key: Arc<DecodingKey> = match header.alg {
            Algorithm::HS256 => match &self.hs256 {
                Some(k) => Arc::new(k.clone()),
                None => return Err(AuthError::AlgorithmNotAccepted("HS256".into())),
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let (Some(jwks), Some(kid)) = (&self.jwks, header.kid.as_deref()) else {
                    return Err(AuthError::UnknownKey);
                };
                let entry = jwks.find(kid).await.ok_or(AuthError::UnknownKey)?;
                if entry.alg != header.alg {
                    return Err(AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg)));
                }
                entry.key
            }
            other => return Err(AuthError::AlgorithmNotAccepted(format!("{other:?}"))),
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if let Some(iss) = &self.issuer {
            validation.set_issuer(&[iss]);
            validation.required_spec_claims.insert("iss".into());
        }
        match &self.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                validation.required_spec_claims.insert("aud".into());
            }
            None => validation.validate_aud = false,
        }
        let claims = decode_claims(token, &key, &validation, header.alg)?;
        self.principal(claims)
    }

    /// A service-account token: that issuer's keys (RS256/ES256 only), its audience, an accepted subject.
    async fn verify_service_account(
        &self,
        sa: &ServiceAccounts,
        token: &str,
        header: &jsonwebtoken::Header,
    ) -> Result<Principal, AuthError> {
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg)));
        }
        let kid = header.kid.as_deref().ok_or(AuthError::UnknownKey)?;
        let entry = sa.jwks.find(kid).await.ok_or(AuthError::UnknownKey)?;
        if entry.alg != header.alg {
            return Err(AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg)));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[&sa.issuer]);
        validation.set_audience(&[&sa.audience]);
        let claims = decode_claims(token, &entry.key, &validation, header.alg)?;
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or("");
        if !sa.subjects.contains(subject) {
            return Err(AuthError::SubjectNotAccepted);
        }
        let mut principal = self.principal(claims)?;
        // What the token claims for itself does not count: the configuration says what it may do.
        principal.permissions = sa.permissions.clone();
        principal.account = None;
        Ok(principal)
    }

    fn principal(&self, claims: Value) -> Result<Principal, AuthError> {
        // `iat` in the future (beyond the leeway) means a broken or forged clock: refuse it.
        if let Some(iat) = claims.get("iat") {
            let iat = iat
                .as_u64()
                .ok_or_else(|| AuthError::BadClaim("iat".into()))?;
            if iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECS {
                return Err(AuthError::NotYetValid);
            }
        }
        let path: Vec<&str> = self.account_path.iter().map(String::as_str).collect();
        let principal = Principal::from_claims(&claims, &path)
            .ok_or_else(|| AuthError::MissingClaim("sub".into()))?;
        // A NUL cannot be stored in PostgreSQL: such an identity could never be recorded, so it is no identity.
        match principal.unstorable_claim() {
            Some(claim) => Err(AuthError::BadClaim(claim.into())),
            None => Ok(principal),
        }
    }
}

/// The `iss` of a token, read without verifying anything: only to choose which issuer verifies it.
fn unverified_issuer(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("iss")?.as_str().map(str::to_owned)
}

fn decode_claims(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
    alg: Algorithm,
) -> Result<Value, AuthError> {
    let data = decode::<Value>(token, key, validation).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(c) => AuthError::MissingClaim(c.clone()),
        ErrorKind::InvalidClaimFormat(c) => AuthError::BadClaim(c.clone()),
        ErrorKind::InvalidAlgorithm => AuthError::AlgorithmNotAccepted(format!("{alg:?}")),
        _ => AuthError::Malformed,
    })?;
    Ok(data.claims)
}
