//! The service's settings: the shared contract variables and the server's (`BIND_ADDR`, default `0.0.0.0:8000`;
//! `HTTP_WORKERS`) and how single creates are coalesced (`LOG_CREATE_BATCH_*`, see `group_commit`).

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
}
