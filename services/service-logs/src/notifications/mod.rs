//! Notifications: triggers matched against each new log in the create's transaction
//! (`store::notifications::queue_matched`), queued in an outbox, and sent afterwards by the [`worker`] (webhooks
//! and e-mail), on the generic claim loop of the `outbox` crate.

pub mod email;
pub mod ssrf;
pub mod webhook;
pub mod wire;
pub mod worker;

use crate::settings::{NotificationSettings, RetryPolicy};
use crate::store::notifications::Queueing;

/// What the handlers and the worker need to know about notifications (app data).
#[derive(Debug, Clone)]
pub struct Notifier {
    pub allow_private_networks: bool,
    pub queueing: Queueing,
    pub retry: RetryPolicy,
    /// The SMTP relay; `None` without `SMTP_URL` (e-mail deliveries then fail and are retried).
    pub mailer: Option<email::Mailer>,
    /// Seals webhook signing secrets for the database and opens them to sign (`WEBHOOK_SECRETS_KEY`).
    pub secrets: sealing::Sealer,
}

impl Notifier {
    /// From the settings; a missing or malformed `WEBHOOK_SECRETS_KEY`, or a malformed `SMTP_URL`, refuses to
    /// start.
    pub fn new(settings: &NotificationSettings) -> Result<Self, String> {
        let secrets = sealing::Sealer::from_vars(
            sealing::WEBHOOK_SECRETS,
            settings.webhook_secrets_key.as_ref().map(|s| s.expose()),
            settings
                .webhook_secrets_key_previous
                .as_ref()
                .map(|s| s.expose()),
        )
        .map_err(|e| e.to_string())?;
        let mailer = settings
            .smtp_url
            .as_ref()
            .map(|u| {
                email::Mailer::from_url(
                    u.expose(),
                    settings.retry.timeout,
                    settings.link_base_url.as_deref(),
                )
            })
            .transpose()?;
        Ok(Self {
            mailer,
            secrets,
            allow_private_networks: settings.allow_private_networks,
            queueing: Queueing {
                duplicate_window: settings.duplicate_window,
                triggers: Default::default(),
            },
            retry: settings.retry,
        })
    }
}

/// A window in words for messages: `1h`, `30m`, `90s`.
pub fn describe_window(w: time::Duration) -> String {
    let s = w.whole_seconds();
    if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}
