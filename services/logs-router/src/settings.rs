//! The router's settings: the shared contract variables, the server's (`BIND_ADDR`, default `0.0.0.0:8080`;
//! `HTTP_WORKERS`) and its own.

use clap::Args;
use platform::server::ServerSettings;
use platform::settings::{CommonSettings, Secret};
use std::path::PathBuf;

use crate::dialect::Ibm;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub common: CommonSettings,

    #[command(flatten)]
    pub server: ServerSettings<Ibm>,

    /// Region this deployment serves; used in CRNs.
    #[arg(long, env = "REGION", default_value = "us-south", global = true)]
    pub region: String,

    /// Base64 of 32 bytes: the AES-256-GCM key that encrypts target access credentials at rest.
    #[arg(long, env = "CREDENTIALS_KEY", hide_env_values = true, global = true)]
    pub credentials_key: Option<Secret>,

    /// The key before the last rotation: still decrypts, never encrypts.
    #[arg(
        long,
        env = "CREDENTIALS_KEY_PREVIOUS",
        hide_env_values = true,
        global = true
    )]
    pub credentials_key_previous: Option<Secret>,

    /// Base URL of service-logs, e.g. `http://127.0.0.1:8000`.
    #[arg(long, env = "SERVICE_LOGS_URL", global = true)]
    pub service_logs_url: Option<String>,

    /// File holding the bearer token sent to service-logs; re-read when it changes.
    #[arg(long, env = "SERVICE_LOGS_TOKEN_FILE", global = true)]
    pub service_logs_token_file: Option<PathBuf>,

    /// Proxies whose `X-Forwarded-For` is believed for the audit trail's client address, as CIDRs or addresses,
    /// comma-separated (e.g. the ingress controller's pod network). Empty: the peer address, always.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<crate::client_address::Cidr>,

    /// How many tenants one account may have in this region.
    #[arg(long, env = "TENANTS_PER_ACCOUNT", default_value_t = 1, global = true)]
    pub tenants_per_account: u32,

    /// Days a delivered audit event stays in the outbox before the delivery worker deletes it.
    #[arg(long, env = "AUDIT_DELIVERED_RETENTION_DAYS", default_value_t = 7, global = true,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub audit_delivered_retention_days: u16,
}

#[cfg(test)]
mod tests {
    use super::Settings;
    use clap::Args;

    #[test]
    fn every_flag_is_named_after_its_variable() {
        let cmd = Settings::augment_args(clap::Command::new("logs-router"));
        assert_eq!(
            platform::cli::flags_unlike_their_variables(&cmd),
            Vec::<String>::new()
        );
    }
}
