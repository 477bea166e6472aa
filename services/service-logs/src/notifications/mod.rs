//! Notifications: triggers matched against each new log in the create's transaction, queued in an outbox, and
//! sent afterwards by the worker (webhooks and e-mail).

pub mod ssrf;
pub mod wire;

use crate::settings::NotificationSettings;

/// What the handlers and the worker need to know about notifications (app data).
#[derive(Debug, Clone)]
pub struct Notifier {
    pub allow_private_networks: bool,
}

impl Notifier {
    pub fn new(settings: &NotificationSettings) -> Self {
        Self {
            allow_private_networks: settings.allow_private_networks,
        }
    }
}
