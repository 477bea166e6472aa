//! The service's settings: the shared contract variables, the server's (`BIND_ADDR`, default `0.0.0.0:8000`;
//! `HTTP_WORKERS`) and the notifications' (`SMTP_URL`, `NOTIFICATION_DUPLICATE_WINDOW`,
//! `NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS`).

use clap::Args;
use platform::server::ServerSettings;
use platform::settings::{CommonSettings, Secret};

use crate::dialect::Ocm;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub common: CommonSettings,

    #[command(flatten)]
    pub server: ServerSettings<Ocm>,

    #[command(flatten)]
    pub notifications: NotificationSettings,
}

/// How notifications are sent.
#[derive(Debug, Clone, Args)]
pub struct NotificationSettings {
    /// Lets webhooks reach loopback, private and link-local addresses and use plain `http` (development and
    /// tests only: in production it opens the service to SSRF).
    #[arg(long, env = "NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private_networks: bool,

    /// The SMTP relay for e-mail actions: `smtp://` (STARTTLS required), `smtps://` (TLS) or, for development,
    /// `smtp://...?tls=none`; user and password in the URL authenticate. Without it e-mail actions are refused.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,
}

impl NotificationSettings {
    pub fn for_tests() -> Self {
        Self {
            allow_private_networks: true,
            smtp_url: None,
        }
    }
}
