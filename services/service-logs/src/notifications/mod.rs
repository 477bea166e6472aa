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
}

impl Notifier {
    /// From the settings; a malformed `SMTP_URL` refuses to start.
    pub fn new(settings: &NotificationSettings) -> Result<Self, String> {
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
