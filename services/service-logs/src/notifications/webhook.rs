//! Webhook deliveries, signed per the Standard Webhooks specification: `webhook-id` (the same on every attempt
//! of one delivery), `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">`, keyed with the base64 part of the trigger's `whsec_` secret.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::ssrf::{self, Unusable};

/// The `webhook-signature` value of `body` sent as message `id` at `timestamp`; `None` for a malformed secret.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// How one POST ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// A 2xx.
    Accepted,
    /// 410 Gone: the receiver wants no more.
    Gone,
    /// Worth trying again later: no answer, a timeout, a refused destination now, any other status.
    Failed(String),
}

/// POSTs `body` to `url`, after checking where its host resolves now (SSRF) and connecting to exactly those
/// addresses; no redirects are followed.
pub async fn post(
    url: &str,
    secret: &str,
    id: &str,
    body: Vec<u8>,
    allow_private: bool,
    timeout: Duration,
) -> Sent {
    let url = match domain_logs::trigger::webhook_url(url, allow_private) {
        Ok(u) => u,
        Err(e) => return Sent::Failed(format!("the URL {e}")),
    };
    let addrs = match ssrf::resolve(&url, allow_private).await {
        Ok(a) => a,
        Err(Unusable::Refused(e)) => return Sent::Failed(format!("the URL {e}")),
        Err(e @ Unusable::Unresolved(_)) => return Sent::Failed(format!("the URL {e}")),
    };
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout);
    if let Some(url::Host::Domain(host)) = url.host() {
        client = client.resolve_to_addrs(host, &addrs);
    }
    let client = match client.build() {
        Ok(c) => c,
        Err(e) => return Sent::Failed(format!("no HTTP client: {e}")),
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let Some(signature) = sign(secret, id, timestamp, &body) else {
        return Sent::Failed("the trigger's secret is malformed".to_owned());
    };
    let answer = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => Sent::Accepted,
        Ok(r) if r.status() == reqwest::StatusCode::GONE => Sent::Gone,
        Ok(r) => Sent::Failed(format!("the receiver answered {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Sent::Failed(format!("no answer within {timeout:?}")),
        Err(e) => Sent::Failed(format!("sending failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::sign;

    /// The Standard Webhooks specification's test vector.
    #[test]
    fn standard_webhooks_vector() {
        assert_eq!(
            sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            )
            .as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("whsec_!!", "m", 1, b""), None);
    }
}
