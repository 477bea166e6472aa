//! The service's settings: the shared contract variables, the server's (`BIND_ADDR`, default `0.0.0.0:8000`;
//! `HTTP_WORKERS`), how single creates are coalesced (`LOG_CREATE_BATCH_*`, see `group_commit`) and the
//! retention (`LOG_RETENTION_DAYS`).

use clap::Args;
use platform::server::ServerSettings;
use platform::settings::CommonSettings;

use crate::dialect::Ocm;
use crate::group_commit::GroupSettings;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub common: CommonSettings,

    #[command(flatten)]
    pub server: ServerSettings<Ocm>,

    #[command(flatten)]
    pub group: GroupSettings,

    /// Days a log is kept after it was stored; older logs are deleted by the hourly housekeeping, in batches.
    /// Unset (the default): logs are kept for ever.
    #[arg(long, env = "LOG_RETENTION_DAYS", value_parser = clap::value_parser!(u16).range(1..))]
    pub log_retention_days: Option<u16>,
}

impl Settings {
    /// Settings for a test server on `database_url`, tokens signed with `secret`, `workers` HTTP workers.
    pub fn for_tests(database_url: &str, secret: &str, workers: usize) -> Self {
        Settings {
            common: CommonSettings::for_tests(database_url, secret),
            server: ServerSettings::for_tests(workers),
            group: GroupSettings::default(),
            log_retention_days: None,
        }
    }
}
