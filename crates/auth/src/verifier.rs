//! Token verification: header, algorithm, key, signature, time and issuer/audience checks.

use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use std::sync::Arc;

use crate::claims::Principal;
use crate::config::{AuthConfig, ConfigError};
use crate::jwks::{JwksSource, parse_jwks};

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
        })
    }

    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = decode_header(token).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithmName => AuthError::AlgorithmNotAccepted("unknown".into()),
            _ => AuthError::Malformed,
        })?;
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
        let data = decode::<Value>(token, &key, &validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            ErrorKind::MissingRequiredClaim(c) => AuthError::MissingClaim(c.clone()),
            ErrorKind::InvalidClaimFormat(c) => AuthError::BadClaim(c.clone()),
            ErrorKind::InvalidAlgorithm => {
                AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg))
            }
            _ => AuthError::Malformed,
        })?;
        let claims = data.claims;
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
