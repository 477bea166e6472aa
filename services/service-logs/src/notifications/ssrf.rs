//! The SSRF guard of webhooks: a destination whose host resolves to a refused address (loopback, private,
//! link-local, metadata, ULA: `domain_logs::trigger::is_refused_ip`) is refused, at create and again right before
//! every send, since DNS can change. The send then connects to the very addresses checked here (no second
//! lookup an attacker's DNS could answer differently).
//!
//! A name that does not resolve is not refused at create (DNS may be set up later; nothing can be reached
//! through it either): the send-time check finds out, and that attempt is retried.

use std::net::SocketAddr;

use domain_logs::trigger::{UrlRefusal, is_refused_ip};
use url::Url;

/// Why a destination cannot be used now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    /// Refused for good (the text follows "Field 'actions[i].url' ").
    #[error(transparent)]
    Refused(#[from] UrlRefusal),
    /// The name does not resolve (now).
    #[error("names host '{0}', which does not resolve")]
    Unresolved(String),
}

/// Resolves the URL's host and refuses it if any address it resolves to is refused (an attacker's DNS may mix a
/// public and a private answer). With `allow_private` every address goes.
pub async fn resolve(url: &Url, allow_private: bool) -> Result<Vec<SocketAddr>, Unusable> {
    let host = url
        .host_str()
        .ok_or_else(|| UrlRefusal("has no host".to_owned()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| Unusable::Unresolved(host.to_owned()))?
        .collect();
    if addrs.is_empty() {
        return Err(Unusable::Unresolved(host.to_owned()));
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|a| is_refused_ip(a.ip())) {
        return Err(Unusable::Refused(UrlRefusal(format!(
            "names host '{host}', which resolves to {}, a loopback, private, link-local or metadata address",
            bad.ip()
        ))));
    }
    Ok(addrs)
}

/// The create's check: refused addresses fail, an unresolved name passes (see the module's note).
pub async fn check_at_create(url: &Url, allow_private: bool) -> Result<(), UrlRefusal> {
    if allow_private {
        return Ok(());
    }
    match resolve(url, allow_private).await {
        Ok(_) | Err(Unusable::Unresolved(_)) => Ok(()),
        Err(Unusable::Refused(r)) => Err(r),
    }
}
