//! The service's settings: the shared contract variables plus its own.

use clap::Args;
use platform::settings::CommonSettings;

pub const DEFAULT_BIND_ADDR: &str = "0.0.0.0:8000";

#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub common: CommonSettings,

    /// `host:port` to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = DEFAULT_BIND_ADDR, global = true)]
    pub bind_addr: String,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,
}
