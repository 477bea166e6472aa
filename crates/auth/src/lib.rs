//! Who is calling: bearer-token verification (HS256, RS256/ES256 from a JWKS), the verified caller
//! ([`Principal`]) and its permissions, and development-token minting.
//!
//! Each service wraps [`authenticate`] in its own actix extractor so a failure is answered in that API's error
//! dialect; the rules of what a token must hold live here once.

mod claims;
mod config;
mod jwks;
mod mint;
mod service_accounts;
mod verifier;

pub use claims::Principal;
pub use config::{AuthConfig, ConfigError};
pub use mint::{DevToken, mint_hs256};
pub use service_accounts::ServiceAccountIssuer;
pub use verifier::{AuthError, Verifier, bearer_token};

use actix_web::{HttpRequest, web};

/// Verifies the request's bearer token with the [`Verifier`] registered as app data.
pub async fn authenticate(req: &HttpRequest) -> Result<Principal, AuthError> {
    let token = bearer_token(req.headers())?;
    let verifier = req
        .app_data::<web::Data<Verifier>>()
        .ok_or(AuthError::NotConfigured)?;
    verifier.verify(token).await
}
